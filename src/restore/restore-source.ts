/**
 * Where a restore reads from: an archive file, a directory of incremental backup files, or a
 * readable stream (which is spooled to the staging directory first: the archive reader needs
 * random access to check the central directory before reading any entry).
 *
 * @packageDocumentation
 */
import { sep } from 'node:path';
import { BackupConformanceError, errnoOf, fail } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { ioError } from './staging.js';

/** A byte stream a restore can read: a Node `Readable` or any async iterable of chunks. */
export type RestoreStream = NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

/** A restore's source, resolved. */
export type RestoreSource =
  | { readonly kind: 'archive'; readonly path: string }
  | { readonly kind: 'directory'; readonly path: string }
  | { readonly kind: 'stream'; readonly stream: RestoreStream; readonly guard: StreamGuard };

/** True for a Node stream or an async iterable. */
export function isRestoreStream(value: unknown): value is RestoreStream {
  if (typeof value !== 'object' || value === null) return false;
  return typeof (value as { pipe?: unknown }).pipe === 'function' || typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/**
 * Listens for `'error'` on a stream from the moment the restore receives it, so that a stream
 * failing before it is read (a file stream on a missing path) neither crashes the process with
 * an unhandled `'error'` nor goes unnoticed. The listener stays: a stream a refused restore never
 * read may still fail afterwards, and that must not crash the process either.
 */
export class StreamGuard {
  /** The first error the stream emitted. */
  error: unknown;
  private readonly onError = (error: unknown): void => {
    this.error ??= error;
  };

  constructor(stream: RestoreStream) {
    const emitter = stream as { on?: (event: string, listener: (error: unknown) => void) => unknown };
    if (typeof emitter.on === 'function') emitter.on('error', this.onError);
  }
}

/** A coded error for a failing input stream: `ERR_ARCHIVE_NOT_FOUND` for ENOENT (a stream on a missing path), else `ERR_IO`. */
export function streamError(error: unknown): BackupConformanceError {
  if (error instanceof BackupConformanceError) return error;
  const errno = errnoOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (errno === 'ENOENT') return fail('ERR_ARCHIVE_NOT_FOUND', `The archive stream has nothing to read: ${message}`, { cause: error, details: { errno } });
  return fail('ERR_IO', `Reading the archive stream failed: ${message}`, { cause: error, details: errno === undefined ? {} : { errno } });
}

/**
 * Resolves `input` (a path or a stream). A path ending with a separator names a directory of
 * incremental files: missing, or not a directory, is `ERR_BACKUP_DIR_NOT_FOUND`. Any other path
 * is an archive when it is a file and a chain directory when it is a directory; a missing path is
 * `ERR_ARCHIVE_NOT_FOUND`. Anything else is `ERR_INVALID_ARGUMENT`. A stream keeps `guard` when
 * one was attached earlier.
 */
export async function resolveRestoreSource(fs: FileSystem, input: unknown, guard?: StreamGuard): Promise<RestoreSource> {
  if (isRestoreStream(input)) return { kind: 'stream', stream: input, guard: guard ?? new StreamGuard(input) };
  if (typeof input !== 'string' || input === '' || input.includes('\0')) {
    throw fail('ERR_INVALID_ARGUMENT', 'restore: the input must be a path (an archive or a directory of incremental backups) or a readable stream');
  }
  const wantsDirectory = input.endsWith(sep) || input.endsWith('/');
  let stat;
  try {
    stat = await fs.stat(input);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (wantsDirectory) throw fail('ERR_BACKUP_DIR_NOT_FOUND', `The backup directory '${input}' does not exist`, { details: { path: input } });
      throw fail('ERR_ARCHIVE_NOT_FOUND', `The archive '${input}' does not exist`, { details: { path: input } });
    }
    throw ioError(error, 'Checking', input);
  }
  if (stat.isDirectory) return { kind: 'directory', path: input };
  if (wantsDirectory) throw fail('ERR_BACKUP_DIR_NOT_FOUND', `'${input}' is not a directory`, { details: { path: input } });
  return { kind: 'archive', path: input };
}

/**
 * Copies a stream to `path` (created exclusively) through `fs`; resolves the bytes written.
 * The stream's errors become {@link streamError}s, the disk's `ERR_IO`.
 */
export async function spoolStream(fs: FileSystem, source: { stream: RestoreStream; guard: StreamGuard }, path: string): Promise<number> {
  if (source.guard.error !== undefined) throw streamError(source.guard.error);
  let handle;
  try {
    handle = await fs.open(path, 'wx', 0o600);
  } catch (error) {
    throw ioError(error, 'Creating', path);
  }
  let written = 0;
  try {
    const iterable = source.stream as AsyncIterable<unknown>;
    try {
      for await (const chunk of iterable) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk instanceof Uint8Array ? chunk : undefined;
        if (bytes === undefined) throw fail('ERR_INVALID_ARGUMENT', 'restore: the input stream yielded something other than bytes');
        let done = 0;
        while (done < bytes.length) {
          let count: number;
          try {
            count = await handle.write(bytes, done, bytes.length - done, written + done);
          } catch (error) {
            throw ioError(error, 'Writing', path);
          }
          done += count;
        }
        written += bytes.length;
      }
    } catch (error) {
      throw streamError(error);
    }
    if (source.guard.error !== undefined) throw streamError(source.guard.error);
  } finally {
    await handle.close().catch(() => undefined);
  }
  return written;
}
