/**
 * Which pages of a data file changed after a given LSN, without reading the file: an upper
 * bound of every page's LSN, kept in memory while the store is open.
 *
 * @packageDocumentation
 */

/**
 * Upper bounds of the LSNs of one data file's pages (8 bytes per page: 1 MiB per GiB of file).
 *
 * Every change of a page goes through a page operation, which stamps the page with its LSN and
 * tells the index ({@link PageLsnIndex.note}); the bound only ever rises (an operation that is
 * rolled back leaves it higher than the page's LSN, which only costs a page read later). The
 * pages already in the file when it was opened are unknown until someone reads them all once
 * ({@link PageLsnIndex.complete}): until then {@link PageLsnIndex.candidates} cannot be used and
 * the caller scans the file, noting what it finds.
 *
 * So for any page and any LSN `L`: if the page's LSN (now, or in an earlier snapshot) is above
 * `L`, then the page is among the candidates for `L`. The converse does not hold: a candidate
 * must still be read and its own LSN compared.
 */
export class PageLsnIndex {
  private bounds = new Float64Array(0);

  /**
   * @param complete - true for a file created empty while the store is open (every page it
   *   will ever have is noted as it is made); false for a file opened with pages on disk
   */
  constructor(public complete: boolean) {}

  /** Records that page `page` carries (or carried) LSN `lsn`. */
  note(page: number, lsn: number): void {
    if (page >= this.bounds.length) {
      const grown = new Float64Array(Math.max(64, page + 1, this.bounds.length * 2));
      grown.set(this.bounds);
      this.bounds = grown;
    }
    if (lsn > this.bounds[page]!) this.bounds[page] = lsn;
  }

  /**
   * The pages below `count` whose bound is above `lsn`, as runs of consecutive pages of at most
   * `maxRun` pages, in order. Only meaningful once {@link PageLsnIndex.complete}.
   */
  *candidates(count: number, lsn: number, maxRun: number): Generator<{ readonly first: number; readonly count: number }> {
    const limit = Math.min(count, this.bounds.length);
    let first = -1;
    for (let page = 0; page < limit; page++) {
      const newer = this.bounds[page]! > lsn;
      if (newer && first < 0) first = page;
      if (first >= 0 && (!newer || page - first === maxRun)) {
        yield { first, count: page - first };
        first = newer ? page : -1;
      }
    }
    if (first >= 0) yield { first, count: limit - first };
  }
}
