import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../src/engine/constants.js';
import { PageType, formatPage, sealPage } from '../../src/engine/page.js';
import { WAL_HEADER_SIZE, encodeGroup, encodeWalHeader, parseWal } from '../../src/engine/wal-format.js';
import { expectCode } from './_helpers.js';

function page(lsn: number, fill: number): Buffer {
  const buffer = Buffer.alloc(PAGE_SIZE, fill);
  formatPage(buffer, PageType.Data, lsn);
  sealPage(buffer);
  return buffer;
}

const name = Buffer.from('person.pcl');

function log(...groups: Buffer[]): Buffer {
  return Buffer.concat([encodeWalHeader(10), ...groups]);
}

describe('write-ahead log format', () => {
  it('round-trips groups of page images', () => {
    const g1 = encodeGroup([{ fileName: name, index: 3, page: page(11, 1) }], 11);
    const g2 = encodeGroup(
      [
        { fileName: name, index: 3, page: page(12, 2) },
        { fileName: Buffer.from('person.cpm'), index: 0, page: page(12, 3) },
      ],
      12,
    );
    const parsed = parseWal(log(g1, g2));
    expect(parsed.checkpointLsn).toBe(10);
    expect(parsed.tornTail).toBe(false);
    expect(parsed.groups.map((group) => group.lsn)).toEqual([11, 12]);
    expect(parsed.groups[1]!.images.map((image) => [image.file, image.index])).toEqual([
      ['person.pcl', 3],
      ['person.cpm', 0],
    ]);
    expect(parsed.groups[1]!.images[0]!.page).toEqual(page(12, 2));
  });

  it('reads an empty log', () => {
    const parsed = parseWal(encodeWalHeader(5));
    expect(parsed).toEqual({ checkpointLsn: 5, groups: [], committedBytes: WAL_HEADER_SIZE, tornTail: false });
  });

  it('ignores a torn tail at every cut point', () => {
    const g1 = encodeGroup([{ fileName: name, index: 0, page: page(11, 1) }], 11);
    const g2 = encodeGroup([{ fileName: name, index: 1, page: page(12, 2) }], 12);
    const full = log(g1, g2);
    const end1 = WAL_HEADER_SIZE + g1.length;
    for (const cut of [end1 + 1, end1 + 7, end1 + 100, full.length - 17, full.length - 1]) {
      const parsed = parseWal(full.subarray(0, cut));
      expect(parsed.groups.map((group) => group.lsn)).toEqual([11]);
      expect(parsed.tornTail).toBe(true);
      expect(parsed.committedBytes).toBe(end1);
    }
  });

  it('ignores images without a commit, and garbage after the last commit', () => {
    const g1 = encodeGroup([{ fileName: name, index: 0, page: page(11, 1) }], 11);
    const uncommitted = encodeGroup([{ fileName: name, index: 1, page: page(12, 2) }], 12).subarray(0, 8 + 8 + name.length + PAGE_SIZE);
    expect(parseWal(log(g1, uncommitted)).groups).toHaveLength(1);
    expect(parseWal(log(g1, Buffer.alloc(64, 0xee))).groups).toHaveLength(1);
  });

  it('treats damage in the last group as a torn tail', () => {
    const g1 = encodeGroup([{ fileName: name, index: 0, page: page(11, 1) }], 11);
    const g2 = encodeGroup([{ fileName: name, index: 1, page: page(12, 2) }], 12);
    const bytes = log(g1, g2);
    bytes[WAL_HEADER_SIZE + g1.length + 500]! ^= 0xff;
    expect(parseWal(bytes).groups.map((group) => group.lsn)).toEqual([11]);
  });

  it('refuses damage before a later complete group', async () => {
    const groups = [11, 12, 13].map((lsn) => encodeGroup([{ fileName: name, index: lsn, page: page(lsn, lsn) }], lsn));
    const bytes = log(...groups);
    bytes[WAL_HEADER_SIZE + 300]! ^= 0xff;
    const error = await expectCode(() => parseWal(bytes), 'ERR_CORRUPT_WAL');
    expect(error.details).toMatchObject({ offset: WAL_HEADER_SIZE });
  });

  it('refuses a damaged header', async () => {
    const bytes = encodeWalHeader(1);
    bytes[9]! ^= 1;
    await expectCode(() => parseWal(bytes), 'ERR_CORRUPT_WAL');
    await expectCode(() => parseWal(Buffer.alloc(0)), 'ERR_CORRUPT_WAL');
    await expectCode(() => parseWal(Buffer.from('not a log at all, certainly not one')), 'ERR_CORRUPT_WAL');
  });
});
