/**
 * The `options` of a restore (`RESTORE-031`): `null`, `undefined` or a plain object with only
 * `upToIndex` and `limits`.
 *
 * @packageDocumentation
 */
import type { ArchiveLimits } from '../archive/read/limits.js';
import { fail } from '../errors.js';

/** The options a restore accepts. */
export interface RestoreOptions {
  /** For a directory of incremental files: apply the chain up to and including this index. */
  readonly upToIndex?: number;
  /** Overrides of the archive reader's default limits (`RESTORE-032`). */
  readonly limits?: Partial<ArchiveLimits>;
}

/** The option keys, in the order messages list them. */
export const RESTORE_OPTION_KEYS: readonly string[] = ['upToIndex', 'limits'];

/** The keys of `options.limits`; counts and byte sizes are integers, `maxRatio` any number of at least 1. */
const LIMIT_KEYS: readonly (keyof ArchiveLimits)[] = ['maxEntries', 'maxEntryBytes', 'maxTotalBytes', 'maxRatio'];

function invalid(message: string, option: string): never {
  throw fail('ERR_INVALID_OPTIONS', `restore: ${message}`, { details: { option } });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function validateLimits(limits: unknown): Partial<ArchiveLimits> {
  if (!isPlainObject(limits)) invalid(`options.limits must be an object of ${LIMIT_KEYS.join(', ')}, got ${describe(limits)}`, 'limits');
  const resolved: Partial<Record<keyof ArchiveLimits, number>> = {};
  for (const [key, value] of Object.entries(limits)) {
    if (!(LIMIT_KEYS as readonly string[]).includes(key)) {
      invalid(`unknown limit "${key}" in options.limits; known: ${LIMIT_KEYS.join(', ')}`, `limits.${key}`);
    }
    if (value === undefined) continue;
    const integral = key !== 'maxRatio';
    const valid =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value > 0 &&
      (integral ? Number.isSafeInteger(value) : value >= 1);
    if (!valid) {
      invalid(
        `options.limits.${key} must be ${integral ? 'a positive integer' : 'a finite number of at least 1'}, got ${describe(value)}`,
        `limits.${key}`,
      );
    }
    resolved[key as keyof ArchiveLimits] = value;
  }
  return resolved;
}

/**
 * Checks the options of a restore and returns them as an object; anything else than what
 * {@link RestoreOptions} describes is `ERR_INVALID_OPTIONS` (an unknown key, a non-object, an
 * `upToIndex` that is not a non-negative integer, a bad limit). Whether `upToIndex` fits the
 * source is checked once the source is known.
 */
export function validateRestoreOptions(options: unknown): RestoreOptions {
  if (options === null || options === undefined) return {};
  if (!isPlainObject(options)) invalid(`options must be null or an object with ${RESTORE_OPTION_KEYS.join(', ')}, got ${describe(options)}`, 'options');
  const result: { upToIndex?: number; limits?: Partial<ArchiveLimits> } = {};
  for (const [key, value] of Object.entries(options)) {
    if (!RESTORE_OPTION_KEYS.includes(key)) invalid(`unknown option "${key}"; known: ${RESTORE_OPTION_KEYS.join(', ')}`, key);
    if (value === undefined) continue;
    if (key === 'upToIndex') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        invalid(`options.upToIndex must be a non-negative integer, got ${describe(value)}`, key);
      }
      result.upToIndex = value;
    } else {
      result.limits = validateLimits(value);
    }
  }
  return result;
}
