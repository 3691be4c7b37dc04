import { dirname, resolve } from 'node:path';
import { BackupConformanceError, fail } from '../../errors.js';
import { nodeFileSystem, type FileHandle } from '../../fs/index.js';
import { describeValue } from './_internals/describe-value.js';
import { FileHandleWritable } from './_internals/file-handle-writable.js';
import { readWriteZipOptions } from './_internals/write-zip-settings.js';
import type { WriteZipToFileOptions, ZipSource, ZipWriteResult } from './types.js';
import { writeZipWithSettings } from './write-zip.js';
import { errnoOf } from './_internals/errno-of.js';
import { claimTemporary, releaseTemporary } from './stale-temporaries.js';

const FILE_SYSTEM_METHODS = ['open', 'rename', 'unlink', 'syncDir'] as const;

function outputFailed(what: string, path: string, cause: unknown): BackupConformanceError {
  const reason = cause instanceof Error ? cause.message : describeValue(cause);
  const errno = errnoOf(cause);
  return fail('ERR_OUTPUT_FAILED', `${what} ${path} failed: ${reason}`, { cause, details: { path, ...(errno === undefined ? {} : { errno }) } });
}

/**
 * Writes the archive of `sources` to the file `path`, atomically: it is written to a temporary
 * file beside the target (`.<name>.<pid>-<random>.tmp`, created exclusively with `fileMode`),
 * which is fsynced, closed and renamed over `path`, after which the directory is fsynced. All
 * disk access goes through `options.fs`.
 *
 * On any failure the temporary file is removed and nothing new is at `path`; a file already at
 * `path` is left untouched until the rename replaces it. (Should the directory fsync fail after
 * the rename, the new file is removed as well, so the failed call leaves no file at `path`.)
 * If the removal of the temporary file itself fails, or the process dies, a `.tmp` file may
 * remain; its name starts with a dot, names the writing process and ends in `.tmp`, so that
 * `removeStaleTemporaries` can find it once that process is gone.
 *
 * Besides the errors of {@link writeZip}: `ERR_INVALID_OUTPUT` when `path` is not a non-empty
 * string, and `ERR_OUTPUT_FAILED` for any failure of the disk: the temporary file cannot be
 * created (a missing directory, no permission), or writing, fsyncing, closing or renaming it
 * fails (the target is a directory, say); the errno is kept as the cause. To refuse a hopeless
 * path up front with `ERR_INVALID_OUTPUT`, call {@link validateOutputPath} first.
 *
 * @param path - the archive file to create or replace
 * @param sources - as for {@link writeZip}
 * @param options - those of {@link writeZip}, plus `fs` and `fileMode` (default `0o600`)
 */
export async function writeZipToFile(
  path: string,
  sources: Iterable<ZipSource> | AsyncIterable<ZipSource>,
  options: WriteZipToFileOptions,
): Promise<ZipWriteResult> {
  const settings = readWriteZipOptions(options, ['fs', 'fileMode']);
  const fs = options.fs ?? nodeFileSystem;
  if (typeof fs !== 'object' || fs === null || FILE_SYSTEM_METHODS.some((method) => typeof fs[method] !== 'function')) {
    throw fail('ERR_INVALID_OPTIONS', `fs must be a FileSystem, received ${describeValue(fs)}`);
  }
  const fileMode = options.fileMode ?? 0o600;
  if (typeof fileMode !== 'number' || !Number.isInteger(fileMode) || fileMode < 0 || fileMode > 0o777) {
    throw fail('ERR_INVALID_OPTIONS', `fileMode must be permission bits from 0 to 0o777, received ${describeValue(fileMode)}`);
  }
  if (typeof path !== 'string' || path.length === 0 || path.includes('\u0000')) {
    throw fail('ERR_INVALID_OUTPUT', `the output path must be a non-empty string, received ${describeValue(path)}`);
  }
  if (settings.signal?.aborted) throw fail('ERR_ABORTED', 'the archive write was aborted', { cause: settings.signal.reason });

  const target = resolve(path);
  const directory = dirname(target);
  const temporary = claimTemporary(target);
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(temporary, 'wx', fileMode);
  } catch (error) {
    releaseTemporary(temporary);
    throw outputFailed('creating a temporary file for', target, error);
  }

  let renamed = false;
  try {
    const result = await writeZipWithSettings(new FileHandleWritable(handle), sources, settings);
    await handle.sync().catch((error: unknown) => Promise.reject(outputFailed('fsync of the temporary file for', target, error)));
    const closing = handle;
    handle = undefined;
    await closing.close().catch((error: unknown) => Promise.reject(outputFailed('closing the temporary file for', target, error)));
    if (settings.signal?.aborted) throw fail('ERR_ABORTED', 'the archive write was aborted', { cause: settings.signal.reason });
    await fs.rename(temporary, target).catch((error: unknown) => Promise.reject(outputFailed('renaming the archive to', target, error)));
    renamed = true;
    await fs.syncDir(directory).catch((error: unknown) => Promise.reject(outputFailed('fsync of the directory of', target, error)));
    return result;
  } catch (error) {
    if (handle !== undefined) await handle.close().catch(() => {});
    await fs.unlink(renamed ? target : temporary).catch(() => {});
    throw error instanceof BackupConformanceError ? error : outputFailed('writing', target, error);
  } finally {
    releaseTemporary(temporary);
  }
}
