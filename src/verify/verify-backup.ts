/**
 * Verify: check an archive or an incremental chain without restoring it (spec/verify.md). Needs
 * no database: it reads only the path it is given.
 *
 * @packageDocumentation
 */
import type { ArchiveLimits } from '../archive/read/limits.js';
import { asCodedError, errnoOf, fail } from '../errors.js';
import { type FileSystem, nodeFileSystem } from '../fs/index.js';
import { verifyChain } from '../incremental/verify-chain.js';
import { verifyArchive } from './verify-archive.js';
import { invalidResult, type VerifyResult } from './verify-result.js';

export type { VerifyResult } from './verify-result.js';

/** Options of {@link verifyBackup}. */
export interface VerifyBackupOptions {
  /** Where the archive or chain is read from (default: the real disk). */
  readonly fs?: FileSystem;
  /** Archive limits, as for a restore. */
  readonly limits?: Partial<ArchiveLimits>;
}

/**
 * Checks the archive or incremental directory at `path`: a directory goes to `verifyChain`, a
 * file to {@link verifyArchive}; a missing path is reported invalid with
 * `ERR_ARCHIVE_NOT_FOUND` (`VERIFY-006`). Resolves a report and never rejects for bad input;
 * only a `path` that is not a non-empty string rejects (`ERR_INVALID_ARGUMENT`).
 */
export async function verifyBackup(path: string, options: VerifyBackupOptions = {}): Promise<VerifyResult> {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw fail('ERR_INVALID_ARGUMENT', 'verifyBackup: the path must be a non-empty string');
  }
  const fs = options.fs ?? nodeFileSystem;
  let isDirectory: boolean;
  try {
    isDirectory = (await fs.stat(path)).isDirectory;
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') {
      return invalidResult(fail('ERR_ARCHIVE_NOT_FOUND', `'${path}' does not exist`, { details: { path } }), []);
    }
    return invalidResult(asCodedError(error, 'ERR_IO'), []);
  }
  if (!isDirectory) return verifyArchive(path, options);
  try {
    return await verifyChain(path, { fs, ...(options.limits === undefined ? {} : { limits: options.limits }) });
  } catch (error) {
    return invalidResult(asCodedError(error, 'ERR_IO'), []);
  }
}
