import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../src/engine/constants.js';
import { isCodedError } from '../../src/errors.js';
import {
  FILES_ENTRY,
  METADATA_ENTRY,
  PAGES_FOLDER,
  PAGES_SUFFIX,
  PAGE_RECORD_SIZE,
  PageRecordSplitter,
  encodeFileList,
  encodePageRecord,
  isPagedFileName,
  pagedFileOfEntry,
  pagesEntryName,
  parseFileList,
} from '../../src/incremental/chain-format.js';

/** The coded error `action` throws (fails the test when it throws none or an uncoded one). */
function thrown(action: () => unknown): { code: string; message: string; details: unknown } {
  try {
    action();
  } catch (error) {
    if (isCodedError(error)) return error as never;
    throw error;
  }
  throw new Error('expected a coded error, but nothing was thrown');
}

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
  it('writes the documented bytes: pretty-printed JSON and a newline, only the name and size of each file', () => {
    const files = [{ name: 'b.pcl', size: 2 * PAGE_SIZE, extra: true }, { name: 'a.cpm', size: 0 }];
    const bytes = encodeFileList({ pageSize: PAGE_SIZE, files, removed: ['z.pcl', 'c.cpm'] });
    expect(bytes.toString('utf8')).toBe(
      `{\n  "pageSize": ${PAGE_SIZE},\n  "files": [\n    {\n      "name": "a.cpm",\n      "size": 0\n    },\n` +
        `    {\n      "name": "b.pcl",\n      "size": ${2 * PAGE_SIZE}\n    }\n  ],\n  "removed": [\n    "c.cpm",\n    "z.pcl"\n  ]\n}\n`,
    );
  });

  it('keeps files of one name in the order given (the encoding is stable)', () => {
    const list = { pageSize: PAGE_SIZE, files: [{ name: 'a.pcl', size: PAGE_SIZE }, { name: 'a.pcl', size: 0 }], removed: [] };
    expect(JSON.parse(encodeFileList(list).toString('utf8')).files).toEqual(list.files);
  });

  it('sorts what it parses by name, whatever the order in the bytes', () => {
    const bytes = Buffer.from(
      JSON.stringify({
        pageSize: PAGE_SIZE,
        files: [{ name: 'c.pcl', size: PAGE_SIZE }, { name: 'a.pcl', size: 0 }, { name: 'b.cpm', size: 3 * PAGE_SIZE }],
        removed: ['z.cpm', 'x.pcl', 'y.pcl'],
      }),
    );
    expect(parseFileList(bytes)).toEqual({
      pageSize: PAGE_SIZE,
      files: [{ name: 'a.pcl', size: 0 }, { name: 'b.cpm', size: 3 * PAGE_SIZE }, { name: 'c.pcl', size: PAGE_SIZE }],
      removed: ['x.pcl', 'y.pcl', 'z.cpm'],
    });
  });

  it('accepts sizes of zero and of any whole number of pages, and members it does not know', () => {
    const bytes = Buffer.from(JSON.stringify({ pageSize: PAGE_SIZE, note: 'x', files: [{ name: 'a.pcl', size: 0, mtime: 1 }, { name: 'b.pcl', size: 1000 * PAGE_SIZE }], removed: [] }));
    expect(parseFileList(bytes).files).toEqual([{ name: 'a.pcl', size: 0 }, { name: 'b.pcl', size: 1000 * PAGE_SIZE }]);
  });

  const moreBad: Array<[string, string | Buffer]> = [
    ['null', 'null'],
    ['a number', '5'],
    ['a string', '"files"'],
    ['a file that is null', JSON.stringify({ pageSize: PAGE_SIZE, files: [null], removed: [] })],
    ['a file that is a number', JSON.stringify({ pageSize: PAGE_SIZE, files: [7], removed: [] })],
    ['a name that is an array holding a name', JSON.stringify({ pageSize: PAGE_SIZE, files: [{ name: ['a.pcl'], size: 0 }], removed: [] })],
    ['a removal that is an array holding a name', JSON.stringify({ pageSize: PAGE_SIZE, files: [], removed: [['a.pcl']] })],
    ['a removal that is a path', JSON.stringify({ pageSize: PAGE_SIZE, files: [], removed: ['../a.pcl'] })],
    ['a size as a string', JSON.stringify({ pageSize: PAGE_SIZE, files: [{ name: 'a.pcl', size: String(PAGE_SIZE) }], removed: [] })],
    ['a size that is not a safe integer', JSON.stringify({ pageSize: PAGE_SIZE, files: [{ name: 'a.pcl', size: 2 ** 60 }], removed: [] })],
    ['a fractional size', JSON.stringify({ pageSize: PAGE_SIZE, files: [{ name: 'a.pcl', size: PAGE_SIZE + 0.5 }], removed: [] })],
    ['a removal listed twice', JSON.stringify({ pageSize: PAGE_SIZE, files: [], removed: ['a.pcl', 'a.pcl'] })],
    ['files as a string', JSON.stringify({ pageSize: PAGE_SIZE, files: 'a.pcl', removed: [] })],
    ['removed as a string', JSON.stringify({ pageSize: PAGE_SIZE, files: [], removed: 'a.pcl' })],
    // Valid JSON but for one byte that is not UTF-8, in a member nobody reads.
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from(`{"pageSize":${PAGE_SIZE},"files":[],"removed":[],"note":"`), Buffer.from([0xff]), Buffer.from('"}')])],
  ];
  for (const [what, value] of moreBad) {
    it(`refuses ${what} with ERR_CHAIN_CORRUPT naming the entry`, () => {
      const error = thrown(() => parseFileList(Buffer.isBuffer(value) ? value : Buffer.from(value)));
      expect(error.code).toBe('ERR_CHAIN_CORRUPT');
      expect(error.details).toStrictEqual({ entry: 'files.json' });
      expect(error.message.startsWith('files.json: ')).toBe(true);
    });
  }

  it('names the offending value in its message', () => {
    expect(thrown(() => parseFileList(Buffer.from(JSON.stringify({ pageSize: 4096, files: [], removed: [] })))).message).toContain('4096');
    const twice = { pageSize: PAGE_SIZE, files: [{ name: 'person.pcl', size: 0 }, { name: 'person.pcl', size: 0 }], removed: [] };
    expect(thrown(() => parseFileList(Buffer.from(JSON.stringify(twice)))).message).toContain("'person.pcl'");
    const odd = { pageSize: PAGE_SIZE, files: [{ name: 'person.pcl', size: 100 }], removed: [] };
    expect(thrown(() => parseFileList(Buffer.from(JSON.stringify(odd)))).message).toMatch(/'person\.pcl'.*100/);
    const path = { pageSize: PAGE_SIZE, files: [{ name: '../x.pcl', size: 0 }], removed: [] };
    expect(thrown(() => parseFileList(Buffer.from(JSON.stringify(path)))).message).toContain('"../x.pcl"');
    const removal = { pageSize: PAGE_SIZE, files: [], removed: ['x/y.cpm'] };
    expect(thrown(() => parseFileList(Buffer.from(JSON.stringify(removal)))).message).toContain('"x/y.cpm"');
    const both = { pageSize: PAGE_SIZE, files: [{ name: 'person.pcl', size: 0 }], removed: ['person.pcl'] };
    expect(thrown(() => parseFileList(Buffer.from(JSON.stringify(both)))).message).toContain("'person.pcl'");
  });
});

describe('entry and file names', () => {
  it('are the documented ones', () => {
    expect([FILES_ENTRY, METADATA_ENTRY, PAGES_FOLDER, PAGES_SUFFIX]).toEqual(['files.json', 'database.ocf', 'pages/', '.pages']);
    expect(pagesEntryName('person.pcl')).toBe('pages/person.pcl.pages');
  });

  it('finds the paged file of a page entry only with both the folder and the suffix', () => {
    expect(pagedFileOfEntry('pages/person.cpm.pages')).toBe('person.cpm');
    expect(pagedFileOfEntry('pages/person.pcl')).toBeUndefined();
    expect(pagedFileOfEntry('person.pcl.pages')).toBeUndefined();
    expect(pagedFileOfEntry('other/person.pcl.pages')).toBeUndefined();
    expect(pagedFileOfEntry('database.ocf')).toBeUndefined();
  });

  const accepted = ['a.pcl', 'a.cpm', '_.pcl', '_x9.cpm', 'item_2.pcl', `a${'b'.repeat(63)}.pcl`, `_${'9'.repeat(63)}.cpm`];
  const refused = [
    '',
    '.pcl',
    'a.pc',
    'apcl',
    'acpm',
    'a.xpcl',
    'a.pclx',
    'a.pcl.bak',
    'a.ocf',
    'x/a.pcl',
    '../a.pcl',
    'A.pcl',
    'aB.pcl',
    '1a.pcl',
    'a-b.pcl',
    'a.b.pcl',
    `a${'b'.repeat(64)}.pcl`,
    'a.pcl\n',
  ];
  for (const name of accepted) it(`accepts ${JSON.stringify(name)} as a paged file name`, () => expect(isPagedFileName(name)).toBe(true));
  for (const name of refused) it(`refuses ${JSON.stringify(name)} as a paged file name`, () => expect(isPagedFileName(name)).toBe(false));

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
    const error = thrown(() => splitter.end());
    expect(error.details).toStrictEqual({ entry: 'pages/x.pcl.pages' });
    expect(error.message).toMatch(/^pages\/x\.pcl\.pages: .*\b100\b/);
  });

  it('encodes a record as the big-endian page index followed by the page', () => {
    const page = Buffer.alloc(PAGE_SIZE, 0xab);
    const record = encodePageRecord(0x01020304, page);
    expect(PAGE_RECORD_SIZE).toBe(PAGE_SIZE + 4);
    expect(record.length).toBe(PAGE_SIZE + 4);
    expect([...record.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
    expect(record.subarray(4).equals(page)).toBe(true);
  });

  it('gives each record a copy of its page, not a view of a buffer it reuses', () => {
    const first = Buffer.alloc(PAGE_SIZE, 1);
    const second = Buffer.alloc(PAGE_SIZE, 2);
    const bytes = Buffer.concat([encodePageRecord(0, first), encodePageRecord(1, second)]);
    const splitter = new PageRecordSplitter('pages/x.pcl.pages');
    const records = [...splitter.push(bytes.subarray(0, 10)), ...splitter.push(bytes.subarray(10, PAGE_RECORD_SIZE + 10)), ...splitter.push(bytes.subarray(PAGE_RECORD_SIZE + 10))];
    splitter.end();
    expect(records.map((record) => record.pageIndex)).toEqual([0, 1]);
    expect(records[0]!.page.equals(first)).toBe(true);
    expect(records[1]!.page.equals(second)).toBe(true);
  });

  it('yields nothing for an empty chunk and needs nothing more after whole records', () => {
    const splitter = new PageRecordSplitter('pages/x.pcl.pages');
    expect(splitter.push(Buffer.alloc(0))).toEqual([]);
    expect(splitter.push(encodePageRecord(5, Buffer.alloc(PAGE_SIZE, 9))).map((record) => record.pageIndex)).toEqual([5]);
    expect(() => splitter.end()).not.toThrow();
  });
});
