import { fail } from '../../../errors.js';
import { validateBufferSize } from '../validate-buffer-size.js';
import { validateCompressionLevel } from '../validate-compression-level.js';
import type { WriteZipOptions, ZipEntryStats, ZipFinalEntry } from '../types.js';
import { describeValue } from './describe-value.js';
import { DEFLATE_BLOCK_SIZE, MAX_DEFLATE_CONCURRENCY, defaultDeflateConcurrency } from './tuning.js';

/** The default of {@link WriteZipOptions.stallTimeoutMs}. */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** `setTimeout` cannot wait longer than this (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

const ZIP_COMMENT_MAX_BYTES = 0xffff;
// The end-of-central-directory signature "PK\5\6": readers that scan backwards for it would take a
// comment holding it for the record itself.
const EOCD_SIGNATURE = 'PK\u0005\u0006';

const WRITE_ZIP_KEYS = [
  'compressionLevel',
  'bufferSize',
  'comment',
  'modifiedAt',
  'onEntryStart',
  'onEntry',
  'finalEntries',
  'stallTimeoutMs',
  'signal',
  'concurrency',
  'hashArchive',
] as const;

/** {@link WriteZipOptions} checked and completed with defaults. */
export interface WriteZipSettings {
  readonly compressionLevel: number;
  readonly bufferSize: number;
  readonly comment: string;
  readonly modifiedAt: Date;
  readonly onEntryStart: ((name: string) => void | Promise<void>) | undefined;
  readonly onEntry: ((stats: ZipEntryStats) => void | Promise<void>) | undefined;
  readonly finalEntries: ((written: readonly ZipEntryStats[]) => readonly ZipFinalEntry[] | Promise<readonly ZipFinalEntry[]>) | undefined;
  /** `Infinity` when the caller asked never to time out. */
  readonly stallTimeoutMs: number;
  readonly signal: AbortSignal | undefined;
  /** DEFLATE blocks compressed at once (levels 1 to 9). */
  readonly concurrency: number;
  /** Hash the whole archive as it is written. */
  readonly hashArchive: boolean;
  /** @internal bytes per DEFLATE block ({@link DEFLATE_BLOCK_SIZE}); tests make it small. */
  readonly deflateBlockSize: number;
  /** @internal write every ZIP64 structure even where nothing overflows; tests use it to cover ZIP64 without 4 GiB of data. */
  readonly forceZip64: boolean;
}

function invalid(what: string, value: unknown, expected: string): never {
  throw fail('ERR_INVALID_OPTIONS', `${what} must be ${expected}, received ${describeValue(value)}`, {
    details: { option: what, received: describeValue(value) },
  });
}

function optionalFunction<T>(name: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') invalid(name, value, 'a function');
  return value as T;
}

/**
 * Checks the options of `writeZip` (plus `extraKeys`, which the caller checks itself) and
 * fills in the defaults. Nothing is touched before this has passed.
 *
 * @throws BackupConformanceError `ERR_INVALID_COMPRESSION_LEVEL` or `ERR_INVALID_BUFFER_SIZE` for
 * those two options, `ERR_INVALID_OPTIONS` for anything else (not an object, an unknown key, a
 * value a key cannot have).
 */
export function readWriteZipOptions(options: unknown, extraKeys: readonly string[] = []): WriteZipSettings {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw fail('ERR_INVALID_OPTIONS', `options must be an object, received ${describeValue(options)}`);
  }
  const known = new Set<string>([...WRITE_ZIP_KEYS, ...extraKeys]);
  const unknown = Object.keys(options).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw fail('ERR_INVALID_OPTIONS', `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid options are ${[...known].join(', ')}`, {
      details: { unknown },
    });
  }
  const given = options as Partial<Record<keyof WriteZipOptions, unknown>>;
  const compressionLevel = validateCompressionLevel(given.compressionLevel);
  const bufferSize = validateBufferSize(given.bufferSize);

  const comment = given.comment ?? '';
  if (typeof comment !== 'string') invalid('comment', comment, 'a string');
  if (Buffer.byteLength(comment, 'utf8') > ZIP_COMMENT_MAX_BYTES) invalid('comment', comment, `at most ${ZIP_COMMENT_MAX_BYTES} UTF-8 bytes`);
  if (comment.includes(EOCD_SIGNATURE)) invalid('comment', comment, 'free of the end-of-central-directory signature "PK\\5\\6"');

  const modifiedAt = given.modifiedAt ?? new Date();
  if (!(modifiedAt instanceof Date) || Number.isNaN(modifiedAt.getTime())) invalid('modifiedAt', modifiedAt, 'a valid Date');

  const stall = given.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  if (typeof stall !== 'number' || !(stall === Number.POSITIVE_INFINITY || (Number.isInteger(stall) && stall >= 1 && stall <= MAX_TIMER_MS))) {
    invalid('stallTimeoutMs', stall, `an integer from 1 to ${MAX_TIMER_MS}, or Infinity`);
  }

  const signal = given.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) invalid('signal', signal, 'an AbortSignal');

  const concurrency = given.concurrency ?? defaultDeflateConcurrency();
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_DEFLATE_CONCURRENCY) {
    invalid('concurrency', concurrency, `an integer from 1 to ${MAX_DEFLATE_CONCURRENCY}`);
  }
  const hashArchive = given.hashArchive ?? false;
  if (typeof hashArchive !== 'boolean') invalid('hashArchive', hashArchive, 'a boolean');

  return {
    compressionLevel,
    bufferSize,
    comment,
    modifiedAt: new Date(modifiedAt.getTime()),
    onEntryStart: optionalFunction('onEntryStart', given.onEntryStart),
    onEntry: optionalFunction('onEntry', given.onEntry),
    finalEntries: optionalFunction('finalEntries', given.finalEntries),
    stallTimeoutMs: stall,
    signal,
    concurrency,
    hashArchive,
    deflateBlockSize: DEFLATE_BLOCK_SIZE,
    forceZip64: false,
  };
}
