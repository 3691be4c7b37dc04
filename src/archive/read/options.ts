import { fail } from '../../errors.js';

/**
 * Checks that `options` is undefined or a plain object with only `allowed` keys; fails with
 * `ERR_INVALID_OPTIONS` naming `fn` otherwise. Returns the options as an object.
 */
export function checkOptions<T extends object>(options: T | undefined, allowed: readonly string[], fn: string): Partial<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw fail('ERR_INVALID_OPTIONS', `${fn}: options must be an object`, { details: { function: fn } });
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw fail('ERR_INVALID_OPTIONS', `${fn}: unknown option "${key}"; known: ${allowed.join(', ')}`, { details: { function: fn, option: key } });
    }
  }
  return options;
}
