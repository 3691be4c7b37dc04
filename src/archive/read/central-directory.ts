import yauzl from 'yauzl';
import { archiveError, toArchiveError } from './archive-error.js';
import type { ByteSource } from './byte-source.js';
import { assertNoCollisions } from './duplicates.js';
import { CENTRAL_HEADER_SIZE, type EndRecord } from './end-record.js';
import { validateEntryName } from './entry-name.js';
import type { ArchiveLimits } from './limits.js';

/** General purpose bit 0 (APPNOTE 4.4.4): the entry is encrypted. */
export const FLAG_ENCRYPTED = 0x0001;
/** Bit 3: CRC-32 and sizes follow the data in a data descriptor. */
export const FLAG_DATA_DESCRIPTOR = 0x0008;
/** Bit 6: strong encryption. */
export const FLAG_STRONG_ENCRYPTION = 0x0040;
/** Bit 11: the name (and comment) are UTF-8. */
export const FLAG_UTF8 = 0x0800;
/** Bit 13: local header values are masked (central directory encryption). */
export const FLAG_MASKED_HEADERS = 0x2000;
/** Header id of the ZIP64 extended information extra field (APPNOTE 4.5.3). */
export const ZIP64_EXTRA_ID = 0x0001;

// File type bits of a Unix mode, kept in the high 16 bits of the external attributes.
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const FILE_TYPES: Readonly<Record<number, string>> = {
  0o010000: 'FIFO',
  0o020000: 'character device',
  0o060000: 'block device',
  0o120000: 'symbolic link',
  0o140000: 'socket',
};

/** A central directory record that passed every check of {@link readCentralDirectory}. */
export interface CentralEntry {
  /** The decoded, validated name. */
  readonly name: string;
  /** Its path segments (see {@link validateEntryName}). */
  readonly segments: readonly string[];
  readonly isDirectory: boolean;
  readonly method: 0 | 8;
  /** The general purpose bit flag. */
  readonly flags: number;
  readonly crc32: number;
  /** Sizes and offset with ZIP64 values resolved. */
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly localHeaderOffset: number;
  readonly lastModified: Date;
  /** Offset of this record in the central directory, for error details. */
  readonly centralOffset: number;
  /** Whether the record carries a ZIP64 extended information field. */
  readonly hasZip64Extra: boolean;
  /** yauzl's view of the record, needed to read the local header. */
  readonly yauzlEntry: yauzl.Entry;
}

/** Opens yauzl on `reader` with the options that make it strictest and leave names to us. */
export function openYauzl(reader: yauzl.RandomAccessReader, source: ByteSource): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(
      reader,
      source.size,
      { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: true },
      (error, zipfile) => {
        if (error) reject(toArchiveError(error, { archive: source.label }));
        else {
          // yauzl emits 'error' on the zip file; an unheard 'error' would crash the process.
          zipfile.on('error', () => undefined);
          resolve(zipfile);
        }
      },
    );
  });
}

function nextEntry(zipfile: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      zipfile.off('entry', onEntry);
      zipfile.off('end', onEnd);
      zipfile.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => {
      settle();
      resolve(entry);
    };
    const onEnd = () => {
      settle();
      resolve(undefined);
    };
    const onError = (error: unknown) => {
      settle();
      reject(error);
    };
    zipfile.on('entry', onEntry);
    zipfile.on('end', onEnd);
    zipfile.on('error', onError);
    zipfile.readEntry();
  });
}

/**
 * Reads the whole central directory through yauzl and checks each record before anything is
 * extracted: its name ({@link validateEntryName}), encryption, method, ZIP64 sentinels, file
 * type, limits; then that the records fill the central directory exactly, and that no two
 * names collide. Throws the first fault found, coded.
 */
export async function readCentralDirectory(
  zipfile: yauzl.ZipFile,
  source: ByteSource,
  end: EndRecord,
  limits: ArchiveLimits,
  archive: string,
): Promise<CentralEntry[]> {
  const entries: CentralEntry[] = [];
  let cursor = end.centralDirectoryOffset;
  let totalBytes = 0;
  for (;;) {
    let entry: yauzl.Entry | undefined;
    try {
      entry = await nextEntry(zipfile);
    } catch (error) {
      const name = await peekName(source, cursor);
      // yauzl checks some sizes (a STORED entry's, counting an encryption header) before we see
      // the record: an encrypted record is refused as such whatever else is wrong with it.
      if (((await peekFlags(source, cursor)) & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS)) !== 0) {
        throw archiveError('ERR_ARCHIVE_ENCRYPTED', 'the entry is encrypted', { archive, ...(name === undefined ? {} : { entry: name }), offset: cursor });
      }
      throw toArchiveError(error, { archive, entry: name, offset: cursor });
    }
    if (entry === undefined) break;
    const centralOffset = cursor;
    cursor += CENTRAL_HEADER_SIZE + entry.fileNameLength + entry.extraFieldLength + entry.fileCommentLength;
    entries.push(checkRecord(entry, centralOffset, limits, archive));
    totalBytes += entry.uncompressedSize;
    if (totalBytes > limits.maxTotalBytes) {
      throw archiveError('ERR_ARCHIVE_LIMIT_EXCEEDED', `the entries declare ${totalBytes} bytes in total, more than the limit of ${limits.maxTotalBytes}`, {
        archive,
        entry: entries.at(-1)!.name,
        offset: centralOffset,
      }, { limit: 'maxTotalBytes', value: totalBytes, max: limits.maxTotalBytes });
    }
  }
  const centralDirectoryEnd = end.centralDirectoryOffset + end.centralDirectorySize;
  if (cursor !== centralDirectoryEnd) {
    throw archiveError('ERR_ARCHIVE_MALFORMED', `the ${entries.length} central directory records end at ${cursor}, but the central directory ends at ${centralDirectoryEnd}`, {
      archive,
      offset: cursor,
    });
  }
  assertNoCollisions(entries, archive);
  return entries;
}

/**
 * The name of the central directory record at `offset`, best effort (for the details of an error
 * yauzl raised before handing us the record): `undefined` when it cannot be read.
 */
async function peekName(source: ByteSource, offset: number): Promise<string | undefined> {
  try {
    const header = await source.read(offset, CENTRAL_HEADER_SIZE);
    if (header.length < CENTRAL_HEADER_SIZE) return undefined;
    const name = await source.read(offset + CENTRAL_HEADER_SIZE, header.readUInt16LE(28));
    return yauzl.getFileNameLowLevel(header.readUInt16LE(8), name, [], true);
  } catch {
    return undefined;
  }
}

/** The general purpose flags of the central directory record at `offset`, best effort (0 when it cannot be read). */
async function peekFlags(source: ByteSource, offset: number): Promise<number> {
  try {
    const header = await source.read(offset, CENTRAL_HEADER_SIZE);
    return header.length < CENTRAL_HEADER_SIZE || header.readUInt32LE(0) !== 0x02014b50 ? 0 : header.readUInt16LE(8);
  } catch {
    return 0;
  }
}

function checkRecord(entry: yauzl.Entry, centralOffset: number, limits: ArchiveLimits, archive: string): CentralEntry {
  const rawName = entry.fileNameRaw;
  const flags = entry.generalPurposeBitFlag;
  let decoded: string;
  try {
    decoded = yauzl.getFileNameLowLevel(flags, rawName, entry.extraFields, true);
  } catch (error) {
    throw toArchiveError(error, { archive, offset: centralOffset });
  }
  const context = { archive, entry: decoded, offset: centralOffset };
  const { segments, isDirectory } = validateEntryName(decoded, rawName, (flags & FLAG_UTF8) !== 0, context);

  if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS)) {
    throw archiveError('ERR_ARCHIVE_ENCRYPTED', 'the entry is encrypted', context, { flags });
  }
  const method = entry.compressionMethod;
  if (method !== 0 && method !== 8) {
    throw archiveError('ERR_ARCHIVE_UNSUPPORTED_METHOD', `compression method ${method} is not supported (only 0 STORED and 8 DEFLATE)`, context, { method });
  }
  const hasZip64Extra = entry.extraFields.some((field) => field.id === ZIP64_EXTRA_ID);
  if (!hasZip64Extra && (entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff || entry.relativeOffsetOfLocalHeader === 0xffffffff)) {
    throw archiveError('ERR_ARCHIVE_ZIP64_INVALID', 'a size or offset is 0xFFFFFFFF (see ZIP64) but the entry has no ZIP64 extended information field', context);
  }
  const sizes = [entry.compressedSize, entry.uncompressedSize, entry.relativeOffsetOfLocalHeader];
  if (sizes.some((value) => !Number.isSafeInteger(value))) {
    throw archiveError('ERR_ARCHIVE_ZIP64_INVALID', 'a ZIP64 size or offset exceeds 2^53', context);
  }

  const fileType = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (fileType !== 0 && fileType !== S_IFREG && !(fileType === S_IFDIR && isDirectory)) {
    const what = fileType === S_IFDIR ? 'directory without a trailing slash' : FILE_TYPES[fileType] ?? `file of type 0o${fileType.toString(8)}`;
    throw archiveError('ERR_ARCHIVE_SYMLINK', `the entry is a ${what}, not a regular file`, context, { mode: entry.externalFileAttributes >>> 16 });
  }
  if (isDirectory && entry.uncompressedSize !== 0) {
    throw archiveError('ERR_ARCHIVE_MALFORMED', `the directory entry declares ${entry.uncompressedSize} bytes of content`, context);
  }

  if (entry.uncompressedSize > limits.maxEntryBytes) {
    throw archiveError('ERR_ARCHIVE_LIMIT_EXCEEDED', `the entry declares ${entry.uncompressedSize} bytes, more than the limit of ${limits.maxEntryBytes}`, context, {
      limit: 'maxEntryBytes',
      value: entry.uncompressedSize,
      max: limits.maxEntryBytes,
    });
  }
  if (method === 8 && entry.uncompressedSize > limits.maxRatio * entry.compressedSize) {
    throw archiveError('ERR_ARCHIVE_LIMIT_EXCEEDED', `the entry declares ${entry.uncompressedSize} bytes from ${entry.compressedSize}, a ratio beyond the limit of ${limits.maxRatio}:1`, context, {
      limit: 'maxRatio',
      value: entry.compressedSize === 0 ? Number.POSITIVE_INFINITY : entry.uncompressedSize / entry.compressedSize,
      max: limits.maxRatio,
    });
  }

  return {
    name: decoded,
    segments,
    isDirectory,
    method,
    flags,
    crc32: entry.crc32,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    localHeaderOffset: entry.relativeOffsetOfLocalHeader,
    lastModified: entry.getLastModDate(),
    centralOffset,
    hasZip64Extra,
    yauzlEntry: entry,
  };
}
