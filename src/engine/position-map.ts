/**
 * The `.cpm` file of a cluster: page 0 holds the cluster header, the following pages map record
 * positions to the data page and slot holding the record.
 *
 * Cluster header page (type {@link PageType.ClusterHeader}):
 * ```
 * offset size  field
 *     32    4  cluster id
 *     40    8  next position (float64): positions are handed out in order and never reused
 *     48    8  live records (float64)
 *     56    4  head of the free page list of the `.pcl` file, {@link NO_PAGE} when empty
 *     60    4  tail data page: where inserts go, {@link NO_PAGE} before the first insert
 * ```
 * Position map pages (type {@link PageType.PositionMap}) hold {@link ENTRIES_PER_PAGE} entries of
 * 8 bytes at `32 + 8 * k`: a u8 status ({@link EntryStatus}), a pad byte, a u16 slot and a u32
 * data page index. Position `p` lives in page `1 + floor(p / ENTRIES_PER_PAGE)`.
 *
 * @packageDocumentation
 */
import { PAGE_SIZE } from './constants.js';
import { PAGE_HEADER_SIZE, PageType, formatPage } from './page.js';

/** "No page": an empty free list or a cluster without a tail page. */
export const NO_PAGE = 0xffffffff;

const ENTRY_SIZE = 8;

/** Position map entries per `.cpm` page. */
export const ENTRIES_PER_PAGE = (PAGE_SIZE - PAGE_HEADER_SIZE) / ENTRY_SIZE;

/** The state of a position. */
export const EntryStatus = {
  /** Never handed out. */
  Unused: 0,
  /** Holds a record. */
  Live: 1,
  /** Its record was deleted; the position is never reused. */
  Deleted: 2,
} as const;

/** One of the {@link EntryStatus} values. */
export type EntryStatus = (typeof EntryStatus)[keyof typeof EntryStatus];

/** A decoded position map entry. */
export interface PositionEntry {
  readonly status: EntryStatus;
  readonly page: number;
  readonly slot: number;
}

const CLUSTER_ID = 32;
const NEXT_POSITION = 40;
const LIVE_RECORDS = 48;
const FREE_LIST_HEAD = 56;
const TAIL_PAGE = 60;

/** Formats `page` as the header page of a new, empty cluster. */
export function initClusterHeader(page: Buffer, clusterId: number, lsn: number): void {
  page.fill(0);
  formatPage(page, PageType.ClusterHeader, lsn);
  page.writeUInt32LE(clusterId, CLUSTER_ID);
  page.writeUInt32LE(NO_PAGE, FREE_LIST_HEAD);
  page.writeUInt32LE(NO_PAGE, TAIL_PAGE);
}

/** Accessors of the cluster header page's fields. */
export const clusterHeader = {
  clusterId: (page: Buffer): number => page.readUInt32LE(CLUSTER_ID),
  nextPosition: (page: Buffer): number => page.readDoubleLE(NEXT_POSITION),
  setNextPosition: (page: Buffer, value: number): void => void page.writeDoubleLE(value, NEXT_POSITION),
  liveRecords: (page: Buffer): number => page.readDoubleLE(LIVE_RECORDS),
  setLiveRecords: (page: Buffer, value: number): void => void page.writeDoubleLE(value, LIVE_RECORDS),
  freeListHead: (page: Buffer): number => page.readUInt32LE(FREE_LIST_HEAD),
  setFreeListHead: (page: Buffer, value: number): void => void page.writeUInt32LE(value, FREE_LIST_HEAD),
  tailPage: (page: Buffer): number => page.readUInt32LE(TAIL_PAGE),
  setTailPage: (page: Buffer, value: number): void => void page.writeUInt32LE(value, TAIL_PAGE),
};

/** Formats `page` as an empty position map page. */
export function initPositionMapPage(page: Buffer, lsn: number): void {
  page.fill(0);
  formatPage(page, PageType.PositionMap, lsn);
}

/** The `.cpm` page holding `position`. */
export function positionMapPage(position: number): number {
  return 1 + Math.floor(position / ENTRIES_PER_PAGE);
}

function entryOffset(position: number): number {
  return PAGE_HEADER_SIZE + (position % ENTRIES_PER_PAGE) * ENTRY_SIZE;
}

/** Reads the entry of `position` from its position map page. */
export function readEntry(page: Buffer, position: number): PositionEntry {
  const offset = entryOffset(position);
  return {
    status: page[offset] as EntryStatus,
    slot: page.readUInt16LE(offset + 2),
    page: page.readUInt32LE(offset + 4),
  };
}

/** Writes the entry of `position` into its position map page. */
export function writeEntry(page: Buffer, position: number, entry: PositionEntry): void {
  const offset = entryOffset(position);
  page[offset] = entry.status;
  page[offset + 1] = 0;
  page.writeUInt16LE(entry.slot, offset + 2);
  page.writeUInt32LE(entry.page, offset + 4);
}
