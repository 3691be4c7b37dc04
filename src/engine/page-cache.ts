/**
 * A page held in memory, with what the write-ahead log and the eviction need to know about it.
 */
export interface CachedPage {
  /** {@link pageKey} of (file, page). */
  readonly key: number;
  readonly fileId: number;
  readonly index: number;
  /** The page's bytes; modified in place by writers. */
  readonly buffer: Buffer;
  /** True when the bytes differ from the data file. */
  dirty: boolean;
  /** True when the bytes changed since their last image went to the write-ahead log. */
  needsLog: boolean;
  /** The WAL group holding the latest image (valid when `needsLog` is false and `dirty` is true). */
  logGroup: number;
  /** The write operation that last touched the page: it must not be evicted while that one runs. */
  opEpoch: number;
  /** Used since the eviction scan last passed it (second chance). */
  referenced: boolean;
}

/** A numeric key for (file id, page index): file ids stay far below 2^21, page indexes below 2^32. */
export function pageKey(fileId: number, index: number): number {
  return fileId * 0x1_0000_0000 + index;
}

/**
 * The pages in memory, evicted in second-chance (CLOCK) order: pages sit in insertion order, a use
 * only sets a flag, and the eviction scan moves a flagged page to the back instead of evicting it.
 * That approximates least-recently-used without reordering anything on the hot path. Lookups go
 * through one map per file keyed by page index (small integers hash fastest).
 *
 * The capacity is a soft bound: the page store evicts down to it between operations, because
 * pages changed by an operation stay until the log holds them.
 */
export class PageCache {
  private readonly byFile = new Map<number, Map<number, CachedPage>>();
  private readonly order = new Set<CachedPage>();

  /** @param capacity the number of pages to keep at most (outside operations). */
  constructor(readonly capacity: number) {}

  /** Number of pages held. */
  get size(): number {
    return this.order.size;
  }

  /** The page, marked as used. */
  get(fileId: number, index: number): CachedPage | undefined {
    const page = this.byFile.get(fileId)?.get(index);
    if (page !== undefined) page.referenced = true;
    return page;
  }

  /** The page, without marking it as used. */
  peek(fileId: number, index: number): CachedPage | undefined {
    return this.byFile.get(fileId)?.get(index);
  }

  /** Adds a page. */
  add(page: CachedPage): void {
    let pages = this.byFile.get(page.fileId);
    if (pages === undefined) {
      pages = new Map();
      this.byFile.set(page.fileId, pages);
    }
    pages.set(page.index, page);
    this.order.add(page);
  }

  /** Removes a page. */
  delete(page: CachedPage): void {
    this.byFile.get(page.fileId)?.delete(page.index);
    this.order.delete(page);
  }

  /** Every page, oldest first. */
  values(): IterableIterator<CachedPage> {
    return this.order.values();
  }

  /**
   * Pages to evict, in eviction order: up to `count` pages accepted by `evictable`, giving pages
   * used since the last scan a second chance (they move to the back). Looks at no more than
   * `budget` pages.
   */
  victims(count: number, evictable: (page: CachedPage) => boolean, budget = Number.POSITIVE_INFINITY): CachedPage[] {
    const chosen: CachedPage[] = [];
    const secondChance: CachedPage[] = [];
    for (const page of this.order) {
      if (chosen.length >= count || budget-- <= 0) break;
      if (page.referenced) {
        page.referenced = false;
        secondChance.push(page);
      } else if (evictable(page)) {
        chosen.push(page);
      }
    }
    for (const page of secondChance) {
      this.order.delete(page);
      this.order.add(page);
    }
    if (chosen.length < count && secondChance.length > 0 && budget > 0) {
      // Everything had been used recently: the second pass finds the pages that now have no flag.
      const taken = new Set(chosen);
      for (const page of this.order) {
        if (chosen.length >= count || budget-- <= 0) break;
        if (!page.referenced && !taken.has(page) && evictable(page)) chosen.push(page);
      }
    }
    return chosen;
  }

  /**
   * Drops clean pages until the cache is within capacity, skipping pages of the running operation
   * `activeEpoch` (-1 when none runs). Looks at no more than `budget` pages.
   */
  dropClean(activeEpoch: number, budget = 64): void {
    const excess = this.order.size - this.capacity;
    if (excess <= 0) return;
    const victims = this.victims(excess, (page) => !page.dirty && (activeEpoch < 0 || page.opEpoch !== activeEpoch), budget);
    for (const page of victims) this.delete(page);
  }
}
