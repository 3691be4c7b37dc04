/**
 * PageScanner: the same verdict however the bytes of a file are cut into chunks (restore reads
 * files from disk in 256 KiB reads, verify from the archive in inflater-sized chunks).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../src/engine/index.js';
import { formatPage, sealPage } from '../../src/engine/page.js';
import { PageScanner } from '../../src/restore/index.js';

const seed = process.env.FC_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FC_SEED);

function scan(bytes: Buffer, cuts: readonly number[]): string | undefined {
  const scanner = new PageScanner('file.pcl');
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length)].sort((a, b) => a - b).concat(bytes.length)) {
    scanner.push(bytes.subarray(at, cut));
    at = cut;
  }
  const found = scanner.finish();
  return found === undefined ? undefined : `${found.code} ${JSON.stringify(found.details)}`;
}

function file(pages: number, damaged: number | undefined, extra: number): Buffer {
  const bytes = Buffer.alloc(pages * PAGE_SIZE + extra);
  for (let index = 0; index < pages; index++) {
    const page = bytes.subarray(index * PAGE_SIZE, (index + 1) * PAGE_SIZE);
    if (index % 3 === 2) continue; // an empty (all-zero) page is valid
    formatPage(page, 3, index + 1);
    page.fill(index + 7, 40, 200);
    sealPage(page);
  }
  if (damaged !== undefined && damaged < pages) bytes[damaged * PAGE_SIZE + 100] ^= 0xff;
  return bytes;
}

describe('PageScanner', () => {
  it(`gives the verdict of a whole-file scan for any chunking (seed ${seed}; replay with FC_SEED)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
        fc.constantFrom(0, 0, 1, 100),
        fc.array(fc.integer({ min: 0, max: 6 * PAGE_SIZE }), { maxLength: 20 }),
        (pages, damaged, extra, cuts) => {
          const bytes = file(pages, damaged, extra);
          expect(scan(bytes, cuts)).toBe(scan(bytes, []));
        },
      ),
      { seed, numRuns: 200 },
    );
  });

  it('names the first damaged page, and a partial last page', () => {
    expect(scan(file(4, undefined, 0), [])).toBeUndefined();
    expect(scan(file(4, 1, 0), [])).toBe('ERR_CORRUPT_PAGE {"file":"file.pcl","page":1,"entry":"file.pcl"}');
    expect(scan(file(2, undefined, 10), [])).toBe(`ERR_CORRUPT_DATABASE {"entry":"file.pcl","size":${2 * PAGE_SIZE + 10}}`);
  });
});
