/**
 * Records of one cluster: inserting, reading, updating, deleting and scanning, over the pages of
 * its `.pcl` (records) and `.cpm` (header and position map) files.
 *
 * Space management, kept simple on purpose:
 * - inserts, and records that must move, go to the cluster's tail data page; when it is full a
 *   page is taken from the free list, else the file grows by one page;
 * - an update stays in its slot when the new bytes are not longer, else it moves within its page
 *   when the page has room (compacting it), else it moves to the tail page; its position, and so
 *   its record id, never change;
 * - a data page left without records (other than the tail page) and every overflow page of a
 *   deleted or rewritten large record go to the free list, which later allocations use first;
 * - space freed inside a page that keeps other records is only reused by that page's own
 *   updates and, when it is the tail page, by inserts.
 *
 * @packageDocumentation
 */
import { fail, type BackupConformanceError } from '../errors.js';
import { PageType, pageType } from './page.js';
import type { PageReader, PageTx } from './page-store.js';
import {
  ENTRIES_PER_PAGE,
  EntryStatus,
  NO_PAGE,
  clusterHeader,
  initClusterHeader,
  initPositionMapPage,
  positionMapPage,
  readEntry,
  writeEntry,
} from './position-map.js';
import {
  MAX_INLINE_JSON,
  OVERFLOW_CHUNK,
  RECORD_HEADER_SIZE,
  RecordKind,
  chainedSlot,
  initFreePage,
  initOverflowPage,
  inlineSlot,
  nextPageOf,
  readChain,
  readOverflowPage,
  readSlotRecord,
} from './record-format.js';
import {
  type SlotContent,
  deleteSlot,
  freeBytes,
  initDataPage,
  insertSlot,
  liveSlots,
  replaceSlot,
  slotBytes,
} from './slotted-page.js';
import type { EncodedDocument } from './documents.js';

/** The files of a cluster, by data file id. */
export interface ClusterFiles {
  readonly clusterId: number;
  /** Name of the `.pcl` file, for error messages. */
  readonly dataName: string;
  /** File id of the `.pcl` file. */
  readonly data: number;
  /** File id of the `.cpm` file. */
  readonly map: number;
}

/** The data file id of cluster `clusterId` (the position map's is the next one). */
export function dataFileId(clusterId: number): number {
  return clusterId * 2;
}

/** The position map file id of cluster `clusterId`. */
export function mapFileId(clusterId: number): number {
  return clusterId * 2 + 1;
}

/** A record as stored: its position, version and JSON text. */
export interface StoredRecord {
  readonly position: number;
  readonly version: number;
  readonly json: string;
}

/** Where a live record sits. */
interface Located {
  readonly page: number;
  readonly slot: number;
  readonly kind: number;
  readonly version: number;
  readonly chain: { length: number; firstPage: number } | null;
}

function corrupt(files: ClusterFiles, what: string, page: number): BackupConformanceError {
  return fail('ERR_CORRUPT_DATABASE', `Cluster ${files.clusterId} is damaged: ${what} (page ${page} of '${files.dataName}')`, {
    details: { file: files.dataName, page },
  });
}

/** Number of live records. */
export async function countRecords(reader: PageReader, files: ClusterFiles): Promise<number> {
  if (reader.pageCount(files.map) === 0) return 0;
  return clusterHeader.liveRecords(await reader.page(files.map, 0));
}

async function locate(reader: PageReader, files: ClusterFiles, position: number): Promise<Located | undefined> {
  if (reader.pageCount(files.map) === 0) return undefined;
  const header = await reader.page(files.map, 0);
  if (position >= clusterHeader.nextPosition(header)) return undefined;
  const entry = readEntry(await reader.page(files.map, positionMapPage(position)), position);
  if (entry.status !== EntryStatus.Live) return undefined;
  const page = await reader.page(files.data, entry.page);
  if (pageType(page) !== PageType.Data) throw corrupt(files, `record ${position} points to a page that holds no records`, entry.page);
  const slot = slotBytes(page, entry.slot);
  if (slot === undefined) throw corrupt(files, `record ${position} points to an empty slot`, entry.page);
  const record = readSlotRecord(slot);
  if (record.position !== position) throw corrupt(files, `slot ${entry.slot} holds record ${record.position}, not ${position}`, entry.page);
  return {
    page: entry.page,
    slot: entry.slot,
    kind: record.kind,
    version: record.version,
    chain: record.kind === RecordKind.Chained ? readChain(slot) : null,
  };
}

/** Reads the record at `position`, or `undefined` when there is none (never created, or deleted). */
export async function readRecord(reader: PageReader, files: ClusterFiles, position: number): Promise<StoredRecord | undefined> {
  const where = await locate(reader, files, position);
  if (where === undefined) return undefined;
  if (where.chain !== null) {
    return { position, version: where.version, json: await readChainText(reader, files, where.chain.firstPage, where.chain.length) };
  }
  const slot = slotBytes(await reader.page(files.data, where.page), where.slot)!;
  return { position, version: where.version, json: slot.toString('utf8', RECORD_HEADER_SIZE) };
}

async function readChainText(reader: PageReader, files: ClusterFiles, firstPage: number, length: number): Promise<string> {
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  let index = firstPage;
  while (done < length) {
    if (index === NO_PAGE) throw corrupt(files, 'a large record ends early', index);
    const page = await reader.page(files.data, index);
    if (pageType(page) !== PageType.Overflow) throw corrupt(files, 'a large record continues on a page that is not part of it', index);
    const { chunk, next } = readOverflowPage(page);
    if (chunk.length === 0 || chunk.length > length - done) throw corrupt(files, 'a large record has a wrong chunk length', index);
    chunk.copy(out, done);
    done += chunk.length;
    index = next;
  }
  return out.toString('utf8');
}

async function clusterHeaderForWrite(tx: PageTx, files: ClusterFiles): Promise<Buffer> {
  if (tx.pageCount(files.map) > 0) return tx.write(files.map, 0);
  const { index, buffer } = tx.allocate(files.map);
  if (index !== 0) throw corrupt(files, 'the position map lost its header page', 0);
  initClusterHeader(buffer, files.clusterId, tx.lsn);
  return buffer;
}

async function allocateDataPage(tx: PageTx, files: ClusterFiles, header: Buffer): Promise<{ index: number; buffer: Buffer }> {
  const free = clusterHeader.freeListHead(header);
  if (free === NO_PAGE) return tx.allocate(files.data);
  const buffer = await tx.write(files.data, free);
  if (pageType(buffer) !== PageType.Free) throw corrupt(files, 'the free page list points to a page in use', free);
  clusterHeader.setFreeListHead(header, nextPageOf(buffer));
  return { index: free, buffer };
}

function releaseDataPage(tx: PageTx, header: Buffer, index: number, page: Buffer): void {
  initFreePage(page, tx.lsn, clusterHeader.freeListHead(header));
  clusterHeader.setFreeListHead(header, index);
}

/** Stores slot bytes on the tail page, or on a new tail page. */
async function placeSlot(tx: PageTx, files: ClusterFiles, header: Buffer, bytes: SlotContent): Promise<{ page: number; slot: number }> {
  const tail = clusterHeader.tailPage(header);
  if (tail !== NO_PAGE && freeBytes(await tx.page(files.data, tail)) >= bytes.length + 4) {
    const slot = insertSlot(await tx.write(files.data, tail), bytes);
    if (slot >= 0) return { page: tail, slot };
  }
  const { index, buffer } = await allocateDataPage(tx, files, header);
  initDataPage(buffer, tx.lsn);
  clusterHeader.setTailPage(header, index);
  return { page: index, slot: insertSlot(buffer, bytes) };
}

/** Builds the slot bytes for a record, writing an overflow chain first when it is too large to sit inline. */
async function slotFor(
  tx: PageTx,
  files: ClusterFiles,
  header: Buffer,
  version: number,
  position: number,
  document: EncodedDocument,
): Promise<SlotContent> {
  if (document.bytes <= MAX_INLINE_JSON) return inlineSlot(version, position, document);
  const json = Buffer.from(document.text, 'utf8');
  const count = Math.ceil(json.length / OVERFLOW_CHUNK);
  const pages: { index: number; buffer: Buffer }[] = [];
  for (let i = 0; i < count; i++) pages.push(await allocateDataPage(tx, files, header));
  pages.forEach((page, i) => {
    const next = pages[i + 1]?.index ?? NO_PAGE;
    initOverflowPage(page.buffer, tx.lsn, json.subarray(i * OVERFLOW_CHUNK, (i + 1) * OVERFLOW_CHUNK), next);
  });
  return chainedSlot(version, position, json.length, pages[0]!.index);
}

async function freeChain(tx: PageTx, files: ClusterFiles, header: Buffer, chain: { length: number; firstPage: number }): Promise<void> {
  let index = chain.firstPage;
  for (let left = Math.ceil(chain.length / OVERFLOW_CHUNK); left > 0 && index !== NO_PAGE; left--) {
    const page = await tx.write(files.data, index);
    if (pageType(page) !== PageType.Overflow) throw corrupt(files, 'a large record continues on a page that is not part of it', index);
    const next = nextPageOf(page);
    releaseDataPage(tx, header, index, page);
    index = next;
  }
}

/** Inserts a record; returns its position (version 1). */
export async function insertRecord(tx: PageTx, files: ClusterFiles, json: EncodedDocument): Promise<number> {
  const header = await clusterHeaderForWrite(tx, files);
  const position = clusterHeader.nextPosition(header);
  const mapIndex = positionMapPage(position);
  let mapPage: Buffer;
  if (mapIndex < tx.pageCount(files.map)) {
    mapPage = await tx.write(files.map, mapIndex);
  } else {
    const allocated = tx.allocate(files.map);
    if (allocated.index !== mapIndex) throw corrupt(files, 'the position map has a gap', allocated.index);
    initPositionMapPage(allocated.buffer, tx.lsn);
    mapPage = allocated.buffer;
  }
  const bytes = await slotFor(tx, files, header, 1, position, json);
  const { page, slot } = await placeSlot(tx, files, header, bytes);
  writeEntry(mapPage, position, { status: EntryStatus.Live, page, slot });
  clusterHeader.setNextPosition(header, position + 1);
  clusterHeader.setLiveRecords(header, clusterHeader.liveRecords(header) + 1);
  return position;
}

function checkVersion(files: ClusterFiles, position: number, actual: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== actual) {
    throw fail(
      'ERR_CONCURRENT_MODIFICATION',
      `Record #${files.clusterId}:${position} has version ${actual}, not the expected ${expected}`,
      { details: { rid: `#${files.clusterId}:${position}`, expectedVersion: expected, actualVersion: actual } },
    );
  }
}

function notFound(files: ClusterFiles, position: number): BackupConformanceError {
  return fail('ERR_RECORD_NOT_FOUND', `Record #${files.clusterId}:${position} does not exist`, {
    details: { rid: `#${files.clusterId}:${position}` },
  });
}

/** Replaces a record's content; returns its new version. */
export async function updateRecord(
  tx: PageTx,
  files: ClusterFiles,
  position: number,
  json: EncodedDocument,
  expectedVersion: number | undefined,
): Promise<number> {
  const where = await locate(tx, files, position);
  if (where === undefined) throw notFound(files, position);
  checkVersion(files, position, where.version, expectedVersion);
  const version = where.version + 1;
  const header = await tx.write(files.map, 0);
  const bytes = await slotFor(tx, files, header, version, position, json);
  const page = await tx.write(files.data, where.page);
  if (!replaceSlot(page, where.slot, bytes)) {
    deleteSlot(page, where.slot);
    const moved = await placeSlot(tx, files, header, bytes);
    writeEntry(await tx.write(files.map, positionMapPage(position)), position, { status: EntryStatus.Live, ...moved });
    if (liveSlots(page) === 0 && clusterHeader.tailPage(header) !== where.page) releaseDataPage(tx, header, where.page, page);
  }
  if (where.chain !== null) await freeChain(tx, files, header, where.chain);
  return version;
}

/** Deletes a record; its position is never reused. */
export async function deleteRecord(tx: PageTx, files: ClusterFiles, position: number, expectedVersion: number | undefined): Promise<void> {
  const where = await locate(tx, files, position);
  if (where === undefined) throw notFound(files, position);
  checkVersion(files, position, where.version, expectedVersion);
  const header = await tx.write(files.map, 0);
  const page = await tx.write(files.data, where.page);
  deleteSlot(page, where.slot);
  writeEntry(await tx.write(files.map, positionMapPage(position)), position, { status: EntryStatus.Deleted, page: 0, slot: 0 });
  clusterHeader.setLiveRecords(header, clusterHeader.liveRecords(header) - 1);
  if (liveSlots(page) === 0 && clusterHeader.tailPage(header) !== where.page) releaseDataPage(tx, header, where.page, page);
  if (where.chain !== null) await freeChain(tx, files, header, where.chain);
}

/** Data pages a scan reads in one call at most; runs of wanted pages separated by fewer than {@link SCAN_GAP_PAGES} pages are read together. */
const SCAN_RUN_PAGES = 256;
const SCAN_GAP_PAGES = 8;

/**
 * The live records at positions `start` .. the end of `start`'s position map page, in position
 * order. Returns them and the position to continue from (or `undefined` at the end). Every
 * position is visited once, so a scan sees each record at most once even while records move; the
 * data pages a chunk needs are read in a few large reads.
 */
export async function scanChunk(
  reader: PageReader,
  files: ClusterFiles,
  start: number,
): Promise<{ records: StoredRecord[]; next: number | undefined }> {
  if (reader.pageCount(files.map) === 0) return { records: [], next: undefined };
  const end = clusterHeader.nextPosition(await reader.page(files.map, 0));
  if (start >= end) return { records: [], next: undefined };
  const mapIndex = positionMapPage(start);
  const last = Math.min(mapIndex * ENTRIES_PER_PAGE, end);
  const mapPage = await reader.page(files.map, mapIndex);
  const entries: { position: number; page: number; slot: number }[] = [];
  for (let position = start; position < last; position++) {
    const entry = readEntry(mapPage, position);
    if (entry.status === EntryStatus.Live) entries.push({ position, page: entry.page, slot: entry.slot });
  }
  const pages = await readDataPages(reader, files, entries.map((entry) => entry.page));
  const records: StoredRecord[] = [];
  for (const { position, page: pageIndex, slot: slotIndex } of entries) {
    const page = pages.get(pageIndex)!;
    if (pageType(page) !== PageType.Data) throw corrupt(files, `record ${position} points to a page that holds no records`, pageIndex);
    const slot = slotBytes(page, slotIndex);
    if (slot === undefined) throw corrupt(files, `record ${position} points to an empty slot`, pageIndex);
    const record = readSlotRecord(slot);
    if (record.position !== position) throw corrupt(files, `slot ${slotIndex} holds record ${record.position}, not ${position}`, pageIndex);
    if (record.kind === RecordKind.Chained) {
      const chain = readChain(slot);
      records.push({ position, version: record.version, json: await readChainText(reader, files, chain.firstPage, chain.length) });
    } else {
      records.push({ position, version: record.version, json: slot.toString('utf8', RECORD_HEADER_SIZE) });
    }
  }
  return { records, next: last < end ? last : undefined };
}

/** Reads the given data pages, coalescing near neighbours into one read. */
async function readDataPages(reader: PageReader, files: ClusterFiles, wanted: number[]): Promise<Map<number, Buffer>> {
  const sorted = [...new Set(wanted)].sort((a, b) => a - b);
  const pages = new Map<number, Buffer>();
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i]!;
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! - sorted[j]! <= SCAN_GAP_PAGES && sorted[j + 1]! - first < SCAN_RUN_PAGES) j++;
    const run = await reader.pages(files.data, first, sorted[j]! - first + 1);
    for (let k = i; k <= j; k++) {
      const page = run[sorted[k]! - first];
      if (page === undefined) throw corrupt(files, 'a record points past the end of the file', sorted[k]!);
      pages.set(sorted[k]!, page);
    }
    i = j + 1;
  }
  return pages;
}

/** The position the next insert into the cluster gets (positions are never reused). */
export async function nextPositionOf(reader: PageReader, files: ClusterFiles): Promise<number> {
  if (reader.pageCount(files.map) === 0) return 0;
  return clusterHeader.nextPosition(await reader.page(files.map, 0));
}

/**
 * Moves the cluster's next position up to `nextPosition`: the positions skipped are marked deleted
 * (as if their records had been inserted and deleted), so they are never handed out. For an
 * import that reproduces record ids; a `nextPosition` below the current one is
 * `ERR_INVALID_ARGUMENT`.
 */
export async function reservePositions(tx: PageTx, files: ClusterFiles, nextPosition: number): Promise<Buffer> {
  const header = await clusterHeaderForWrite(tx, files);
  const current = clusterHeader.nextPosition(header);
  if (!Number.isSafeInteger(nextPosition) || nextPosition < current) {
    throw fail('ERR_INVALID_ARGUMENT', `Cluster ${files.clusterId} is at position ${current}; it cannot move to ${String(nextPosition)}`);
  }
  let mapPage: Buffer | undefined;
  let mapIndex = -1;
  for (let position = current; position < nextPosition; position++) {
    if (positionMapPage(position) !== mapIndex) {
      mapIndex = positionMapPage(position);
      mapPage = await positionMapPageForWrite(tx, files, mapIndex);
    }
    writeEntry(mapPage!, position, { status: EntryStatus.Deleted, page: 0, slot: 0 });
  }
  clusterHeader.setNextPosition(header, nextPosition);
  return header;
}

async function positionMapPageForWrite(tx: PageTx, files: ClusterFiles, mapIndex: number): Promise<Buffer> {
  if (mapIndex < tx.pageCount(files.map)) return tx.write(files.map, mapIndex);
  const allocated = tx.allocate(files.map);
  if (allocated.index !== mapIndex) throw corrupt(files, 'the position map has a gap', allocated.index);
  initPositionMapPage(allocated.buffer, tx.lsn);
  return allocated.buffer;
}

/**
 * Stores a record at `position` with `version`, for an import that reproduces record ids and
 * versions: `position` must not be below the cluster's next position; the positions skipped are
 * marked deleted. Afterwards the next position is `position + 1`.
 */
export async function importRecord(tx: PageTx, files: ClusterFiles, position: number, version: number, json: EncodedDocument): Promise<void> {
  if (!Number.isSafeInteger(version) || version < 1 || version > 0xffffffff) {
    throw fail('ERR_INVALID_ARGUMENT', `A record version must be an integer from 1 to 4294967295, got ${String(version)}`);
  }
  const header = await reservePositions(tx, files, position);
  const mapPage = await positionMapPageForWrite(tx, files, positionMapPage(position));
  const bytes = await slotFor(tx, files, header, version, position, json);
  const { page, slot } = await placeSlot(tx, files, header, bytes);
  writeEntry(mapPage, position, { status: EntryStatus.Live, page, slot });
  clusterHeader.setNextPosition(header, position + 1);
  clusterHeader.setLiveRecords(header, clusterHeader.liveRecords(header) + 1);
}
