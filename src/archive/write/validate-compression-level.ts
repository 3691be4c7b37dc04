import { fail } from '../../errors.js';
import { describeValue } from './_internals/describe-value.js';

/**
 * Checks a compression level and returns it: an integer from 0 (STORED, no compression) to 9
 * (best DEFLATE). The value must already be a number: `"5"`, `5n`, `NaN`, `2.5`, `-1` and `10` are
 * refused, because a level that reaches zlib out of range crashes the process instead of failing.
 * `-0` is returned as `0`.
 *
 * Exported so that a backup can validate its arguments before it locks the database.
 *
 * @throws BackupConformanceError `ERR_INVALID_COMPRESSION_LEVEL`, with `details.received`.
 */
export function validateCompressionLevel(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 9) {
    const received = describeValue(value);
    throw fail('ERR_INVALID_COMPRESSION_LEVEL', `compressionLevel must be an integer from 0 to 9, received ${received}`, {
      details: { received },
    });
  }
  return value === 0 ? 0 : value;
}
