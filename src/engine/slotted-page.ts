/**
 * Slotted data pages (`.pcl`, type {@link PageType.Data}).
 *
 * After the common header, the type-specific header fields are:
 * ```
 * offset size  field
 *     18    2  slot count (slots ever used on this page)
 *     20    2  data start: lowest offset used by record bytes (records grow down from the end)
 *     22    2  used bytes: total length of the live records
 *     28    2  live slots
 * ```
 * The slot directory follows the header: slot `i` is 4 bytes at `32 + 4 * i`, a u16 offset and a
 * u16 length; offset 0 marks a free slot, which a later insert on this page may reuse (record ids
 * point at positions, not slots, so slot reuse is invisible outside the cluster).
 *
 * @packageDocumentation
 */
import { PAGE_SIZE } from './constants.js';
import { PAGE_HEADER_SIZE, PageType, formatPage } from './page.js';

const SLOT_COUNT = 18;
const DATA_START = 20;
const USED_BYTES = 22;
const LIVE_SLOTS = 28;
const SLOT_SIZE = 4;

/**
 * What goes into a slot: bytes, or a writer that puts `length` bytes at an offset of the page
 * (so a record can be written straight into its page without an intermediate buffer).
 */
export type SlotContent = Uint8Array | { readonly length: number; writeInto(page: Buffer, offset: number): void };

function put(page: Buffer, content: SlotContent, offset: number): void {
  if (content instanceof Uint8Array) page.set(content, offset);
  else content.writeInto(page, offset);
}

/** The largest record (header included) that fits a page of its own. */
export const MAX_SLOT_BYTES = PAGE_SIZE - PAGE_HEADER_SIZE - SLOT_SIZE;

/** Formats `page` as an empty data page. */
export function initDataPage(page: Buffer, lsn: number): void {
  page.fill(0);
  formatPage(page, PageType.Data, lsn);
  page.writeUInt16LE(PAGE_SIZE, DATA_START);
}

/** Number of slots ever used on the page (free ones included). */
export function slotCount(page: Buffer): number {
  return page.readUInt16LE(SLOT_COUNT);
}

/** Number of slots holding a record. */
export function liveSlots(page: Buffer): number {
  return page.readUInt16LE(LIVE_SLOTS);
}

/** Offset of slot `slot`'s bytes, 0 when the slot is free or out of range. */
export function slotOffset(page: Buffer, slot: number): number {
  if (slot >= slotCount(page)) return 0;
  return page.readUInt16LE(PAGE_HEADER_SIZE + slot * SLOT_SIZE);
}

/** Length of slot `slot`'s bytes. */
export function slotLength(page: Buffer, slot: number): number {
  return page.readUInt16LE(PAGE_HEADER_SIZE + slot * SLOT_SIZE + 2);
}

/** The bytes of a live slot (a view into the page), or `undefined` for a free slot. */
export function slotBytes(page: Buffer, slot: number): Buffer | undefined {
  const offset = slotOffset(page, slot);
  if (offset === 0) return undefined;
  return page.subarray(offset, offset + slotLength(page, slot));
}

/** Bytes the page could still take, counting space that compaction would recover. */
export function freeBytes(page: Buffer): number {
  return PAGE_SIZE - PAGE_HEADER_SIZE - slotCount(page) * SLOT_SIZE - page.readUInt16LE(USED_BYTES);
}

function setSlot(page: Buffer, slot: number, offset: number, length: number): void {
  page.writeUInt16LE(offset, PAGE_HEADER_SIZE + slot * SLOT_SIZE);
  page.writeUInt16LE(length, PAGE_HEADER_SIZE + slot * SLOT_SIZE + 2);
}

function firstFreeSlot(page: Buffer): number {
  const count = slotCount(page);
  if (liveSlots(page) === count) return count;
  for (let slot = 0; slot < count; slot++) if (slotOffset(page, slot) === 0) return slot;
  return count;
}

/** Moves every live record to the end of the page so that the free space is contiguous. */
export function compactPage(page: Buffer): void {
  const count = slotCount(page);
  const live: { slot: number; offset: number; length: number }[] = [];
  for (let slot = 0; slot < count; slot++) {
    const offset = slotOffset(page, slot);
    if (offset !== 0) live.push({ slot, offset, length: slotLength(page, slot) });
  }
  // Highest offsets first: each record only ever moves towards the end, never over an unmoved one.
  live.sort((a, b) => b.offset - a.offset);
  let end = PAGE_SIZE;
  for (const record of live) {
    end -= record.length;
    if (end !== record.offset) page.copy(page, end, record.offset, record.offset + record.length);
    setSlot(page, record.slot, end, record.length);
  }
  page.writeUInt16LE(end, DATA_START);
}

/**
 * Stores `bytes` in a free slot of the page, compacting it if the free space is fragmented.
 * Returns the slot, or -1 when the record does not fit.
 */
export function insertSlot(page: Buffer, bytes: SlotContent): number {
  const slot = firstFreeSlot(page);
  const count = slotCount(page);
  const directoryGrowth = slot === count ? SLOT_SIZE : 0;
  if (bytes.length + directoryGrowth > freeBytes(page)) return -1;
  let dataStart = page.readUInt16LE(DATA_START);
  if (PAGE_HEADER_SIZE + count * SLOT_SIZE + directoryGrowth + bytes.length > dataStart) {
    compactPage(page);
    dataStart = page.readUInt16LE(DATA_START);
  }
  if (slot === count) page.writeUInt16LE(count + 1, SLOT_COUNT);
  dataStart -= bytes.length;
  put(page, bytes, dataStart);
  setSlot(page, slot, dataStart, bytes.length);
  page.writeUInt16LE(dataStart, DATA_START);
  page.writeUInt16LE(page.readUInt16LE(USED_BYTES) + bytes.length, USED_BYTES);
  page.writeUInt16LE(liveSlots(page) + 1, LIVE_SLOTS);
  return slot;
}

/** Frees a live slot. */
export function deleteSlot(page: Buffer, slot: number): void {
  const length = slotLength(page, slot);
  setSlot(page, slot, 0, 0);
  page.writeUInt16LE(page.readUInt16LE(USED_BYTES) - length, USED_BYTES);
  page.writeUInt16LE(liveSlots(page) - 1, LIVE_SLOTS);
  // Trailing free slots leave the directory, giving their 4 bytes back.
  let count = slotCount(page);
  while (count > 0 && slotOffset(page, count - 1) === 0) count--;
  page.writeUInt16LE(count, SLOT_COUNT);
  if (liveSlots(page) === 0) page.writeUInt16LE(PAGE_SIZE, DATA_START);
}

/**
 * Replaces the bytes of a live slot, keeping the slot number: in place when the new bytes are not
 * longer, else elsewhere on the same page (compacting if needed). Returns false, leaving the page
 * unchanged, when the new bytes do not fit on this page.
 */
export function replaceSlot(page: Buffer, slot: number, bytes: SlotContent): boolean {
  const offset = slotOffset(page, slot);
  const length = slotLength(page, slot);
  const used = page.readUInt16LE(USED_BYTES);
  if (bytes.length <= length) {
    put(page, bytes, offset);
    setSlot(page, slot, offset, bytes.length);
    page.writeUInt16LE(used - length + bytes.length, USED_BYTES);
    return true;
  }
  if (bytes.length - length > freeBytes(page)) return false;
  setSlot(page, slot, 0, 0);
  page.writeUInt16LE(used - length, USED_BYTES);
  let dataStart = page.readUInt16LE(DATA_START);
  if (PAGE_HEADER_SIZE + slotCount(page) * SLOT_SIZE + bytes.length > dataStart) {
    compactPage(page);
    dataStart = page.readUInt16LE(DATA_START);
  }
  dataStart -= bytes.length;
  put(page, bytes, dataStart);
  setSlot(page, slot, dataStart, bytes.length);
  page.writeUInt16LE(dataStart, DATA_START);
  page.writeUInt16LE(used - length + bytes.length, USED_BYTES);
  return true;
}
