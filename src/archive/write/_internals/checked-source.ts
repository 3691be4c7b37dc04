import { fail } from '../../../errors.js';
import type { ZipSource, ZipSourceData } from '../types.js';
import { describeValue } from './describe-value.js';
import type { EntryNames } from './entry-names.js';

/** A {@link ZipSource} whose shape and name have been checked. */
export interface CheckedSource {
  readonly name: string;
  readonly size: number | undefined;
  readonly open: () => ZipSourceData;
}

/**
 * Checks one element of the source list (its position is `index`) and registers its name in
 * `names` (which refuses duplicates).
 *
 * @throws BackupConformanceError `ERR_INVALID_ARGUMENT`.
 */
export function checkSource(value: unknown, index: number, names: EntryNames): CheckedSource {
  if (typeof value !== 'object' || value === null) {
    throw fail('ERR_INVALID_ARGUMENT', `source #${index} must be an object { name, size?, open() }, received ${describeValue(value)}`, {
      details: { index },
    });
  }
  const source = value as Partial<Record<keyof ZipSource, unknown>>;
  const name = names.accept(source.name);
  const { size, open } = source;
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)) {
    throw fail('ERR_INVALID_ARGUMENT', `the size of source ${JSON.stringify(name)} must be a non-negative integer, received ${describeValue(size)}`, {
      details: { index, name },
    });
  }
  if (typeof open !== 'function') {
    throw fail('ERR_INVALID_ARGUMENT', `source ${JSON.stringify(name)} has no open() function`, { details: { index, name } });
  }
  return { name, size, open: () => (open as () => ZipSourceData).call(value) };
}
