/**
 * The records of a ZIP archive as this writer emits them, field by field after PKWARE's
 * APPNOTE.TXT 6.3.10 (section numbers in the comments). Every integer is little-endian.
 *
 * What the writer always does, so that the records stay few and simple:
 * - entries are streamed: general purpose bit 3 is set, the local header's CRC-32 and sizes are
 *   zero, and a signed data descriptor follows the data (4.3.9);
 * - names are UTF-8 (bit 11) and every entry is a regular file, mode 0644, "made by" Unix;
 * - ZIP64 (4.3.14, 4.3.15, 4.5.3) is used only where a 32-bit or 16-bit field cannot hold a
 *   value: an entry declared (or found) to be 4 GiB or more, a local header beyond 4 GiB, more
 *   than 65 534 entries, a central directory beyond 4 GiB or larger than that.
 *
 * @packageDocumentation
 */

/** A 32-bit size or offset field holding this value defers to the ZIP64 extra field (4.4.8, 4.4.9, 4.4.16). */
export const ZIP64_LIMIT = 0xffffffff;

/** A 16-bit entry count holding this value defers to the ZIP64 end record (4.4.21, 4.4.22). */
const ZIP64_COUNT_LIMIT = 0xffff;

const LOCAL_FILE_HEADER_SIGNATURE = 0x04034b50; // 4.3.7
const DATA_DESCRIPTOR_SIGNATURE = 0x08074b50; // 4.3.9.3
const CENTRAL_FILE_HEADER_SIGNATURE = 0x02014b50; // 4.3.12
const ZIP64_END_SIGNATURE = 0x06064b50; // 4.3.14
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50; // 4.3.15
const END_SIGNATURE = 0x06054b50; // 4.3.16

/** 4.4.3.2: 2.0 is enough for DEFLATE and data descriptors, 4.5 is needed for ZIP64. */
const VERSION_DEFLATE = 20;
const VERSION_ZIP64 = 45;
/** 4.4.2: upper byte 3 = Unix (so the external attributes hold a Unix mode), lower byte the spec version 4.5. */
const VERSION_MADE_BY = (3 << 8) | 45;

/** 4.4.4: bit 3, CRC-32 and sizes are in the data descriptor; bit 11, the name is UTF-8. */
const FLAGS = 0x0008 | 0x0800;

/** 4.5.3: header id of the ZIP64 extended information extra field. */
const ZIP64_EXTRA_ID = 0x0001;

/** 4.4.15: a regular file (S_IFREG) with permissions rw-r--r--, in the upper 16 bits. */
const EXTERNAL_ATTRIBUTES = ((0o100000 | 0o644) << 16) >>> 0;

/** An entry's fields once its data is written. */
export interface WrittenEntry {
  /** The name's UTF-8 bytes. */
  readonly name: Buffer;
  /** 0 STORED, 8 DEFLATE. */
  readonly method: 0 | 8;
  /** MS-DOS time and date fields (see {@link dosDateTime}). */
  readonly time: number;
  readonly date: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of its local header from the start of the archive. */
  readonly localHeaderOffset: number;
  /** Whether its local header carried a ZIP64 extra field (then its data descriptor has 8-byte sizes). */
  readonly zip64Local: boolean;
}

/** A little-endian record under construction. */
class RecordBuilder {
  private readonly bytes: Buffer;
  private at = 0;

  constructor(length: number) {
    this.bytes = Buffer.alloc(length);
  }

  u16(value: number): this {
    this.at = this.bytes.writeUInt16LE(value, this.at);
    return this;
  }

  u32(value: number): this {
    this.at = this.bytes.writeUInt32LE(value >>> 0, this.at);
    return this;
  }

  u64(value: number): this {
    this.at = this.bytes.writeBigUInt64LE(BigInt(value), this.at);
    return this;
  }

  raw(value: Uint8Array): this {
    this.bytes.set(value, this.at);
    this.at += value.length;
    return this;
  }

  done(): Buffer {
    if (this.at !== this.bytes.length) throw new Error(`internal error: record of ${this.bytes.length} bytes filled to ${this.at}`);
    return this.bytes;
  }
}

/**
 * The MS-DOS time and date fields (4.4.6) of `date`, from its UTC fields, at 2-second
 * resolution; years before 1980 become 1980-01-01 00:00:00 and years after 2107 (the last the
 * 7-bit year field holds) 2107-12-31 23:59:58.
 */
export function dosDateTime(date: Date): { time: number; date: number } {
  const year = date.getUTCFullYear();
  if (year < 1980) return { time: 0, date: (1 << 5) | 1 };
  if (year > 2107) return { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 };
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

/**
 * The local file header (4.3.7) of a streamed entry. The CRC-32 and sizes are zero (bit 3: they
 * follow in the data descriptor), except with `zip64`, where both sizes are 0xFFFFFFFF and a
 * ZIP64 extra field holds zero placeholders for them (4.5.3: in a local header it holds both).
 */
export function localFileHeader(entry: { name: Buffer; method: 0 | 8; time: number; date: number; zip64: boolean }): Buffer {
  const extraLength = entry.zip64 ? 4 + 16 : 0;
  const header = new RecordBuilder(30 + entry.name.length + extraLength)
    .u32(LOCAL_FILE_HEADER_SIGNATURE)
    .u16(entry.zip64 ? VERSION_ZIP64 : VERSION_DEFLATE) // version needed to extract
    .u16(FLAGS)
    .u16(entry.method)
    .u16(entry.time)
    .u16(entry.date)
    .u32(0) // CRC-32: in the data descriptor
    .u32(entry.zip64 ? ZIP64_LIMIT : 0) // compressed size
    .u32(entry.zip64 ? ZIP64_LIMIT : 0) // uncompressed size
    .u16(entry.name.length)
    .u16(extraLength)
    .raw(entry.name);
  if (entry.zip64) header.u16(ZIP64_EXTRA_ID).u16(16).u64(0).u64(0); // original size, compressed size
  return header.done();
}

/** Whether an entry's data descriptor carries 8-byte sizes (4.3.9.2): after a ZIP64 local header, or when a size needs them. */
export function hasWideDescriptor(entry: WrittenEntry): boolean {
  return entry.zip64Local || entry.size >= ZIP64_LIMIT || entry.compressedSize >= ZIP64_LIMIT;
}

/** The data descriptor (4.3.9), with its optional signature (4.3.9.3), which most readers expect. */
export function dataDescriptor(entry: WrittenEntry): Buffer {
  if (hasWideDescriptor(entry)) {
    return new RecordBuilder(24).u32(DATA_DESCRIPTOR_SIGNATURE).u32(entry.crc32).u64(entry.compressedSize).u64(entry.size).done();
  }
  return new RecordBuilder(16).u32(DATA_DESCRIPTOR_SIGNATURE).u32(entry.crc32).u32(entry.compressedSize).u32(entry.size).done();
}

/**
 * The central directory header (4.3.12) of a written entry. A size or offset that does not fit
 * in 32 bits is 0xFFFFFFFF there and follows in a ZIP64 extra field, which holds only those
 * values, in the order of 4.5.3 (original size, compressed size, local header offset).
 * `forceZip64` moves all three there (tests use it to cover ZIP64 without 4 GiB of data).
 */
export function centralFileHeader(entry: WrittenEntry, forceZip64 = false): Buffer {
  const size = forceZip64 || entry.size >= ZIP64_LIMIT;
  const compressed = forceZip64 || entry.compressedSize >= ZIP64_LIMIT;
  const offset = forceZip64 || entry.localHeaderOffset >= ZIP64_LIMIT;
  const wide = [size ? entry.size : undefined, compressed ? entry.compressedSize : undefined, offset ? entry.localHeaderOffset : undefined].filter(
    (value): value is number => value !== undefined,
  );
  const extraLength = wide.length === 0 ? 0 : 4 + 8 * wide.length;
  const zip64 = wide.length > 0 || entry.zip64Local;
  const header = new RecordBuilder(46 + entry.name.length + extraLength)
    .u32(CENTRAL_FILE_HEADER_SIGNATURE)
    .u16(VERSION_MADE_BY)
    .u16(zip64 ? VERSION_ZIP64 : VERSION_DEFLATE) // version needed to extract
    .u16(FLAGS)
    .u16(entry.method)
    .u16(entry.time)
    .u16(entry.date)
    .u32(entry.crc32)
    .u32(compressed ? ZIP64_LIMIT : entry.compressedSize)
    .u32(size ? ZIP64_LIMIT : entry.size)
    .u16(entry.name.length)
    .u16(extraLength)
    .u16(0) // file comment length
    .u16(0) // disk number start
    .u16(0) // internal file attributes
    .u32(EXTERNAL_ATTRIBUTES)
    .u32(offset ? ZIP64_LIMIT : entry.localHeaderOffset)
    .raw(entry.name);
  if (wide.length > 0) {
    header.u16(ZIP64_EXTRA_ID).u16(8 * wide.length);
    for (const value of wide) header.u64(value);
  }
  return header.done();
}

/**
 * The records that close the archive: the ZIP64 end of central directory record (4.3.14) and its
 * locator (4.3.15) when a count, size or offset overflows the classic record, then the end of
 * central directory record (4.3.16) with the archive comment.
 *
 * @param entries - the number of entries
 * @param directoryOffset - where the central directory starts
 * @param directorySize - its size in bytes
 * @param comment - the archive comment's bytes (at most 65535)
 * @param forceZip64 - write the ZIP64 records even when nothing overflows (for tests)
 */
export function endRecords(entries: number, directoryOffset: number, directorySize: number, comment: Buffer, forceZip64 = false): Buffer {
  const zip64 = forceZip64 || entries >= ZIP64_COUNT_LIMIT || directoryOffset >= ZIP64_LIMIT || directorySize >= ZIP64_LIMIT;
  const records: Buffer[] = [];
  if (zip64) {
    const zip64EndOffset = directoryOffset + directorySize;
    records.push(
      new RecordBuilder(56)
        .u32(ZIP64_END_SIGNATURE)
        .u64(44) // size of the rest of this record
        .u16(VERSION_MADE_BY)
        .u16(VERSION_ZIP64)
        .u32(0) // number of this disk
        .u32(0) // disk where the central directory starts
        .u64(entries) // entries on this disk
        .u64(entries) // entries in total
        .u64(directorySize)
        .u64(directoryOffset)
        .done(),
      new RecordBuilder(20)
        .u32(ZIP64_LOCATOR_SIGNATURE)
        .u32(0) // disk of the ZIP64 end record
        .u64(zip64EndOffset)
        .u32(1) // total number of disks
        .done(),
    );
  }
  records.push(
    new RecordBuilder(22 + comment.length)
      .u32(END_SIGNATURE)
      .u16(0) // number of this disk
      .u16(0) // disk where the central directory starts
      .u16(zip64 ? ZIP64_COUNT_LIMIT : entries) // entries on this disk
      .u16(zip64 ? ZIP64_COUNT_LIMIT : entries) // entries in total
      .u32(zip64 ? ZIP64_LIMIT : directorySize)
      .u32(zip64 ? ZIP64_LIMIT : directoryOffset)
      .u16(comment.length)
      .raw(comment)
      .done(),
  );
  return Buffer.concat(records);
}
