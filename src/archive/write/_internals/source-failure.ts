import { BackupConformanceError, fail } from '../../../errors.js';
import { errnoOf } from './errno-of.js';

/**
 * Turns a failure of a source (its `open()`, its stream or iterator, or the list of sources
 * itself) into a coded error:
 * - a coded error (e.g. `ERR_CORRUPT_PAGE` from a page reader) passes through unchanged;
 * - `ENOENT` means the file vanished while the archive was being written: `ERR_SOURCE_CHANGED`
 *   (OrientDB issue #8245: a WAL segment removed mid-backup);
 * - anything else is `ERR_IO`, the original kept as `cause` and its errno in `details.errno`.
 */
export function sourceFailure(error: unknown, entry: string | undefined): BackupConformanceError {
  if (error instanceof BackupConformanceError) return error;
  const errno = errnoOf(error);
  const what = entry === undefined ? 'the list of sources' : `source ${JSON.stringify(entry)}`;
  const reason = error instanceof Error ? error.message : String(error);
  const details = { ...(entry === undefined ? {} : { entry }), ...(errno === undefined ? {} : { errno }) };
  if (errno === 'ENOENT') {
    return fail('ERR_SOURCE_CHANGED', `${what} vanished while the archive was being written (${reason})`, { cause: error, details });
  }
  return fail('ERR_IO', `reading ${what} failed: ${reason}`, { cause: error, details });
}
