import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../src/engine/constants.js';
import { isCodedError } from '../../src/errors.js';
import {
  PAGE_RECORD_SIZE,
  PageRecordSplitter,
  encodeFileList,
  encodePageRecord,
  isPagedFileName,
  pagedFileOfEntry,
  pagesEntryName,
  parseFileList,
} from '../../src/incremental/chain-format.js';

function corruptCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return isCodedError(error) ? error.code : 'uncoded';
  }
  return undefined;
}

describe('files.json', () => {
  it('round-trips, sorted by name', () => {
    const list = { pageSize: PAGE_SIZE, files: [{ name: 'b.pcl', size: 2 * PAGE_SIZE }, { name: 'a.cpm', size: 0 }], removed: ['z.pcl', 'c.cpm'] };
    const parsed = parseFileList(encodeFileList(list));
    expect(parsed).toEqual({ pageSize: PAGE_SIZE, files: [{ name: 'a.cpm', size: 0 }, { name: 'b.pcl', size: 2 * PAGE_SIZE }], removed: ['c.cpm', 'z.pcl'] });
  });

  const bad: Array<[string, unknown]> = [
    ['not JSON', '{'],
    ['an array', []],
    ['another page size', { pageSize: 4096, files: [], removed: [] }],
    ['files not an array', { pageSize: PAGE_SIZE, files: {}, removed: [] }],
    ['removed missing', { pageSize: PAGE_SIZE, files: [] }],
    ['a path as a name', { pageSize: PAGE_SIZE, files: [{ name: '../x.pcl', size: 0 }], removed: [] }],
    ['a name with a slash', { pageSize: PAGE_SIZE, files: [{ name: 'a/b.pcl', size: 0 }], removed: [] }],
    ['the metadata as a paged file', { pageSize: PAGE_SIZE, files: [{ name: 'database.ocf', size: 0 }], removed: [] }],
    ['a size that is not whole pages', { pageSize: PAGE_SIZE, files: [{ name: 'a.pcl', size: 100 }], removed: [] }],
    ['a negative size', { pageSize: PAGE_SIZE, files: [{ name: 'a.pcl', size: -PAGE_SIZE }], removed: [] }],
    ['a name twice', { pageSize: PAGE_SIZE, files: [{ name: 'a.pcl', size: 0 }, { name: 'a.pcl', size: 0 }], removed: [] }],
    ['listed and removed', { pageSize: PAGE_SIZE, files: [{ name: 'a.pcl', size: 0 }], removed: ['a.pcl'] }],
    ['a removal that is no name', { pageSize: PAGE_SIZE, files: [], removed: [7] }],
  ];
  for (const [what, value] of bad) {
    it(`refuses ${what} with ERR_CHAIN_CORRUPT`, () => {
      const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
      expect(corruptCode(() => parseFileList(bytes))).toBe('ERR_CHAIN_CORRUPT');
    });
  }

  it('accepts exactly the names the engine gives paged files', () => {
    expect(isPagedFileName('person.pcl')).toBe(true);
    expect(isPagedFileName('_x9.cpm')).toBe(true);
    expect(isPagedFileName('Person.pcl')).toBe(false);
    expect(isPagedFileName('9x.pcl')).toBe(false);
    expect(isPagedFileName('database.wal')).toBe(false);
    expect(isPagedFileName(`${'a'.repeat(65)}.pcl`)).toBe(false);
    expect(pagedFileOfEntry(pagesEntryName('person.pcl'))).toBe('person.pcl');
    expect(pagedFileOfEntry('files.json')).toBeUndefined();
  });
});

describe('page records', () => {
  // Replay a failure with FC_SEED=<the seed fast-check prints>.
  const params = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };
  const page = fc.tuple(fc.nat({ max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 255 })).map(([index, fill]) => {
    const bytes = Buffer.alloc(PAGE_SIZE, fill);
    bytes.writeUInt32LE(index, PAGE_SIZE - 4);
    return [index, bytes] as const;
  });
  test.prop([fc.array(page, { maxLength: 5 }), fc.array(fc.integer({ min: 1, max: 3 * PAGE_RECORD_SIZE }), { minLength: 1, maxLength: 20 })], params)(
    'split back into the same records whatever the chunk boundaries',
    (records, cuts) => {
      const bytes = Buffer.concat(records.map(([index, page]) => encodePageRecord(index, page)));
      const splitter = new PageRecordSplitter('pages/x.pcl.pages');
      const out: Array<[number, Buffer]> = [];
      let at = 0;
      for (let i = 0; at < bytes.length; i++) {
        const size = cuts[i % cuts.length]!;
        for (const record of splitter.push(bytes.subarray(at, at + size))) out.push([record.pageIndex, record.page]);
        at += size;
      }
      splitter.end();
      expect(out.map(([index]) => index)).toEqual(records.map(([index]) => index));
      out.forEach(([, page], i) => expect(page.equals(records[i]![1])).toBe(true));
    },
  );

  it('refuses an entry that ends inside a record', () => {
    const splitter = new PageRecordSplitter('pages/x.pcl.pages');
    splitter.push(encodePageRecord(3, Buffer.alloc(PAGE_SIZE)).subarray(0, 100));
    expect(corruptCode(() => splitter.end())).toBe('ERR_CHAIN_CORRUPT');
  });
});
