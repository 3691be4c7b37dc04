import { fail } from '../../errors.js';

/**
 * Bounds on what an archive may declare. They are checked against the central directory before
 * anything is extracted, so an archive that merely *claims* too much is refused without reading
 * its data; what is then read is held to the declared sizes (see `openArchive`).
 */
export interface ArchiveLimits {
  /** Most entries (files and directories) an archive may hold. */
  readonly maxEntries: number;
  /** Largest uncompressed size one entry may declare, in bytes. */
  readonly maxEntryBytes: number;
  /** Largest sum of the uncompressed sizes of all entries, in bytes. */
  readonly maxTotalBytes: number;
  /** Largest uncompressed / compressed size ratio a DEFLATE entry may declare. */
  readonly maxRatio: number;
}

/**
 * The limits used when a caller gives none.
 *
 * - `maxEntries` 20 000: a database directory holds a few files per cluster and index, so this
 *   leaves room for hundreds of classes while keeping the in-memory index small (names are at
 *   most 1 KiB, so the index stays in the tens of MiB even for a hostile directory).
 * - `maxRatio` 1040: DEFLATE cannot do better than 1032:1 (a 258-byte match costs at least one
 *   bit of length code and one bit of distance code), so a larger declared ratio is a lie.
 * - `maxEntryBytes` = `maxTotalBytes` = 1 TiB: beyond any database the reference engine makes,
 *   small enough that 64-bit ZIP64 lies are refused. Because entries may not overlap and each
 *   is held to its declared size, an archive can never write more than `maxRatio` times its own
 *   size anyway; a restore that knows its free disk space should pass it as `maxTotalBytes`.
 */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  maxEntries: 20_000,
  maxEntryBytes: 2 ** 40,
  maxTotalBytes: 2 ** 40,
  maxRatio: 1040,
});

const LIMIT_KEYS = Object.keys(DEFAULT_ARCHIVE_LIMITS) as (keyof ArchiveLimits)[];

/**
 * Completes `partial` with {@link DEFAULT_ARCHIVE_LIMITS}. Each given value must be a positive
 * number (`Infinity` switches a limit off; counts and byte sizes must otherwise be integers);
 * anything else, or an unknown key, fails with `ERR_INVALID_ARGUMENT`.
 */
export function resolveArchiveLimits(partial: Partial<ArchiveLimits> | undefined): ArchiveLimits {
  if (partial === undefined) return DEFAULT_ARCHIVE_LIMITS;
  if (partial === null || typeof partial !== 'object') {
    throw fail('ERR_INVALID_ARGUMENT', 'archive limits must be an object', { details: { limits: String(partial) } });
  }
  const resolved: Record<keyof ArchiveLimits, number> = { ...DEFAULT_ARCHIVE_LIMITS };
  for (const [key, value] of Object.entries(partial)) {
    if (!(LIMIT_KEYS as string[]).includes(key)) {
      throw fail('ERR_INVALID_ARGUMENT', `unknown archive limit "${key}"; known: ${LIMIT_KEYS.join(', ')}`, {
        details: { limit: key },
      });
    }
    if (value === undefined) continue;
    const integral = key !== 'maxRatio';
    const valid =
      typeof value === 'number' &&
      value > 0 &&
      (value === Number.POSITIVE_INFINITY || (integral ? Number.isSafeInteger(value) : Number.isFinite(value))) &&
      (key !== 'maxRatio' || value >= 1);
    if (!valid) {
      throw fail('ERR_INVALID_ARGUMENT', `archive limit ${key} must be a positive ${integral ? 'integer' : 'number (>= 1)'} or Infinity, got ${String(value)}`, {
        details: { limit: key, value: String(value) },
      });
    }
    resolved[key as keyof ArchiveLimits] = value as number;
  }
  return Object.freeze(resolved);
}
