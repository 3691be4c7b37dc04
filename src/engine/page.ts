/**
 * The common page header and its checksum.
 *
 * Every page starts with a 32-byte header:
 * ```
 * offset size  field
 *      0    4  magic "OPG1" (0x4F504731, big-endian)
 *      4    4  CRC-32 of bytes 0..3 followed by bytes 8..PAGE_SIZE-1 (little-endian)
 *      8    8  LSN of the page's last change (float64, little-endian; LSNs stay below 2^53)
 *     16    1  page type ({@link PageType})
 *     17   15  type-specific fields (see the page modules)
 * ```
 * A page of all zero bytes (allocated by a file extension, never written) is valid and empty.
 *
 * @packageDocumentation
 */
import { crc32 } from 'node:zlib';
import { fail } from '../errors.js';
import { PAGE_SIZE } from './constants.js';

/** "OPG1": marks a written page. */
export const PAGE_MAGIC = 0x4f504731;

/** Size of the common page header; type-specific content starts here. */
export const PAGE_HEADER_SIZE = 32;

/** Offset of the LSN field. */
const LSN_OFFSET = 8;
/** Offset of the page type. */
const TYPE_OFFSET = 16;

/** The kinds of pages. */
export const PageType = {
  /** Never written (all zeros). */
  Empty: 0,
  /** Page 0 of a `.cpm` file: the cluster's counters and free list. */
  ClusterHeader: 1,
  /** A page of position map entries (`.cpm`). */
  PositionMap: 2,
  /** A slotted page of records (`.pcl`). */
  Data: 3,
  /** A page holding a chunk of a record larger than a page (`.pcl`). */
  Overflow: 4,
  /** A `.pcl` page on the cluster's free list. */
  Free: 5,
} as const;

/** One of the {@link PageType} values. */
export type PageType = (typeof PageType)[keyof typeof PageType];

const ZERO_PAGE = Buffer.alloc(PAGE_SIZE);

/** Computes the checksum of a page as stored in its header. */
export function pageChecksum(page: Buffer): number {
  return crc32(page.subarray(LSN_OFFSET), crc32(page.subarray(0, 4)));
}

/** Writes the magic, type and LSN of a freshly formatted page (the rest of the page is left as is). */
export function formatPage(page: Buffer, type: PageType, lsn: number): void {
  page.writeUInt32BE(PAGE_MAGIC, 0);
  page[TYPE_OFFSET] = type;
  setPageLsn(page, lsn);
}

/** Stores the checksum in the header; call before the page leaves memory. */
export function sealPage(page: Buffer): void {
  if (page.readUInt32BE(0) !== PAGE_MAGIC) return; // an empty page stays all zeros
  page.writeUInt32LE(pageChecksum(page), 4);
}

/** The LSN of the page's last change (0 for an empty page). */
export function pageLsn(page: Buffer): number {
  return page.readDoubleLE(LSN_OFFSET);
}

/** Records the LSN of a change. */
export function setPageLsn(page: Buffer, lsn: number): void {
  page.writeDoubleLE(lsn, LSN_OFFSET);
}

/** The page's type. */
export function pageType(page: Buffer): PageType {
  return page[TYPE_OFFSET] as PageType;
}

/** True for a page that was allocated but never written. */
export function isEmptyPage(page: Buffer): boolean {
  return page.readUInt32BE(0) === 0 && page.equals(ZERO_PAGE);
}

/**
 * Checks a page read from `file`: either all zeros, or the magic, a known type and a matching
 * CRC-32. Anything else is `ERR_CORRUPT_PAGE` naming the file and the page.
 */
export function verifyPage(page: Buffer, file: string, pageIndex: number): void {
  const magic = page.readUInt32BE(0);
  if (magic === PAGE_MAGIC) {
    const type = page[TYPE_OFFSET] as number;
    if (type >= PageType.ClusterHeader && type <= PageType.Free && page.readUInt32LE(4) === pageChecksum(page)) return;
  } else if (magic === 0 && page.equals(ZERO_PAGE)) {
    return;
  }
  throw fail('ERR_CORRUPT_PAGE', `Page ${pageIndex} of file '${file}' is corrupt (checksum mismatch)`, {
    details: { file, page: pageIndex },
  });
}
