import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { fail } from '../../errors.js';
import { type FileSystem, nodeFileSystem } from '../../fs/index.js';
import { archiveError, toArchiveError } from './archive-error.js';
import { type ByteSource, bufferByteSource, openFileByteSource } from './byte-source.js';
import { type CentralEntry, openYauzl, readCentralDirectory } from './central-directory.js';
import { readEndRecord } from './end-record.js';
import { verifiedEntryData } from './entry-data.js';
import { type ArchiveLimits, resolveArchiveLimits } from './limits.js';
import { checkLocalHeaders, type EntryLayout } from './local-headers.js';
import { checkOptions } from './options.js';
import { ByteSourceReader } from './yauzl-reader.js';

/** One entry of a checked archive, as its central directory describes it. */
export interface ArchiveEntryInfo {
  /** The entry's path inside the archive, `/`-separated; directories end with `/`. */
  readonly name: string;
  /** True for a directory entry (no content). */
  readonly isDirectory: boolean;
  /** 0 STORED or 8 DEFLATE: the only methods accepted. */
  readonly method: 0 | 8;
  /** Bytes of (compressed) data in the archive, as declared (ZIP64 resolved). */
  readonly compressedSize: number;
  /** Bytes the entry holds, as declared; reading yields exactly this many or fails. */
  readonly uncompressedSize: number;
  /** The declared CRC-32 of the uncompressed bytes (checked when the entry is read). */
  readonly crc32: number;
  /** Modification time (extended timestamp fields first, else the DOS time read as local time). */
  readonly lastModified: Date;
  /** Offset of the entry's local file header. */
  readonly localHeaderOffset: number;
  /** Offset of the entry's first byte of (compressed) data. */
  readonly dataOffset: number;
}

/** The checked table of contents of an archive. */
export interface ArchiveIndex {
  /** Every entry, in central directory order. */
  readonly entries: readonly ArchiveEntryInfo[];
  /** The archive comment (UTF-8 when it is valid UTF-8, else CP437). */
  readonly comment: string;
  /** The archive's size in bytes. */
  readonly size: number;
}

/** Options of {@link openArchive}. */
export interface OpenArchiveOptions {
  /** Where the archive file is read from; defaults to the real disk. */
  readonly fs?: FileSystem;
  /** Overrides of {@link DEFAULT_ARCHIVE_LIMITS}. */
  readonly limits?: Partial<ArchiveLimits>;
}

/** An archive whose central directory and local headers passed every check of {@link openArchive}. */
export interface SafeArchive {
  /** The checked entries. */
  readonly index: ArchiveIndex;
  /**
   * The uncompressed bytes of entry `name`, verified while read: never more than the declared
   * size; at the end, a short entry, a DEFLATE stream that does not fill the entry exactly or a
   * wrong CRC-32 fails the iteration with its coded error (so a consumer must not trust bytes
   * until the iteration has completed). Unknown names fail with `ERR_INVALID_ARGUMENT`; reading
   * a closed archive with `ERR_ARCHIVE_CLOSED`.
   */
  readEntry(name: string): AsyncIterable<Buffer>;
  /** Stops reads in progress (they fail with `ERR_ARCHIVE_CLOSED`) and releases the file. Idempotent. */
  close(): Promise<void>;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeComment(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    // yauzl's CP437 decoder is exposed only through its name decoder; with no flags and no extra
    // fields it is exactly CP437.
    return yauzl.getFileNameLowLevel(0, raw, [], true);
  }
}

class CheckedArchive implements SafeArchive {
  private closed = false;
  private readonly active = new Set<Readable>();
  private readonly byName: ReadonlyMap<string, ArchiveEntryInfo>;

  constructor(
    readonly index: ArchiveIndex,
    private readonly zipfile: yauzl.ZipFile,
    private readonly source: ByteSource,
  ) {
    this.byName = new Map(index.entries.map((entry) => [entry.name, entry]));
  }

  readEntry(name: string): AsyncIterable<Buffer> {
    return this.read(name);
  }

  private async *read(name: string): AsyncGenerator<Buffer, void, undefined> {
    const context = { archive: this.source.label, entry: name };
    if (this.closed) throw archiveError('ERR_ARCHIVE_CLOSED', 'the archive is closed', context);
    const entry = this.byName.get(name);
    if (entry === undefined) {
      throw fail('ERR_INVALID_ARGUMENT', `readEntry: the archive has no entry ${JSON.stringify(name)}`, { details: { archive: this.source.label, entry: name } });
    }
    yield* verifiedEntryData(
      this.zipfile,
      { method: entry.method, dataOffset: entry.dataOffset, compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize, crc32: entry.crc32 },
      { ...context, offset: entry.dataOffset },
      this.active,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.active) {
      stream.destroy(archiveError('ERR_ARCHIVE_CLOSED', 'the archive was closed while the entry was read', { archive: this.source.label }));
    }
    this.zipfile.close();
    await this.source.close();
  }
}

function toInfo(entry: CentralEntry, layout: EntryLayout): ArchiveEntryInfo {
  return Object.freeze({
    name: entry.name,
    isDirectory: entry.isDirectory,
    method: entry.method,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    crc32: entry.crc32,
    lastModified: entry.lastModified,
    localHeaderOffset: entry.localHeaderOffset,
    dataOffset: layout.dataOffset,
  });
}

/**
 * Opens a ZIP archive (a path read through `options.fs`, or bytes) and validates all of its
 * structure before returning, so that nothing is extracted from an archive that is hostile or
 * damaged in any way its headers can show:
 *
 * 1. the end records ({@link readEndRecord}): empty file, not a ZIP, truncation, trailing bytes,
 *    multi-disk, ZIP64 records, the entry limit;
 * 2. every central directory record ({@link readCentralDirectory}): names (traversal, absolute,
 *    backslash, control characters...), encryption, methods, ZIP64 sentinels, symbolic links and
 *    other non-regular files, size, total and ratio limits, duplicate and colliding names;
 * 3. every local header ({@link checkLocalHeaders}): overlapping entries, agreement with the
 *    central directory, data descriptors;
 * 4. at least one file entry (an archive of directories only is `ERR_ARCHIVE_EMPTY`).
 *
 * What only the data can show (CRC-32, the real inflated size, a corrupt DEFLATE stream) is
 * checked by {@link SafeArchive.readEntry} while reading. Every failure is a
 * `BackupConformanceError` whose `details` name the archive, the entry and the offset.
 */
export async function openArchive(source: string | Uint8Array, options?: OpenArchiveOptions): Promise<SafeArchive> {
  const { fs = nodeFileSystem, limits: partialLimits } = checkOptions(options, ['fs', 'limits'], 'openArchive');
  const limits = resolveArchiveLimits(partialLimits);
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) {
    throw fail('ERR_INVALID_ARGUMENT', 'openArchive: the source must be a path or a Uint8Array');
  }
  const bytes = typeof source === 'string' ? await openFileByteSource(fs, source) : bufferByteSource(source);
  const archive = bytes.label;
  let zipfile: yauzl.ZipFile | undefined;
  try {
    const end = await readEndRecord(bytes, limits);
    zipfile = await openYauzl(new ByteSourceReader(bytes), bytes);
    const central = await readCentralDirectory(zipfile, bytes, end, limits, archive);
    const layouts = await checkLocalHeaders(zipfile, bytes, central, end);
    if (!central.some((entry) => !entry.isDirectory)) {
      throw archiveError('ERR_ARCHIVE_EMPTY', central.length === 0 ? 'the archive has no entries' : 'the archive holds only directories, no file', { archive });
    }
    const index: ArchiveIndex = Object.freeze({
      entries: Object.freeze(central.map((entry, i) => toInfo(entry, layouts[i]!))),
      comment: decodeComment(end.comment),
      size: bytes.size,
    });
    return new CheckedArchive(index, zipfile, bytes);
  } catch (error) {
    zipfile?.close();
    await bytes.close().catch(() => undefined);
    throw toArchiveError(error, { archive });
  }
}
