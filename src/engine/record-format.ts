/**
 * How a record sits in its slot, and the overflow pages of records larger than a page.
 *
 * Slot bytes:
 * ```
 * offset size  field
 *      0    1  kind: 1 = inline (the JSON follows), 2 = chained (the JSON is in overflow pages)
 *      4    4  record version
 *      8    8  position (float64): lets a scan over pages name each record without the map
 *     16    -  inline: the JSON text (UTF-8)
 *     16    4  chained: total JSON length
 *     20    4  chained: first overflow page
 * ```
 * Overflow pages (type {@link PageType.Overflow}) hold a u32 next page at 24 (or {@link NO_PAGE}),
 * a u32 chunk length at 28, and the chunk from 32. Free pages (type {@link PageType.Free}) hold
 * the next free page at 24.
 *
 * @packageDocumentation
 */
import { PAGE_SIZE } from './constants.js';
import { PAGE_HEADER_SIZE, PageType, formatPage } from './page.js';
import type { EncodedDocument } from './documents.js';
import { MAX_SLOT_BYTES, type SlotContent } from './slotted-page.js';

/** Size of the slot header before an inline record's JSON. */
export const RECORD_HEADER_SIZE = 16;

/** Slot length of a chained record. */
export const CHAINED_SLOT_SIZE = 24;

/** The largest JSON text stored inline in a data page. */
export const MAX_INLINE_JSON = MAX_SLOT_BYTES - RECORD_HEADER_SIZE;

/** Bytes of JSON an overflow page carries. */
export const OVERFLOW_CHUNK = PAGE_SIZE - PAGE_HEADER_SIZE;

/** Record kinds. */
export const RecordKind = { Inline: 1, Chained: 2 } as const;

const NEXT = 24;
const CHUNK_LENGTH = 28;

/** The slot content of an inline record, written straight into its page. */
export function inlineSlot(version: number, position: number, json: EncodedDocument): SlotContent {
  return {
    length: RECORD_HEADER_SIZE + json.bytes,
    writeInto(page: Buffer, offset: number): void {
      writeRecordHeader(page, RecordKind.Inline, version, position, offset);
      page.write(json.text, offset + RECORD_HEADER_SIZE, json.bytes, 'utf8');
    },
  };
}

/** Builds the slot bytes of a chained record. */
export function chainedSlot(version: number, position: number, length: number, firstPage: number): Buffer {
  const bytes = Buffer.alloc(CHAINED_SLOT_SIZE);
  writeRecordHeader(bytes, RecordKind.Chained, version, position);
  bytes.writeUInt32LE(length, 16);
  bytes.writeUInt32LE(firstPage, 20);
  return bytes;
}

function writeRecordHeader(bytes: Buffer, kind: number, version: number, position: number, offset = 0): void {
  bytes.writeUInt32LE(kind, offset);
  bytes.writeUInt32LE(version, offset + 4);
  bytes.writeDoubleLE(position, offset + 8);
}

/** The decoded header of a slot. */
export interface SlotRecord {
  readonly kind: number;
  readonly version: number;
  readonly position: number;
}

/** Reads a slot's record header. */
export function readSlotRecord(slot: Buffer): SlotRecord {
  return { kind: slot[0] as number, version: slot.readUInt32LE(4), position: slot.readDoubleLE(8) };
}

/** For a chained slot: the JSON length and the first overflow page. */
export function readChain(slot: Buffer): { length: number; firstPage: number } {
  return { length: slot.readUInt32LE(16), firstPage: slot.readUInt32LE(20) };
}

/** Formats an overflow page holding `chunk`, linked to `next`. */
export function initOverflowPage(page: Buffer, lsn: number, chunk: Buffer, next: number): void {
  page.fill(0);
  formatPage(page, PageType.Overflow, lsn);
  page.writeUInt32LE(next, NEXT);
  page.writeUInt32LE(chunk.length, CHUNK_LENGTH);
  chunk.copy(page, PAGE_HEADER_SIZE);
}

/** The chunk an overflow page holds and the next page of its chain. */
export function readOverflowPage(page: Buffer): { chunk: Buffer; next: number } {
  const length = Math.min(page.readUInt32LE(CHUNK_LENGTH), OVERFLOW_CHUNK);
  return { chunk: page.subarray(PAGE_HEADER_SIZE, PAGE_HEADER_SIZE + length), next: page.readUInt32LE(NEXT) };
}

/** Formats a page as a member of the free list, linked to `next`. */
export function initFreePage(page: Buffer, lsn: number, next: number): void {
  page.fill(0);
  formatPage(page, PageType.Free, lsn);
  page.writeUInt32LE(next, NEXT);
}

/** The next page of an overflow chain or of the free list. */
export function nextPageOf(page: Buffer): number {
  return page.readUInt32LE(NEXT);
}
