/**
 * The byte format of the write-ahead log (`database.wal`).
 *
 * ```
 * header (32 bytes)
 *      0    4  magic "OWAL" (big-endian)
 *      4    4  format version (1)
 *      8    8  checkpoint LSN (float64): every change up to it is in the data files
 *     16    4  page size
 *     28    4  CRC-32 of bytes 0..27
 * frames, from offset 32
 *      0    4  payload length
 *      4    4  CRC-32 of the payload
 *      8    -  payload: u8 type, then
 *              page image (1): u8 0, u16 file name length, u32 page index, the file name (UTF-8),
 *                              the page (PAGE_SIZE bytes)
 *              commit (2):     3 zero bytes, u32 0, f64 LSN of the last operation of the group
 * ```
 * A group is a run of page images closed by a commit frame; only committed groups are replayed.
 *
 * @packageDocumentation
 */
import { crc32 } from 'node:zlib';
import { fail } from '../errors.js';
import { PAGE_SIZE } from './constants.js';

/** "OWAL". */
const WAL_MAGIC = 0x4f57414c;
const WAL_VERSION = 1;

/** Size of the WAL file header; the first frame starts here. */
export const WAL_HEADER_SIZE = 32;

const FRAME_HEADER = 8;
const IMAGE_FIXED = 8;
const COMMIT_PAYLOAD = 16;
const FrameType = { PageImage: 1, Commit: 2 } as const;

/** A page image to log: the file's name (pre-encoded) and the page. */
export interface PageImage {
  readonly fileName: Buffer;
  readonly index: number;
  readonly page: Buffer;
}

/** A page image read back from the log. */
export interface LoggedImage {
  readonly file: string;
  readonly index: number;
  readonly page: Buffer;
}

/** A committed group read back from the log. */
export interface LoggedGroup {
  readonly lsn: number;
  readonly images: readonly LoggedImage[];
}

/** What the log holds. */
export interface ParsedWal {
  readonly checkpointLsn: number;
  readonly groups: readonly LoggedGroup[];
  /** Bytes up to the end of the last committed group. */
  readonly committedBytes: number;
  /** True when bytes after the last commit were ignored (a torn or uncommitted tail). */
  readonly tornTail: boolean;
}

/** Encodes the header of a fresh log whose data files hold everything up to `checkpointLsn`. */
export function encodeWalHeader(checkpointLsn: number): Buffer {
  const header = Buffer.alloc(WAL_HEADER_SIZE);
  header.writeUInt32BE(WAL_MAGIC, 0);
  header.writeUInt32LE(WAL_VERSION, 4);
  header.writeDoubleLE(checkpointLsn, 8);
  header.writeUInt32LE(PAGE_SIZE, 16);
  header.writeUInt32LE(crc32(header.subarray(0, 28)), 28);
  return header;
}

/** Size in bytes of the encoding of a group. */
export function groupSize(images: readonly PageImage[]): number {
  let size = FRAME_HEADER + COMMIT_PAYLOAD;
  for (const image of images) size += FRAME_HEADER + IMAGE_FIXED + image.fileName.length + PAGE_SIZE;
  return size;
}

/** Encodes page images followed by the commit frame of `lsn`, as one buffer to append. */
export function encodeGroup(images: readonly PageImage[], lsn: number): Buffer {
  const out = Buffer.allocUnsafe(groupSize(images));
  let at = 0;
  for (const image of images) {
    const payloadLength = IMAGE_FIXED + image.fileName.length + PAGE_SIZE;
    const payload = at + FRAME_HEADER;
    out[payload] = FrameType.PageImage;
    out[payload + 1] = 0;
    out.writeUInt16LE(image.fileName.length, payload + 2);
    out.writeUInt32LE(image.index, payload + 4);
    image.fileName.copy(out, payload + IMAGE_FIXED);
    image.page.copy(out, payload + IMAGE_FIXED + image.fileName.length, 0, PAGE_SIZE);
    out.writeUInt32LE(payloadLength, at);
    out.writeUInt32LE(crc32(out.subarray(payload, payload + payloadLength)), at + 4);
    at = payload + payloadLength;
  }
  const payload = at + FRAME_HEADER;
  out.fill(0, payload, payload + 8);
  out[payload] = FrameType.Commit;
  out.writeDoubleLE(lsn, payload + 8);
  out.writeUInt32LE(COMMIT_PAYLOAD, at);
  out.writeUInt32LE(crc32(out.subarray(payload, payload + COMMIT_PAYLOAD)), at + 4);
  return out;
}

type Frame =
  | { readonly kind: 'image'; readonly image: LoggedImage; readonly end: number }
  | { readonly kind: 'commit'; readonly lsn: number; readonly end: number };

/** Decodes the frame at `at`, or returns undefined when it is incomplete, damaged or unknown. */
function readFrame(bytes: Buffer, at: number): Frame | undefined {
  if (at + FRAME_HEADER > bytes.length) return undefined;
  const length = bytes.readUInt32LE(at);
  const end = at + FRAME_HEADER + length;
  if (length < 1 || end > bytes.length) return undefined;
  const payload = bytes.subarray(at + FRAME_HEADER, end);
  if (crc32(payload) !== bytes.readUInt32LE(at + 4)) return undefined;
  if (payload[0] === FrameType.Commit && length === COMMIT_PAYLOAD) {
    return { kind: 'commit', lsn: payload.readDoubleLE(8), end };
  }
  if (payload[0] === FrameType.PageImage && length >= IMAGE_FIXED) {
    const nameLength = payload.readUInt16LE(2);
    if (length !== IMAGE_FIXED + nameLength + PAGE_SIZE) return undefined;
    const file = payload.toString('utf8', IMAGE_FIXED, IMAGE_FIXED + nameLength);
    const page = Buffer.from(payload.subarray(IMAGE_FIXED + nameLength));
    return { kind: 'image', image: { file, index: payload.readUInt32LE(4), page }, end };
  }
  return undefined;
}

/** The frame length a damaged frame at `at` claims, if it stays inside the log. */
function claimedEnd(bytes: Buffer, at: number): number | undefined {
  if (at + FRAME_HEADER > bytes.length) return undefined;
  const end = at + FRAME_HEADER + bytes.readUInt32LE(at);
  return end <= bytes.length ? end : undefined;
}

/**
 * Reads a whole log. Everything after the last readable commit frame is a torn tail and is
 * ignored. A damaged frame followed by a complete later group means the log is damaged before an
 * acknowledged operation: `ERR_CORRUPT_WAL`. So is a damaged header.
 */
export function parseWal(bytes: Buffer, file = 'database.wal'): ParsedWal {
  if (
    bytes.length < WAL_HEADER_SIZE ||
    bytes.readUInt32BE(0) !== WAL_MAGIC ||
    bytes.readUInt32LE(28) !== crc32(bytes.subarray(0, 28))
  ) {
    throw fail('ERR_CORRUPT_WAL', `The write-ahead log '${file}' has a damaged header`, { details: { file } });
  }
  if (bytes.readUInt32LE(4) !== WAL_VERSION || bytes.readUInt32LE(16) !== PAGE_SIZE) {
    throw fail('ERR_CORRUPT_WAL', `The write-ahead log '${file}' has an unsupported version or page size`, {
      details: { file },
    });
  }
  const checkpointLsn = bytes.readDoubleLE(8);
  const groups: LoggedGroup[] = [];
  let pending: LoggedImage[] = [];
  let at = WAL_HEADER_SIZE;
  let committedBytes = at;
  while (at < bytes.length) {
    const frame = readFrame(bytes, at);
    if (frame === undefined) {
      if (committedLater(bytes, claimedEnd(bytes, at))) {
        throw fail('ERR_CORRUPT_WAL', `The write-ahead log '${file}' is damaged at byte ${at}, before committed operations`, {
          details: { file, offset: at },
        });
      }
      break;
    }
    if (frame.kind === 'image') {
      pending.push(frame.image);
    } else {
      groups.push({ lsn: frame.lsn, images: pending });
      pending = [];
      committedBytes = frame.end;
    }
    at = frame.end;
  }
  return { checkpointLsn, groups, committedBytes, tornTail: committedBytes < bytes.length };
}

/**
 * True when intact frames from `from` reach a commit that a further intact frame follows: a later
 * group was started, which only happens once the earlier ones were durable, so the damage hit
 * acknowledged data. A damaged frame in the last group is a torn tail instead: a power loss may
 * keep a group's commit frame and lose one of its middle blocks, and such a group was never
 * acknowledged.
 */
function committedLater(bytes: Buffer, from: number | undefined): boolean {
  let at = from;
  let sawCommit = false;
  while (at !== undefined && at < bytes.length) {
    const frame = readFrame(bytes, at);
    if (frame === undefined) return false;
    if (sawCommit) return true;
    if (frame.kind === 'commit') sawCommit = true;
    at = frame.end;
  }
  return false;
}
