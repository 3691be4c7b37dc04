import { ZipArchive } from 'archiver';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { BackupConformanceError, fail } from '../../errors.js';
import { archivedEntry } from './_internals/archived-entry.js';
import { BufferedOutput } from './_internals/buffered-output.js';
import { checkSource, type CheckedSource } from './_internals/checked-source.js';
import { describeValue } from './_internals/describe-value.js';
import { EntryNames } from './_internals/entry-names.js';
import { MeteredSource } from './_internals/metered-source.js';
import { useNativeCrc32InArchiver } from './_internals/native-crc32.js';
import { sourceFailure } from './_internals/source-failure.js';
import { ARCHIVER_HIGH_WATER_MARK, SOURCE_CLOSE_GRACE_MS, ZLIB_CHUNK_SIZE } from './_internals/tuning.js';
import { readWriteZipOptions, type WriteZipSettings } from './_internals/write-zip-settings.js';
import type { WriteZipOptions, ZipEntryStats, ZipFinalEntry, ZipSource, ZipWriteResult } from './types.js';
import { validateOutput } from './validate-output.js';

/** Regular file, rw-r--r--: restores never meet a symlink or an executable. */
const ENTRY_MODE = 0o644;

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
 * Streams a ZIP archive of `sources` into `out`, with archiver 8 doing the ZIP encoding and
 * everything around it made dependable:
 *
 * - **Arguments** are checked before anything is touched: the options (`compressionLevel`:
 *   `ERR_INVALID_COMPRESSION_LEVEL`; `bufferSize`: `ERR_INVALID_BUFFER_SIZE`; not an object, an
 *   unknown key or any other bad value: `ERR_INVALID_OPTIONS`), the output (`ERR_INVALID_OUTPUT`)
 *   and, when `sources` is an array, every source and name (`ERR_INVALID_ARGUMENT`). Sources that
 *   come from an iterator are checked as they come, before they are opened.
 * - **Entries**: level 0 writes STORED entries (method 0), levels 1 to 9 DEFLATE (method 8). Every
 *   entry gets the same mtime (`modifiedAt`) and the mode of a regular file 0644 (Unix). Sources
 *   are opened one at a time, in order, and read once; their size, CRC-32 and SHA-256 are measured
 *   on the way ({@link ZipEntryStats}). Chunks are passed on without copying, so a source must not
 *   reuse a chunk's memory after yielding it (the writer notices, and fails with
 *   `ERR_SOURCE_CHANGED`, when the bytes archived differ from the bytes it measured).
 * - **Interoperability**: the result is a standard ZIP (unzip, Python's zipfile and Java's `ZipFile`
 *   read it at every level). Entries are streamed, so their CRC and sizes follow the data in a data
 *   descriptor; Java's streaming `ZipInputStream` (which OrientDB's own restore uses) refuses a
 *   STORED entry with a data descriptor, so level-0 archives are not readable that way (levels 1
 *   to 9 are).
 * - **Output**: `out` receives chunks of exactly `bufferSize` bytes, the last one smaller, and no
 *   `write()` follows one that returned false until `'drain'`. On success `out` is ended and the
 *   promise resolves only once it has finished (and closed, for a stream that closes: an
 *   `fs.WriteStream`'s descriptor is released by then).
 *
 * Failures reject with a coded error, and leave nothing running: the archiver is aborted, the
 * current source stream destroyed, and `out` destroyed (without an error argument, so no
 * `'error'` reaches a caller that has no listener) — what `out` received is not an archive and
 * must be discarded. The codes:
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
 * Side effect: the first call makes archiver's CRC-32 use zlib's native code (see
 * `useNativeCrc32InArchiver`; same results, three times faster).
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
 * options first).
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
  private readonly archive: ZipArchive;
  private readonly output: BufferedOutput;
  private readonly names = new EntryNames();
  private readonly entries: ZipEntryStats[] = [];
  private readonly failed: Promise<never>;
  private rejectFailed!: (error: BackupConformanceError) => void;
  private failure: BackupConformanceError | undefined;
  private current: { readonly name: string; readonly metered: MeteredSource } | undefined;
  private finalizing = false;
  private succeeded = false;

  private readonly onAbort = (): void => {
    this.fail(abortedError(this.settings.signal!));
  };

  constructor(
    out: NodeJS.WritableStream,
    private readonly settings: WriteZipSettings,
  ) {
    this.failed = new Promise<never>((_resolve, reject) => {
      this.rejectFailed = reject;
    });
    this.failed.catch(() => {});
    useNativeCrc32InArchiver();
    this.output = new BufferedOutput(out, settings.bufferSize, settings.stallTimeoutMs, (error) => this.fail(error));
    this.archive = new ZipArchive({
      comment: settings.comment,
      highWaterMark: ARCHIVER_HIGH_WATER_MARK,
      zlib: { level: settings.compressionLevel, chunkSize: ZLIB_CHUNK_SIZE },
    });
    // archiver reports a missing file only as a warning and drops the entry: treat it as the
    // failure it is. Its errors (an entry or zlib failing) fail the write.
    this.archive.on('warning', (warning) => this.fail(sourceFailure(warning, this.current?.name)));
    this.archive.on('error', (error) => this.fail(fail('ERR_OUTPUT_FAILED', `archiver failed: ${messageOf(error)}`, { cause: error })));
    settings.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  async run(sources: AsyncIterator<unknown> | Iterator<unknown>): Promise<ZipWriteResult> {
    const pumping = this.pump();
    pumping.catch(() => {});
    try {
      await this.addSources(sources);
      await this.addFinalEntries();
      this.finalizing = true;
      // Completion is observed through the pump (the output finishing); finalize()'s own promise
      // resolves before the output is flushed, and its failures also arrive as 'error'.
      this.archive.finalize().catch(() => {});
      await this.race(pumping);
      this.succeeded = true;
      return { bytes: this.output.bytesWritten, entries: this.entries };
    } catch (error) {
      const failure = this.fail(error instanceof BackupConformanceError ? error : sourceFailure(error, this.current?.name));
      await pumping.catch(() => {});
      await this.sourceClosed();
      throw failure;
    } finally {
      this.settings.signal?.removeEventListener('abort', this.onAbort);
    }
  }

  /** Moves the archive from archiver to the output, then ends the output. */
  private async pump(): Promise<void> {
    try {
      for await (const chunk of this.archive as AsyncIterable<Buffer>) await this.output.write(chunk);
    } catch (error) {
      throw this.fail(error instanceof BackupConformanceError ? error : fail('ERR_OUTPUT_FAILED', `archiver failed: ${messageOf(error)}`, { cause: error }));
    }
    if (this.failure !== undefined) throw this.failure;
    if (!this.finalizing) throw this.fail(fail('ERR_OUTPUT_FAILED', 'archiver ended before the archive was finalized'));
    await this.output.end();
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

  private async addEntry(source: CheckedSource): Promise<void> {
    const { name } = source;
    const started = performance.now();
    await this.callListener('onEntryStart', () => this.settings.onEntryStart?.(name));
    let metered: MeteredSource;
    try {
      metered = new MeteredSource(name, source.size, source.open());
    } catch (error) {
      throw sourceFailure(error, name);
    }
    this.current = { name, metered };
    const onSourceError = (error: unknown): void => void this.fail(sourceFailure(error, name));
    metered.input.on('error', onSourceError);
    metered.stream.on('error', onSourceError);
    const archived = once(this.archive, 'entry');
    archived.catch(() => {});
    this.archive.append(metered.stream as unknown as Readable, { name, date: this.settings.modifiedAt, mode: ENTRY_MODE });
    await this.race(archived);
    this.current = undefined;

    const measured = metered.result;
    const record = archivedEntry(this.archive, this.entries.length);
    if (record.size !== measured.size || record.crc32 !== measured.crc32) {
      throw fail('ERR_SOURCE_CHANGED', `the bytes archived for ${JSON.stringify(name)} differ from the bytes read (did the source reuse a chunk's memory?)`, {
        details: { entry: name, measuredCrc32: measured.crc32, archivedCrc32: record.crc32 },
      });
    }
    const stats: ZipEntryStats = {
      name,
      size: measured.size,
      compressedSize: record.compressedSize,
      crc32: measured.crc32,
      sha256: measured.sha256,
      ratio: measured.size === 0 ? 0 : (1 - record.compressedSize / measured.size) * 100,
      elapsedMs: performance.now() - started,
      method: record.method === 0 ? 0 : 8,
    };
    this.entries.push(stats);
    await this.callListener('onEntry', () => this.settings.onEntry?.(stats));
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
    this.archive.abort();
    this.archive.destroy();
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
