/**
 * A small ZIP writer and layout reader for scenarios that re-zip, damage or forge archives: a
 * backup re-zipped without its manifest, with ZIP64 records or data descriptors, an entry
 * replaced, headers whose bits are flipped, entries that declare or inflate to gigabytes.
 * Byte layouts follow PKWARE's APPNOTE (4.3.7 local file header, 4.3.9 data descriptor, 4.3.12
 * central directory header, 4.3.14 to 4.3.16 ZIP64 and end records). Everything is built in
 * memory: scenarios keep their archives small. To read entries, use `zip-inspect.ts`.
 *
 * @packageDocumentation
 */
import { crc32, deflateRawSync } from 'node:zlib';

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const DESCRIPTOR = 0x08074b50;
const END = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;
/** MS-DOS date and time of 2024-01-01 00:00:00: fixed, so that forged archives are reproducible. */
const DOS_TIME = 0;
const DOS_DATE = ((2024 - 1980) << 9) | (1 << 5) | 1;
/** "Version made by": 3.0 on Unix (external attributes carry a Unix mode). */
const MADE_BY_UNIX = (3 << 8) | 30;
const REGULAR_FILE = (0o100644 << 16) >>> 0;
const DIRECTORY = ((0o040755 << 16) | 0x10) >>> 0;

/** One entry to write. */
export interface ZipWriteEntry {
  /** The entry name; a name ending in `/` is a directory. */
  readonly name: string;
  /** The uncompressed bytes (ignored for a directory). */
  readonly data?: Uint8Array;
  /** 0 STORED or 8 DEFLATE (default 8; directories are always STORED). Any other method is written as given, with `raw` as data. */
  readonly method?: number;
  /** The stored bytes as they go in the archive, instead of compressing `data`. */
  readonly raw?: Uint8Array;
  /** ZIP64 extended information on this entry: sizes and offset in a ZIP64 extra field, 0xFFFFFFFF in the headers. */
  readonly zip64?: boolean;
  /** Sizes and CRC-32 after the data in a data descriptor, with or without its optional signature. */
  readonly descriptor?: 'signed' | 'unsigned';
  /** Replaces what the headers declare (the data written stays `raw` or the compressed `data`). */
  readonly declare?: { readonly crc32?: number; readonly size?: number; readonly compressedSize?: number };
  /** External attributes (default: a regular file or directory with Unix mode bits). */
  readonly externalAttributes?: number;
  /** General purpose flags to add (bit 3 is set by `descriptor`, bit 11 always: names are UTF-8). */
  readonly flags?: number;
}

/** Options of {@link buildZip}. */
export interface ZipWriteOptions {
  /** The archive comment. */
  readonly comment?: string | Uint8Array;
  /** Write ZIP64 end records (the classic end record then holds 0xFFFF / 0xFFFFFFFF). */
  readonly zip64End?: boolean;
  /** Bytes appended after the end record. */
  readonly trailing?: Uint8Array;
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value);
  return buffer;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0);
  return buffer;
}

function u64(value: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64LE(BigInt(value));
  return buffer;
}

/** Writes a ZIP archive of `entries`, in order. */
export function buildZip(entries: readonly ZipWriteEntry[], options: ZipWriteOptions = {}): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const isDirectory = entry.name.endsWith('/');
    const data = isDirectory ? Buffer.alloc(0) : Buffer.from(entry.data ?? new Uint8Array(0));
    const method = isDirectory ? 0 : (entry.method ?? 8);
    const stored = entry.raw !== undefined ? Buffer.from(entry.raw) : method === 8 ? deflateRawSync(data) : data;
    const crc = entry.declare?.crc32 ?? crc32(data);
    const size = entry.declare?.size ?? data.length;
    const compressedSize = entry.declare?.compressedSize ?? stored.length;
    const name = Buffer.from(entry.name, 'utf8');
    const zip64 = entry.zip64 === true;
    const descriptor = entry.descriptor !== undefined;
    const flags = 0x0800 | (descriptor ? 0x0008 : 0) | (entry.flags ?? 0);
    const version = zip64 ? 45 : 20;
    const localExtra = zip64 ? Buffer.concat([u16(1), u16(16), u64(size), u64(compressedSize)]) : Buffer.alloc(0);
    const local = Buffer.concat([
      u32(LOCAL),
      u16(version),
      u16(flags),
      u16(method),
      u16(DOS_TIME),
      u16(DOS_DATE),
      u32(descriptor ? 0 : crc),
      u32(zip64 ? MAX32 : descriptor ? 0 : compressedSize),
      u32(zip64 ? MAX32 : descriptor ? 0 : size),
      u16(name.length),
      u16(localExtra.length),
      name,
      localExtra,
    ]);
    const trailer = !descriptor
      ? Buffer.alloc(0)
      : Buffer.concat([
          entry.descriptor === 'signed' ? u32(DESCRIPTOR) : Buffer.alloc(0),
          u32(crc),
          zip64 ? u64(compressedSize) : u32(compressedSize),
          zip64 ? u64(size) : u32(size),
        ]);
    const centralExtra = zip64 ? Buffer.concat([u16(1), u16(24), u64(size), u64(compressedSize), u64(offset)]) : Buffer.alloc(0);
    centrals.push(
      Buffer.concat([
        u32(CENTRAL),
        u16(MADE_BY_UNIX),
        u16(version),
        u16(flags),
        u16(method),
        u16(DOS_TIME),
        u16(DOS_DATE),
        u32(crc),
        u32(zip64 ? MAX32 : compressedSize),
        u32(zip64 ? MAX32 : size),
        u16(name.length),
        u16(centralExtra.length),
        u16(0),
        u16(0),
        u16(0),
        u32(entry.externalAttributes ?? (isDirectory ? DIRECTORY : REGULAR_FILE)),
        u32(zip64 ? MAX32 : offset),
        name,
        centralExtra,
      ]),
    );
    parts.push(local, stored, trailer);
    offset += local.length + stored.length + trailer.length;
  }
  const directory = Buffer.concat(centrals);
  const comment = typeof options.comment === 'string' ? Buffer.from(options.comment, 'utf8') : Buffer.from(options.comment ?? new Uint8Array(0));
  const ends: Buffer[] = [];
  const zip64End = options.zip64End === true;
  if (zip64End) {
    const recordOffset = offset + directory.length;
    ends.push(
      Buffer.concat([u32(ZIP64_END), u64(44), u16(MADE_BY_UNIX), u16(45), u32(0), u32(0), u64(entries.length), u64(entries.length), u64(directory.length), u64(offset)]),
      Buffer.concat([u32(ZIP64_LOCATOR), u32(0), u64(recordOffset), u32(1)]),
    );
  }
  ends.push(
    Buffer.concat([
      u32(END),
      u16(0),
      u16(0),
      u16(zip64End ? MAX16 : entries.length),
      u16(zip64End ? MAX16 : entries.length),
      u32(zip64End ? MAX32 : directory.length),
      u32(zip64End ? MAX32 : offset),
      u16(comment.length),
      comment,
    ]),
  );
  return Buffer.concat([...parts, directory, ...ends, Buffer.from(options.trailing ?? new Uint8Array(0))]);
}

/** Where the structures of a well-formed archive lie, for damaging them on purpose. */
export interface ZipLayout {
  /** Per entry, in central directory order: its name, header ranges and data range (`[start, end)`). */
  readonly entries: readonly {
    readonly name: string;
    readonly localHeader: readonly [number, number];
    readonly data: readonly [number, number];
    readonly centralRecord: readonly [number, number];
  }[];
  /** The end of central directory record, comment included. */
  readonly endRecord: readonly [number, number];
}

/**
 * Finds the structures of `bytes`, a well-formed archive (such as one an implementation wrote):
 * the local header, data and central directory record of every entry, and the end record. Throws
 * a `TypeError` for what it cannot read; it is not a validator.
 */
export function zipLayout(bytes: Uint8Array): ZipLayout {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let at = buffer.length - 22; at >= Math.max(0, buffer.length - 22 - MAX16); at--) {
    if (buffer.readUInt32LE(at) === END && at + 22 + buffer.readUInt16LE(at + 20) === buffer.length) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new TypeError('zipLayout(): no end of central directory record');
  let count = buffer.readUInt16LE(end + 10);
  let cdOffset = buffer.readUInt32LE(end + 16);
  if (end >= 20 && buffer.readUInt32LE(end - 20) === ZIP64_LOCATOR) {
    const record = Number(buffer.readBigUInt64LE(end - 12));
    count = Number(buffer.readBigUInt64LE(record + 32));
    cdOffset = Number(buffer.readBigUInt64LE(record + 48));
  }
  const entries: ZipLayout['entries'][number][] = [];
  let at = cdOffset;
  for (let index = 0; index < count; index++) {
    if (buffer.readUInt32LE(at) !== CENTRAL) throw new TypeError(`zipLayout(): no central directory record at ${at}`);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    let compressedSize = buffer.readUInt32LE(at + 20);
    let localOffset = buffer.readUInt32LE(at + 42);
    const extra = buffer.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
    for (let e = 0; e + 4 <= extra.length; e += 4 + extra.readUInt16LE(e + 2)) {
      if (extra.readUInt16LE(e) !== 1) continue;
      let field = e + 4;
      if (buffer.readUInt32LE(at + 24) === MAX32) field += 8;
      if (compressedSize === MAX32) {
        compressedSize = Number(extra.readBigUInt64LE(field));
        field += 8;
      }
      if (localOffset === MAX32) localOffset = Number(extra.readBigUInt64LE(field));
    }
    const recordEnd = at + 46 + nameLength + extraLength + commentLength;
    if (buffer.readUInt32LE(localOffset) !== LOCAL) throw new TypeError(`zipLayout(): no local header at ${localOffset}`);
    const dataStart = localOffset + 30 + buffer.readUInt16LE(localOffset + 26) + buffer.readUInt16LE(localOffset + 28);
    entries.push({ name, localHeader: [localOffset, dataStart], data: [dataStart, dataStart + compressedSize], centralRecord: [at, recordEnd] });
    at = recordEnd;
  }
  return { entries, endRecord: [end, buffer.length] };
}

/**
 * A raw DEFLATE stream (one block of fixed Huffman codes) that inflates to `length` bytes of
 * `byte`: the byte as a literal, then matches of length 258 at distance 1. About 13 bits per
 * 258 bytes, so 512 MiB take some 3.4 MB: how a scenario builds an entry that inflates to far
 * more than it declares without holding that much.
 */
export function deflateRun(byte: number, length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 1) throw new TypeError('deflateRun(): length must be a positive integer');
  const out = Buffer.alloc(Math.ceil(((length / 258) * 13 + 64) / 8) + 16);
  let bitBuffer = 0;
  let bitCount = 0;
  let at = 0;
  const bits = (value: number, count: number): void => {
    bitBuffer |= value << bitCount;
    bitCount += count;
    while (bitCount >= 8) {
      out[at++] = bitBuffer & 0xff;
      bitBuffer >>>= 8;
      bitCount -= 8;
    }
  };
  // Huffman codes go most significant bit first: write them reversed.
  const code = (value: number, count: number): void => {
    let reversed = 0;
    for (let i = 0; i < count; i++) reversed |= ((value >>> i) & 1) << (count - 1 - i);
    bits(reversed, count);
  };
  const literal = (value: number): void => (value < 144 ? code(0x30 + value, 8) : code(0x190 + value - 144, 9));
  bits(1, 1); // BFINAL
  bits(1, 2); // BTYPE 01: fixed Huffman codes
  literal(byte);
  let left = length - 1;
  while (left >= 258) {
    code(0xc5, 8); // length code 285: 258 bytes, no extra bits
    code(0, 5); // distance code 0: distance 1
    left -= 258;
  }
  for (; left > 0; left--) literal(byte);
  code(0, 7); // end of block (256)
  if (bitCount > 0) out[at++] = bitBuffer & 0xff;
  return out.subarray(0, at);
}
