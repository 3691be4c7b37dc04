import { archiveError } from './archive-error.js';
import { readExactly, type ByteSource } from './byte-source.js';
import type { ArchiveLimits } from './limits.js';

// APPNOTE 4.3.16: end of central directory record, 22 bytes plus a comment of up to 65 535.
const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
// APPNOTE 4.3.15 / 4.3.14: ZIP64 end of central directory locator (20 bytes) and record (56+).
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_RECORD_SIGNATURE = 0x06064b50;
const ZIP64_RECORD_SIZE = 56;
/** Smallest central directory file header (APPNOTE 4.3.12), without name, extra and comment. */
export const CENTRAL_HEADER_SIZE = 46;
/** How far back, on the failure path only, we look for an end record hidden by trailing bytes. */
const DEEP_SCAN_LIMIT = 64 * 1024 * 1024;
const DEEP_SCAN_WINDOW = 1024 * 1024;

/** What the end records say about the central directory, after every consistency check. */
export interface EndRecord {
  /** Offset of the end of central directory record. */
  readonly offset: number;
  /** Number of central directory records (ZIP64 value when there is one). */
  readonly entryCount: number;
  /** Where the central directory starts. */
  readonly centralDirectoryOffset: number;
  /** Its size in bytes; it ends exactly where the (ZIP64) end records begin. */
  readonly centralDirectorySize: number;
  /** The raw archive comment. */
  readonly comment: Buffer;
  /** Offset of the ZIP64 end of central directory record, when the archive has one. */
  readonly zip64RecordOffset: number | undefined;
}

/**
 * Reads a 64-bit little-endian field, or `undefined` when it exceeds 2^53 - 1 (no archive we can
 * read is that large, so such a value is a lie).
 */
function readUInt64(buffer: Buffer, offset: number): number | undefined {
  const value = buffer.readBigUInt64LE(offset);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value);
}

/** A 4-byte-aligned-anywhere search for an end record signature, from the end backwards. */
function signaturePositions(bytes: Buffer, base: number): number[] {
  const positions: number[] = [];
  for (let i = bytes.length - EOCD_SIZE; i >= 0; i -= 1) {
    if (bytes[i] === 0x50 && bytes.readUInt32LE(i) === EOCD_SIGNATURE) positions.push(base + i);
  }
  return positions;
}

/**
 * An end record at `offset` is plausible when its central directory ends right before it (or a
 * ZIP64 locator precedes it): how we tell a real record from four bytes that happen to match.
 */
async function isPlausibleEndRecord(source: ByteSource, offset: number): Promise<boolean> {
  const record = await source.read(offset, EOCD_SIZE);
  if (record.length < EOCD_SIZE) return false;
  const cdSize = record.readUInt32LE(12);
  const cdOffset = record.readUInt32LE(16);
  if (cdOffset + cdSize === offset) return true;
  if (offset < ZIP64_LOCATOR_SIZE) return false;
  const locator = await source.read(offset - ZIP64_LOCATOR_SIZE, 4);
  return locator.length === 4 && locator.readUInt32LE(0) === ZIP64_LOCATOR_SIGNATURE;
}

/** True when the archive starts like a ZIP (or like the first bytes of one): a cut, not a stranger. */
function startsLikeZip(head: Buffer): boolean {
  const starts = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1'), Buffer.from('PK\x07\x08', 'latin1')];
  return starts.some((signature) => head.length > 0 && signature.subarray(0, head.length).equals(head.subarray(0, Math.min(4, head.length))));
}

async function classifyMissingEndRecord(source: ByteSource, scannedFrom: number): Promise<never> {
  const context = { archive: source.label };
  const head = await source.read(0, 4);
  if (!startsLikeZip(head)) {
    throw archiveError('ERR_NOT_A_ZIP', 'no end of central directory record and no ZIP signature at the start: not a ZIP archive', context);
  }
  // More than 64 KiB of trailing bytes hide the end record from the normal search.
  const stop = Math.max(0, scannedFrom - DEEP_SCAN_LIMIT);
  for (let end = scannedFrom + 3; end > stop; end -= DEEP_SCAN_WINDOW) {
    const start = Math.max(stop, end - DEEP_SCAN_WINDOW - 3);
    const window = await source.read(start, end - start);
    for (const position of signaturePositions(window, start)) {
      if (await isPlausibleEndRecord(source, position)) {
        const record = await readExactly(source, position, EOCD_SIZE, context);
        const declaredEnd = position + EOCD_SIZE + record.readUInt16LE(20);
        throw archiveError('ERR_ARCHIVE_TRAILING_DATA', `${source.size - declaredEnd} bytes follow the end of central directory record`, { ...context, offset: declaredEnd }, {
          trailingBytes: source.size - declaredEnd,
        });
      }
    }
  }
  throw archiveError('ERR_ARCHIVE_TRUNCATED', 'the archive starts like a ZIP but has no end of central directory record: it was cut short', context, { size: source.size });
}

/**
 * Finds the end of central directory record (and the ZIP64 records it points to) and checks
 * everything yauzl takes on trust: exactly the declared comment follows it (else trailing bytes
 * or a cut), a single disk, entry counts that agree, ZIP64 records that agree with each other
 * and with the classic record, a central directory that ends exactly where the end records
 * begin, and the entry limit. Fails with the precise code; `ERR_ARCHIVE_EMPTY` for a 0-byte file.
 */
export async function readEndRecord(source: ByteSource, limits: ArchiveLimits): Promise<EndRecord> {
  const context = { archive: source.label };
  if (source.size === 0) throw archiveError('ERR_ARCHIVE_EMPTY', 'the archive is an empty (0-byte) file', context);
  const tailStart = Math.max(0, source.size - (EOCD_SIZE + MAX_COMMENT));
  const tail = await readExactly(source, tailStart, source.size - tailStart, context);
  const candidates = signaturePositions(tail, tailStart);
  const declaredEnd = (position: number) => position + EOCD_SIZE + tail.readUInt16LE(position - tailStart + 20);

  const exact = candidates.find((position) => declaredEnd(position) === source.size);
  if (exact === undefined) {
    if (candidates.length === 0) return classifyMissingEndRecord(source, tailStart);
    let chosen: number | undefined;
    for (const position of candidates) {
      if (await isPlausibleEndRecord(source, position)) {
        chosen = position;
        break;
      }
    }
    if (chosen === undefined) {
      // Only stray signature bytes: judge by the start of the file, as if none had been seen.
      if (!startsLikeZip(await source.read(0, 4))) return classifyMissingEndRecord(source, tailStart);
      chosen = candidates[0]!;
    }
    const end = declaredEnd(chosen);
    if (end < source.size) {
      throw archiveError('ERR_ARCHIVE_TRAILING_DATA', `${source.size - end} bytes follow the end of central directory record and its declared comment`, { ...context, offset: end }, {
        trailingBytes: source.size - end,
      });
    }
    throw archiveError('ERR_ARCHIVE_TRUNCATED', `the archive comment declares ${end - chosen - EOCD_SIZE} bytes but the file ends after ${source.size - chosen - EOCD_SIZE}`, { ...context, offset: chosen });
  }
  if (exact !== candidates[0]) {
    throw archiveError('ERR_ARCHIVE_MALFORMED', 'the archive comment contains an end of central directory signature, which makes the archive ambiguous', { ...context, offset: candidates[0] });
  }

  const record = tail.subarray(exact - tailStart);
  const eocd = {
    disk: record.readUInt16LE(4),
    centralDirectoryDisk: record.readUInt16LE(6),
    entriesOnDisk: record.readUInt16LE(8),
    entries: record.readUInt16LE(10),
    centralDirectorySize: record.readUInt32LE(12),
    centralDirectoryOffset: record.readUInt32LE(16),
  };
  const comment = Buffer.from(record.subarray(EOCD_SIZE));
  const hasLocator = exact >= ZIP64_LOCATOR_SIZE && (await readExactly(source, exact - ZIP64_LOCATOR_SIZE, 4, context)).readUInt32LE(0) === ZIP64_LOCATOR_SIGNATURE;

  let result: EndRecord;
  if (hasLocator) {
    result = await readZip64Records(source, exact, eocd, comment);
  } else {
    const here = { ...context, offset: exact };
    if (eocd.centralDirectorySize === 0xffffffff || eocd.centralDirectoryOffset === 0xffffffff) {
      throw archiveError('ERR_ARCHIVE_ZIP64_INVALID', 'the end record defers to ZIP64 (0xFFFFFFFF) but there is no ZIP64 end of central directory locator', here);
    }
    if (eocd.disk !== 0 || eocd.centralDirectoryDisk !== 0) {
      throw archiveError('ERR_ARCHIVE_MALFORMED', `multi-disk archives are not supported (disk ${eocd.disk}, central directory on disk ${eocd.centralDirectoryDisk})`, here);
    }
    if (eocd.entriesOnDisk !== eocd.entries) {
      throw archiveError('ERR_ARCHIVE_MALFORMED', `the end record counts ${eocd.entriesOnDisk} entries on this disk but ${eocd.entries} in total`, here);
    }
    result = {
      offset: exact,
      entryCount: eocd.entries,
      centralDirectoryOffset: eocd.centralDirectoryOffset,
      centralDirectorySize: eocd.centralDirectorySize,
      comment,
      zip64RecordOffset: undefined,
    };
  }

  const zip64 = result.zip64RecordOffset !== undefined;
  const centralDirectoryEnd = result.zip64RecordOffset ?? result.offset;
  const actualEnd = result.centralDirectoryOffset + result.centralDirectorySize;
  if (actualEnd !== centralDirectoryEnd) {
    throw archiveError(
      zip64 ? 'ERR_ARCHIVE_ZIP64_INVALID' : 'ERR_ARCHIVE_MALFORMED',
      actualEnd > centralDirectoryEnd
        ? `the central directory (${result.centralDirectoryOffset} + ${result.centralDirectorySize}) runs past the end records at ${centralDirectoryEnd}`
        : `${centralDirectoryEnd - actualEnd} unexplained bytes lie between the central directory and the end records`,
      { ...context, offset: result.centralDirectoryOffset },
    );
  }
  if (result.entryCount > limits.maxEntries) {
    throw archiveError('ERR_ARCHIVE_LIMIT_EXCEEDED', `the archive declares ${result.entryCount} entries, more than the limit of ${limits.maxEntries}`, context, {
      limit: 'maxEntries',
      value: result.entryCount,
      max: limits.maxEntries,
    });
  }
  if (result.entryCount * CENTRAL_HEADER_SIZE > result.centralDirectorySize || (result.entryCount === 0 && result.centralDirectorySize !== 0)) {
    throw archiveError('ERR_ARCHIVE_MALFORMED', `a central directory of ${result.centralDirectorySize} bytes cannot hold ${result.entryCount} entries`, { ...context, offset: result.centralDirectoryOffset });
  }
  return result;
}

interface ClassicEndRecord {
  readonly disk: number;
  readonly centralDirectoryDisk: number;
  readonly entriesOnDisk: number;
  readonly entries: number;
  readonly centralDirectorySize: number;
  readonly centralDirectoryOffset: number;
}

async function readZip64Records(source: ByteSource, endRecordOffset: number, eocd: ClassicEndRecord, comment: Buffer): Promise<EndRecord> {
  const locatorOffset = endRecordOffset - ZIP64_LOCATOR_SIZE;
  const invalid = (problem: string, offset: number) => archiveError('ERR_ARCHIVE_ZIP64_INVALID', problem, { archive: source.label, offset });
  // APPNOTE 4.3.15: signature, disk with the ZIP64 record (4), its offset (8), total disks (4).
  const locator = await readExactly(source, locatorOffset, ZIP64_LOCATOR_SIZE, { archive: source.label });
  const recordDisk = locator.readUInt32LE(4);
  const recordOffset = readUInt64(locator, 8);
  const totalDisks = locator.readUInt32LE(16);
  if (recordDisk !== 0 || totalDisks > 1) throw invalid(`the ZIP64 locator names disk ${recordDisk} of ${totalDisks}; multi-disk archives are not supported`, locatorOffset);
  if (recordOffset === undefined || recordOffset + ZIP64_RECORD_SIZE > locatorOffset) {
    throw invalid(`the ZIP64 locator points at offset ${recordOffset ?? 'beyond 2^53'}, where no ZIP64 end record fits before the locator at ${locatorOffset}`, locatorOffset);
  }
  // APPNOTE 4.3.14: signature, size of the rest (8), versions (2+2), disks (4+4), entry counts
  // on this disk and in total (8+8), central directory size (8) and offset (8).
  const record = await readExactly(source, recordOffset, ZIP64_RECORD_SIZE, { archive: source.label });
  if (record.readUInt32LE(0) !== ZIP64_RECORD_SIGNATURE) throw invalid(`no ZIP64 end of central directory record signature at offset ${recordOffset}`, recordOffset);
  const recordSize = readUInt64(record, 4);
  if (recordSize === undefined || recordSize < ZIP64_RECORD_SIZE - 12 || recordOffset + 12 + recordSize !== locatorOffset) {
    throw invalid(`the ZIP64 end record declares ${recordSize ?? 'more than 2^53'} bytes but ${locatorOffset - recordOffset - 12} lie before the locator`, recordOffset);
  }
  const disk = record.readUInt32LE(16);
  const centralDirectoryDisk = record.readUInt32LE(20);
  const entriesOnDisk = readUInt64(record, 24);
  const entries = readUInt64(record, 32);
  const centralDirectorySize = readUInt64(record, 40);
  const centralDirectoryOffset = readUInt64(record, 48);
  if (disk !== 0 || centralDirectoryDisk !== 0) throw invalid(`the ZIP64 end record names disk ${disk} / ${centralDirectoryDisk}; multi-disk archives are not supported`, recordOffset);
  if (entries === undefined || centralDirectorySize === undefined || centralDirectoryOffset === undefined || entriesOnDisk === undefined) {
    throw invalid('a ZIP64 end record field exceeds 2^53', recordOffset);
  }
  if (entriesOnDisk !== entries) throw invalid(`the ZIP64 end record counts ${entriesOnDisk} entries on this disk but ${entries} in total`, recordOffset);
  // The classic record must either defer (all ones) or agree.
  const agrees = (classic: number, allOnes: number, zip64Value: number) => classic === allOnes || classic === zip64Value;
  const disagreements = [
    !agrees(eocd.entries, 0xffff, entries) && 'entry count',
    !agrees(eocd.entriesOnDisk, 0xffff, entriesOnDisk) && 'entries on this disk',
    !agrees(eocd.centralDirectorySize, 0xffffffff, centralDirectorySize) && 'central directory size',
    !agrees(eocd.centralDirectoryOffset, 0xffffffff, centralDirectoryOffset) && 'central directory offset',
    !agrees(eocd.disk, 0xffff, 0) && 'disk number',
    !agrees(eocd.centralDirectoryDisk, 0xffff, 0) && 'central directory disk',
  ].filter((field): field is string => field !== false);
  if (disagreements.length > 0) throw invalid(`the end record and the ZIP64 end record disagree on: ${disagreements.join(', ')}`, endRecordOffset);
  return { offset: endRecordOffset, entryCount: entries, centralDirectoryOffset, centralDirectorySize, comment, zip64RecordOffset: recordOffset };
}
