import { fail } from '../../errors.js';
import { describeValue } from './_internals/describe-value.js';

/**
 * The largest accepted `bufferSize`: 1 GiB (2^30 bytes).
 *
 * Why a cap at all: the writer may hold up to `bufferSize` bytes (and a copy while it assembles a
 * chunk), so the value is a memory budget. Beyond a few MiB a larger buffer no longer speeds
 * anything up; 1 GiB leaves room for any real use, stays well under Node's `Buffer` limit and
 * Java's `int` (OrientDB's own bound), and turns a typo such as `1e12` into a clear
 * `ERR_INVALID_BUFFER_SIZE` before the database is locked rather than an allocation failure
 * halfway through a backup.
 */
export const MAX_BUFFER_SIZE = 1024 * 1024 * 1024;

/**
 * Checks a buffer size and returns it: an integer from 1 to {@link MAX_BUFFER_SIZE}.
 *
 * OrientDB treats `bufferSize <= 0` as "write unbuffered". Here 0 and negative values are refused
 * instead: an unbuffered ZIP writer would hand the output thousands of tiny writes (headers are
 * written field by field), and a caller who wants small writes can ask for `bufferSize: 1`
 * explicitly. Non-numbers (`"1024"`), fractions, `NaN` and infinities are refused too.
 *
 * Exported so that a backup can validate its arguments before it locks the database.
 *
 * @throws BackupConformanceError `ERR_INVALID_BUFFER_SIZE`, with `details.received`.
 */
export function validateBufferSize(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_BUFFER_SIZE) {
    const received = describeValue(value);
    throw fail('ERR_INVALID_BUFFER_SIZE', `bufferSize must be an integer from 1 to ${MAX_BUFFER_SIZE} (1 GiB), received ${received}`, {
      details: { received, max: MAX_BUFFER_SIZE },
    });
  }
  return value;
}
