import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../src/engine/constants.js';
import {
  PAGE_HEADER_SIZE,
  PageType,
  formatPage,
  isEmptyPage,
  pageLsn,
  sealPage,
  verifyPage,
} from '../../src/engine/page.js';
import {
  ENTRIES_PER_PAGE,
  EntryStatus,
  initPositionMapPage,
  positionMapPage,
  readEntry,
  writeEntry,
} from '../../src/engine/position-map.js';
import {
  MAX_SLOT_BYTES,
  compactPage,
  deleteSlot,
  freeBytes,
  initDataPage,
  insertSlot,
  liveSlots,
  replaceSlot,
  slotBytes,
  slotCount,
} from '../../src/engine/slotted-page.js';
import { expectCode } from './_helpers.js';

function bytes(length: number, fill: number): Buffer {
  return Buffer.alloc(length, fill);
}

describe('page header and checksum', () => {
  it('accepts a sealed page and an all-zero page', () => {
    const page = Buffer.alloc(PAGE_SIZE);
    expect(isEmptyPage(page)).toBe(true);
    verifyPage(page, 'x.pcl', 0);
    formatPage(page, PageType.Data, 42);
    sealPage(page);
    verifyPage(page, 'x.pcl', 0);
    expect(pageLsn(page)).toBe(42);
    expect(isEmptyPage(page)).toBe(false);
  });

  it('detects any flipped byte and names file and page', async () => {
    const page = Buffer.alloc(PAGE_SIZE);
    formatPage(page, PageType.Data, 7);
    page.fill(0x5a, PAGE_HEADER_SIZE);
    sealPage(page);
    for (const offset of [0, 3, 8, 16, PAGE_HEADER_SIZE, 4000, PAGE_SIZE - 1]) {
      const damaged = Buffer.from(page);
      damaged[offset]! ^= 0x01;
      const error = await expectCode(() => verifyPage(damaged, 'person.pcl', 12), 'ERR_CORRUPT_PAGE');
      expect(error.details).toEqual({ file: 'person.pcl', page: 12 });
      expect(error.message).toContain('person.pcl');
      expect(error.message).toContain('12');
    }
  });

  it('refuses a page with garbage instead of zeros', async () => {
    const page = Buffer.alloc(PAGE_SIZE);
    page[100] = 1;
    await expectCode(() => verifyPage(page, 'a.cpm', 3), 'ERR_CORRUPT_PAGE');
  });
});

describe('slotted data pages', () => {
  it('stores, reads, frees and reuses slots', () => {
    const page = Buffer.alloc(PAGE_SIZE);
    initDataPage(page, 1);
    const a = insertSlot(page, bytes(100, 1));
    const b = insertSlot(page, bytes(200, 2));
    expect([a, b]).toEqual([0, 1]);
    expect(slotBytes(page, b)).toEqual(bytes(200, 2));
    deleteSlot(page, a);
    expect(slotBytes(page, a)).toBeUndefined();
    expect(liveSlots(page)).toBe(1);
    expect(insertSlot(page, bytes(50, 3))).toBe(0);
    expect(slotBytes(page, 0)).toEqual(bytes(50, 3));
  });

  it('fills a page exactly and refuses one byte more', () => {
    const page = Buffer.alloc(PAGE_SIZE);
    initDataPage(page, 1);
    expect(insertSlot(page, bytes(MAX_SLOT_BYTES + 1, 9))).toBe(-1);
    expect(insertSlot(page, bytes(MAX_SLOT_BYTES, 9))).toBe(0);
    expect(freeBytes(page)).toBe(0);
    expect(insertSlot(page, bytes(1, 1))).toBe(-1);
  });

  it('compacts fragmented space to fit a record', () => {
    const page = Buffer.alloc(PAGE_SIZE);
    initDataPage(page, 1);
    const slots = [0, 1, 2, 3].map((i) => insertSlot(page, bytes(1900, 10 + i)));
    expect(slots).toEqual([0, 1, 2, 3]);
    deleteSlot(page, 0);
    deleteSlot(page, 2);
    // 3800 bytes free but split in two holes of 1900: a 3000-byte record needs compaction.
    const slot = insertSlot(page, bytes(3000, 99));
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(slotBytes(page, 1)).toEqual(bytes(1900, 11));
    expect(slotBytes(page, 3)).toEqual(bytes(1900, 13));
    expect(slotBytes(page, slot)).toEqual(bytes(3000, 99));
  });

  it('replaces in place, within the page, or reports that it cannot', () => {
    const page = Buffer.alloc(PAGE_SIZE);
    initDataPage(page, 1);
    insertSlot(page, bytes(1000, 1));
    insertSlot(page, bytes(1000, 2));
    expect(replaceSlot(page, 0, bytes(500, 3))).toBe(true);
    expect(slotBytes(page, 0)).toEqual(bytes(500, 3));
    expect(replaceSlot(page, 0, bytes(6000, 4))).toBe(true);
    expect(slotBytes(page, 0)).toEqual(bytes(6000, 4));
    expect(slotBytes(page, 1)).toEqual(bytes(1000, 2));
    const before = Buffer.from(page);
    expect(replaceSlot(page, 1, bytes(3000, 5))).toBe(false);
    expect(page).toEqual(before);
  });

  it('keeps records intact through compaction', () => {
    const page = Buffer.alloc(PAGE_SIZE);
    initDataPage(page, 1);
    for (let i = 0; i < 20; i++) insertSlot(page, bytes(150 + i, i));
    for (let i = 0; i < 20; i += 3) deleteSlot(page, i);
    compactPage(page);
    for (let i = 0; i < 20; i++) expect(slotBytes(page, i)).toEqual(i % 3 === 0 ? undefined : bytes(150 + i, i));
    expect(slotCount(page)).toBe(20);
  });
});

describe('position map pages', () => {
  it('maps positions to pages and entries', () => {
    expect(positionMapPage(0)).toBe(1);
    expect(positionMapPage(ENTRIES_PER_PAGE - 1)).toBe(1);
    expect(positionMapPage(ENTRIES_PER_PAGE)).toBe(2);
    const page = Buffer.alloc(PAGE_SIZE);
    initPositionMapPage(page, 1);
    writeEntry(page, ENTRIES_PER_PAGE + 5, { status: EntryStatus.Live, page: 123456, slot: 77 });
    expect(readEntry(page, ENTRIES_PER_PAGE + 5)).toEqual({ status: EntryStatus.Live, page: 123456, slot: 77 });
    expect(readEntry(page, ENTRIES_PER_PAGE + 6).status).toBe(EntryStatus.Unused);
  });
});
