import { createHash, type Hash } from 'node:crypto';
import { BackupConformanceError, fail } from '../../errors.js';
import { BufferedOutput } from './_internals/buffered-output.js';
import { checkSource, type CheckedSource } from './_internals/checked-source.js';
import { describeValue } from './_internals/describe-value.js';
import { type EntryEncoder, ParallelDeflateEncoder, StoredEncoder } from './_internals/entry-encoders.js';
import { EntryNames } from './_internals/entry-names.js';
import { FileHandleWritable } from './_internals/file-handle-writable.js';
import { type MeteredSource, ReaderBuffers, meterSource } from './_internals/metered-source.js';
import { sourceFailure } from './_internals/source-failure.js';
import { READER_CHUNK_BYTES, SOURCE_CLOSE_GRACE_MS } from './_internals/tuning.js';
import { readWriteZipOptions, type WriteZipSettings } from './_internals/write-zip-settings.js';
import { type WrittenEntry, ZIP64_LIMIT, centralFileHeader, dataDescriptor, dosDateTime, endRecords, localFileHeader } from './_internals/zip-records.js';
import type { WriteZipOptions, ZipEntryStats, ZipFinalEntry, ZipSource, ZipWriteResult } from './types.js';
import { validateOutput } from './validate-output.js';

type SourceList = Iterable<ZipSource> | AsyncIterable<ZipSource>;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : describeValue(error);
}

function abortedError(signal: AbortSignal): BackupConformanceError {
  return fail('ERR_ABORTED', 'the archive write was aborted', { cause: signal.reason });
}

function iteratorOf(sources: unknown): AsyncIterator<unknown> | Iterator<unknown> {
  if (typeof sources === 'object' && sources !== null) {
    const asyncFactory = (sources as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
    if (typeof asyncFactory === 'function') return (asyncFactory as () => AsyncIterator<unknown>).call(sources);
    const factory = (sources as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (typeof factory === 'function') return (factory as () => Iterator<unknown>).call(sources);
  }
  throw fail('ERR_INVALID_ARGUMENT', `sources must be an iterable or async iterable of { name, size?, open() }, received ${describeValue(sources)}`);
}

/**
 * Streams a ZIP archive of `sources` into `out`, with everything around it made dependable:
 *
 * - **Arguments** are checked before anything is touched: the options (`compressionLevel`:
 *   `ERR_INVALID_COMPRESSION_LEVEL`; `bufferSize`: `ERR_INVALID_BUFFER_SIZE`; not an object, an
 *   unknown key or any other bad value: `ERR_INVALID_OPTIONS`), the output (`ERR_INVALID_OUTPUT`)
 *   and, when `sources` is an array, every source and name (`ERR_INVALID_ARGUMENT`). Sources that
 *   come from an iterator are checked as they come, before they are opened.
 * - **Entries**: level 0 writes STORED entries (method 0), levels 1 to 9 DEFLATE (method 8). Every
 *   entry gets the same mtime (`modifiedAt`) and the mode of a regular file 0644 (Unix). Sources
 *   are opened one at a time, in order, and read once; their size, CRC-32 and SHA-256 are measured
 *   on the way ({@link ZipEntryStats}). A source must not reuse a chunk's memory after yielding
 *   it (the writer notices, and fails with `ERR_SOURCE_CHANGED`, when the bytes archived differ
 *   from the bytes it measured).
 * - **Every core**: levels 1 to 9 compress each entry in blocks of 1 MiB, several at once on
 *   libuv's thread pool, and join the blocks into one standard DEFLATE stream (pigz's method:
 *   each block primed with the 32 KiB before it, sync-flushed; see `ParallelDeflateEncoder`).
 *   `concurrency` sets how many blocks are in flight; the archive's bytes do not depend on it.
 * - **The container** is written here (`zip-records.ts`, after APPNOTE), not by archiver: archiver
 *   (through compress-commons) compresses every entry itself, with one zlib stream per entry, and
 *   has no way to take data that is already compressed, so it cannot use the blocks compressed in
 *   parallel. The records are few because every entry is written the same way: streamed with a
 *   data descriptor, UTF-8 name, Unix mode, ZIP64 only where a field overflows (an entry declared
 *   or found to be 4 GiB or more, offsets beyond 4 GiB, 65 535 entries or more).
 * - **Interoperability**: the result is a standard ZIP (unzip, Python's zipfile and Java's `ZipFile`
 *   read it at every level). Entries are streamed, so their CRC and sizes follow the data in a data
 *   descriptor; Java's streaming `ZipInputStream` (which OrientDB's own restore uses) refuses a
 *   STORED entry with a data descriptor, so level-0 archives are not readable that way (levels 1
 *   to 9 are).
 * - **Output**: `out` receives chunks of exactly `bufferSize` bytes, the last one smaller, and no
 *   `write()` follows one that returned false until `'drain'`. On success `out` is ended and the
 *   promise resolves only once it has finished (and closed, for a stream that closes: an
 *   `fs.WriteStream`'s descriptor is released by then). The memory held is about `bufferSize`
 *   plus `concurrency + 1` blocks of 1 MiB and their compressed output, whatever the sizes.
 *
 * Failures reject with a coded error, and leave nothing running: the current source stream is
 * destroyed and `out` destroyed (without an error argument, so no `'error'` reaches a caller
 * that has no listener) — what `out` received is not an archive and must be discarded. Blocks
 * still being compressed finish on their own and are dropped. The codes:
 * - `ERR_OUTPUT_FAILED`: `out` emitted `'error'`, a write callback failed, `out` closed early, or it
 *   accepted no data for `stallTimeoutMs` (the cause is kept);
 * - `ERR_SOURCE_CHANGED`: a source vanished (`ENOENT` from `open()` or its stream), delivered a
 *   different number of bytes than its declared `size`, or reused a chunk's memory;
 * - `ERR_IO`: any other failure of a source or of the source list (the cause and its errno are
 *   kept; a caller may wrap it with the file's context); a coded error thrown by a source passes
 *   through unchanged;
 * - `ERR_INVALID_ARGUMENT`: a bad source, name or chunk type met on the way, or bad final entries;
 * - `ERR_LISTENER_FAILED`: `onEntryStart`, `onEntry` or `finalEntries` threw or rejected (the
 *   write is aborted rather than the failure ignored: a caller who reports progress expects every
 *   report to be made);
 * - `ERR_ABORTED`: `signal` was aborted.
 *
 * @param out - where the archive goes: any writable stream
 * @param sources - the entries, in order: an array, an iterable or an async iterable
 * @param options - see {@link WriteZipOptions}; `compressionLevel` and `bufferSize` are required
 * @returns the archive size and the stats of every entry
 */
export async function writeZip(out: NodeJS.WritableStream, sources: SourceList, options: WriteZipOptions): Promise<ZipWriteResult> {
  return writeZipWithSettings(out, sources, readWriteZipOptions(options));
}

/**
 * {@link writeZip} with options already checked (used by `writeZipToFile`, which checks its own
 * options first, and by tests that change the internal settings).
 *
 * @internal
 */
export async function writeZipWithSettings(out: NodeJS.WritableStream, sources: SourceList, settings: WriteZipSettings): Promise<ZipWriteResult> {
  const output = validateOutput(out);
  const iterator = iteratorOf(sources);
  if (Array.isArray(sources)) {
    const names = new EntryNames();
    sources.forEach((source: unknown, index) => checkSource(source, index, names));
  }
  if (settings.signal?.aborted) throw abortedError(settings.signal);
  return new ZipWriter(output, settings).run(iterator);
}

/** One archive being written. */
class ZipWriter {
  private readonly output: BufferedOutput;
  private readonly names = new EntryNames();
  private readonly entries: ZipEntryStats[] = [];
  private readonly written: WrittenEntry[] = [];
  private readonly dos: { readonly time: number; readonly date: number };
  private readonly failed: Promise<never>;
  private rejectFailed!: (error: BackupConformanceError) => void;
  private failure: BackupConformanceError | undefined;
  private current: { readonly name: string; readonly metered: MeteredSource } | undefined;
  /** Bytes of the archive emitted so far: the offset of the next record. */
  private offset = 0;
  /** The whole archive's hash, with `hashArchive`. */
  private readonly archiveHash: Hash | undefined;
  /** The buffers reader sources fill, shared by the entries (one source is read at a time). */
  private readonly readerBuffers = new ReaderBuffers(READER_CHUNK_BYTES);
  private succeeded = false;

  private readonly onAbort = (): void => {
    this.fail(abortedError(this.settings.signal!));
  };

  /** Hands a piece of the archive to the output, in order. */
  private readonly emit = async (piece: Buffer): Promise<void> => {
    this.offset += piece.length;
    this.archiveHash?.update(piece);
    await this.race(this.output.write(piece));
  };

  constructor(
    out: NodeJS.WritableStream,
    private readonly settings: WriteZipSettings,
  ) {
    this.failed = new Promise<never>((_resolve, reject) => {
      this.rejectFailed = reject;
    });
    this.failed.catch(() => {});
    this.dos = dosDateTime(settings.modifiedAt);
    this.archiveHash = settings.hashArchive ? createHash('sha256') : undefined;
    // Our file writer keeps nothing once a write's callback ran: its buffers can be reused.
    this.output = new BufferedOutput(out, settings.bufferSize, settings.stallTimeoutMs, (error) => this.fail(error), out instanceof FileHandleWritable);
    settings.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  async run(sources: AsyncIterator<unknown> | Iterator<unknown>): Promise<ZipWriteResult> {
    try {
      await this.addSources(sources);
      await this.addFinalEntries();
      await this.writeCentralDirectory();
      await this.race(this.output.end());
      if (this.failure !== undefined) throw this.failure;
      this.succeeded = true;
      return { bytes: this.output.bytesWritten, entries: this.entries, ...(this.archiveHash === undefined ? {} : { sha256: this.archiveHash.digest('hex') }) };
    } catch (error) {
      const failure = this.fail(error instanceof BackupConformanceError ? error : sourceFailure(error, this.current?.name));
      await this.sourceClosed();
      throw failure;
    } finally {
      this.settings.signal?.removeEventListener('abort', this.onAbort);
    }
  }

  private async addSources(sources: AsyncIterator<unknown> | Iterator<unknown>): Promise<void> {
    let exhausted = false;
    try {
      for (let index = 0; ; index++) {
        let step: IteratorResult<unknown>;
        try {
          step = await this.race(Promise.resolve().then(() => sources.next()));
        } catch (error) {
          throw sourceFailure(error, undefined);
        }
        if (step.done === true) {
          exhausted = true;
          return;
        }
        await this.addEntry(checkSource(step.value, index, this.names));
      }
    } finally {
      if (!exhausted && typeof sources.return === 'function') {
        try {
          Promise.resolve(sources.return()).catch(() => {});
        } catch {
          // The list's own clean-up failed: nothing more to do for it.
        }
      }
    }
  }

  private async addFinalEntries(): Promise<void> {
    const hook = this.settings.finalEntries;
    if (hook === undefined) return;
    const produced = await this.callListener('finalEntries', () => hook(this.entries.slice()));
    if (!Array.isArray(produced)) {
      throw fail('ERR_INVALID_ARGUMENT', `finalEntries must return an array of { name, data }, returned ${describeValue(produced)}`);
    }
    for (const [index, entry] of (produced as unknown[]).entries()) {
      const { name, data } = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<ZipFinalEntry>;
      if (!(data instanceof Uint8Array)) {
        throw fail('ERR_INVALID_ARGUMENT', `final entry #${index} must be { name, data: Uint8Array }`, { details: { index } });
      }
      await this.addEntry(checkSource({ name, size: data.length, open: () => data }, this.entries.length, this.names));
    }
  }

  /** Writes one entry: local header, data, data descriptor; then reports it. */
  private async addEntry(source: CheckedSource): Promise<void> {
    const { name } = source;
    const started = performance.now();
    await this.callListener('onEntryStart', () => this.settings.onEntryStart?.(name));
    let metered: MeteredSource;
    try {
      metered = meterSource(name, source.size, source.open(), this.readerBuffers, (error) => void this.fail(sourceFailure(error, name)));
    } catch (error) {
      throw sourceFailure(error, name);
    }
    this.current = { name, metered };

    const nameBytes = Buffer.from(name, 'utf8');
    const method = this.settings.compressionLevel === 0 ? 0 : 8;
    const zip64Local = this.settings.forceZip64 || (source.size !== undefined && source.size >= ZIP64_LIMIT);
    const localHeaderOffset = this.offset;
    await this.emit(localFileHeader({ name: nameBytes, method, ...this.dos, zip64: zip64Local }));
    const encoder: EntryEncoder =
      method === 0
        ? new StoredEncoder(this.emit)
        : new ParallelDeflateEncoder(
            { level: this.settings.compressionLevel, blockSize: this.settings.deflateBlockSize, concurrency: this.settings.concurrency },
            this.emit,
          );
    for (;;) {
      let chunk: Uint8Array | undefined;
      try {
        chunk = await this.race(metered.next());
      } catch (error) {
        throw error instanceof BackupConformanceError ? error : sourceFailure(error, name);
      }
      if (chunk === undefined) break;
      await this.race(encoder.push(chunk));
    }
    const encoded = await this.race(encoder.end());
    this.current = undefined;

    const measured = metered.result;
    if (encoded.size !== measured.size || encoded.crc32 !== measured.crc32) {
      throw fail('ERR_SOURCE_CHANGED', `the bytes archived for ${JSON.stringify(name)} differ from the bytes read (did the source reuse a chunk's memory?)`, {
        details: { entry: name, measuredCrc32: measured.crc32, archivedCrc32: encoded.crc32 },
      });
    }
    const entry: WrittenEntry = {
      name: nameBytes,
      method,
      ...this.dos,
      crc32: measured.crc32,
      compressedSize: encoded.compressedSize,
      size: measured.size,
      localHeaderOffset,
      zip64Local,
    };
    await this.emit(dataDescriptor(entry));
    this.written.push(entry);
    const stats: ZipEntryStats = {
      name,
      size: measured.size,
      compressedSize: encoded.compressedSize,
      crc32: measured.crc32,
      sha256: measured.sha256,
      ratio: measured.size === 0 ? 0 : (1 - encoded.compressedSize / measured.size) * 100,
      elapsedMs: performance.now() - started,
      method,
    };
    this.entries.push(stats);
    await this.callListener('onEntry', () => this.settings.onEntry?.(stats));
  }

  /** The central directory and the end records, with the comment. */
  private async writeCentralDirectory(): Promise<void> {
    const directoryOffset = this.offset;
    for (const entry of this.written) await this.emit(centralFileHeader(entry, this.settings.forceZip64));
    const directorySize = this.offset - directoryOffset;
    const comment = Buffer.from(this.settings.comment, 'utf8');
    await this.emit(endRecords(this.written.length, directoryOffset, directorySize, comment, this.settings.forceZip64));
  }

  /** Calls a caller's function, awaiting a returned promise; its failure aborts the write. */
  private async callListener<T>(which: string, call: () => T | PromiseLike<T>): Promise<T> {
    try {
      const result = call();
      return isThenable(result) ? await this.race(Promise.resolve(result)) : result;
    } catch (error) {
      if (error === this.failure) throw error;
      throw fail('ERR_LISTENER_FAILED', `${which} failed: ${messageOf(error)}`, { cause: error, details: { listener: which } });
    }
  }

  /** `promise`, or the write's failure if that comes first. */
  private race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failed]);
  }

  /**
   * Records the first failure and stops everything; later failures are consequences and are
   * dropped, and so is anything reported after success (the finished output is not touched).
   */
  private fail(error: BackupConformanceError): BackupConformanceError {
    if (this.succeeded) return error;
    if (this.failure !== undefined) return this.failure;
    this.failure = error;
    this.rejectFailed(error);
    this.current?.metered.destroy();
    this.output.abort(error);
    return error;
  }

  /** Resolves once the current source has closed (its clean-up has run), or after a grace period. */
  private async sourceClosed(): Promise<void> {
    const metered = this.current?.metered;
    if (metered === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      metered.closed(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SOURCE_CLOSE_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
  }
}
