/**
 * The arguments of `db.backup(...)`, read and checked before the database is locked.
 *
 * Two call forms exist, told apart by the number of arguments:
 * - **the manual's form**, any call with three or more arguments:
 *   `backup(out, options, callable, listener, compressionLevel, bufferSize)`, where `null` and
 *   `undefined` mean "omitted" and `options` may hold only `mode` and `stallTimeoutMs`;
 * - **the idiomatic form**, any call with one or two arguments: `backup(out, { compressionLevel,
 *   bufferSize, onLocked, onMessage, mode, stallTimeoutMs })`.
 * Both read the same for `backup(out)` and `backup(out, { mode, stallTimeoutMs })`. Counting the
 * arguments keeps the manual's form strict: `backup(out, { compressionLevel: 5 }, null, null)` is
 * refused (`compressionLevel` is a parameter there, not an option), as spec/backup.md BACKUP-049
 * demands, while `backup(out, { compressionLevel: 5 })` is the idiomatic call it looks like.
 *
 * @packageDocumentation
 */
import { relative, resolve, isAbsolute, sep } from 'node:path';
import { validateBufferSize, validateCompressionLevel, validateOutput, validateOutputPath } from '../archive/write/index.js';
import { fail } from '../errors.js';
import type { FileSystem } from '../fs/index.js';

/** The level used when `compressionLevel` is omitted: the console's and the manual's default. */
export const DEFAULT_COMPRESSION_LEVEL = 9;

/** The buffer size used when `bufferSize` is omitted: "1MB", read as 1 MiB. */
export const DEFAULT_BUFFER_SIZE = 1_048_576;

/** How long the output may accept nothing before the backup fails, when `stallTimeoutMs` is omitted. */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** `setTimeout` cannot wait longer than 2^31 - 1 ms. */
const MAX_STALL_TIMEOUT_MS = 2 ** 31 - 1;

/** The option keys of the manual's form. */
const MANUAL_OPTION_KEYS: readonly string[] = ['mode', 'stallTimeoutMs'];

/** The option keys of the idiomatic form. */
const IDIOMATIC_OPTION_KEYS: readonly string[] = ['compressionLevel', 'bufferSize', 'onLocked', 'onMessage', ...MANUAL_OPTION_KEYS];

/** How the database is held while it is copied. */
export type BackupMode = 'freeze' | 'snapshot';

/** Where the archive goes. */
export type BackupTarget =
  | { readonly kind: 'path'; readonly path: string }
  | { readonly kind: 'stream'; readonly stream: NodeJS.WritableStream };

/** A backup call, checked, with every default filled in. */
export interface BackupRequest {
  readonly target: BackupTarget;
  readonly mode: BackupMode;
  readonly stallTimeoutMs: number;
  /** Runs once while the database is locked (the manual's `callable`, the idiomatic `onLocked`). */
  readonly callable: (() => unknown) | undefined;
  /** Receives the progress messages (the manual's `listener`, the idiomatic `onMessage`). */
  readonly listener: ((message: string) => unknown) | undefined;
  readonly compressionLevel: number;
  readonly bufferSize: number;
}

/** What the checks need to know about the database. */
export interface BackupRequestContext {
  /** The database directory (a target inside it is refused). */
  readonly directory: string;
  /** The file system the target is checked (and later written) through. */
  readonly fs: FileSystem;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return value.constructor === Object ? 'an object' : `a ${value.constructor?.name ?? 'null-prototype'} object`;
  return String(value);
}

function isOmitted(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function invalidOption(message: string, details: Record<string, unknown> = {}): never {
  throw fail('ERR_INVALID_OPTIONS', message, { details });
}

async function readTarget(out: unknown, context: BackupRequestContext): Promise<BackupTarget> {
  if (isOmitted(out)) throw fail('ERR_INVALID_OUTPUT', 'Backup output is null');
  if (typeof out === 'string') {
    if (out.length > 0 && !out.includes('\u0000')) {
      const target = resolve(out);
      const fromDatabase = relative(resolve(context.directory), target);
      // '' (the directory itself) counts as inside.
      if (!isAbsolute(fromDatabase) && fromDatabase !== '..' && !fromDatabase.startsWith(`..${sep}`)) {
        throw fail('ERR_BACKUP_TARGET_INSIDE_DATABASE', `The backup target ${target} lies inside the database directory ${context.directory}`, {
          details: { path: target, directory: context.directory },
        });
      }
    }
    return { kind: 'path', path: await validateOutputPath(out, context.fs) };
  }
  if (typeof out === 'object') return { kind: 'stream', stream: validateOutput(out) };
  throw fail('ERR_INVALID_OUTPUT', `The backup output must be a writable stream or a file path, received ${describe(out)}`);
}

function readOptions(options: unknown, keys: readonly string[]): Record<string, unknown> {
  if (isOmitted(options)) return {};
  if (!isPlainObject(options)) invalidOption(`Backup options must be null or a plain object, received ${describe(options)}`);
  const unknown = Object.keys(options).filter((key) => !keys.includes(key));
  if (unknown.length > 0) {
    invalidOption(`Unknown backup option${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => JSON.stringify(key)).join(', ')}; the options are ${keys.join(', ')}`, {
      unknown,
    });
  }
  return options;
}

function readMode(value: unknown): BackupMode {
  if (isOmitted(value)) return 'freeze';
  if (value === 'freeze' || value === 'snapshot') return value;
  return invalidOption(`The backup option mode must be "freeze" or "snapshot", received ${describe(value)}`, { option: 'mode' });
}

function readStallTimeout(value: unknown): number {
  if (isOmitted(value)) return DEFAULT_STALL_TIMEOUT_MS;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_STALL_TIMEOUT_MS) return value;
  return invalidOption(`The backup option stallTimeoutMs must be an integer from 1 to ${MAX_STALL_TIMEOUT_MS}, received ${describe(value)}`, {
    option: 'stallTimeoutMs',
  });
}

function readFunction<T>(value: unknown, what: string, code: 'ERR_INVALID_ARGUMENT' | 'ERR_INVALID_OPTIONS'): T | undefined {
  if (isOmitted(value)) return undefined;
  if (typeof value === 'function') return value as T;
  throw fail(code, `The backup ${what} must be a function or null, received ${describe(value)}`, { details: { argument: what } });
}

/**
 * Reads the arguments of a backup call in either form and checks them in the parameter order:
 * `out` (`ERR_INVALID_OUTPUT`, `ERR_BACKUP_TARGET_INSIDE_DATABASE`), `options`
 * (`ERR_INVALID_OPTIONS`), the callable and the listener (`ERR_INVALID_ARGUMENT` in the manual's
 * form, `ERR_INVALID_OPTIONS` as idiomatic options), `compressionLevel`
 * (`ERR_INVALID_COMPRESSION_LEVEL`) and `bufferSize` (`ERR_INVALID_BUFFER_SIZE`). Writes nothing.
 *
 * A path target is refused when it lies inside the database directory (lexically, after
 * resolving `.` and `..`), when its directory does not exist, or when it names a directory.
 */
export async function readBackupRequest(args: readonly unknown[], context: BackupRequestContext): Promise<BackupRequest> {
  const idiomatic = args.length <= 2;
  const [out, rawOptions, rawCallable, rawListener, rawLevel, rawBufferSize] = args;
  const target = await readTarget(out, context);
  const options = readOptions(rawOptions, idiomatic ? IDIOMATIC_OPTION_KEYS : MANUAL_OPTION_KEYS);
  const mode = readMode(options.mode);
  const stallTimeoutMs = readStallTimeout(options.stallTimeoutMs);
  const callable = idiomatic
    ? readFunction<() => unknown>(options.onLocked, 'option onLocked', 'ERR_INVALID_OPTIONS')
    : readFunction<() => unknown>(rawCallable, 'callable', 'ERR_INVALID_ARGUMENT');
  const listener = idiomatic
    ? readFunction<(message: string) => unknown>(options.onMessage, 'option onMessage', 'ERR_INVALID_OPTIONS')
    : readFunction<(message: string) => unknown>(rawListener, 'listener', 'ERR_INVALID_ARGUMENT');
  const level = idiomatic ? options.compressionLevel : rawLevel;
  const bufferSize = idiomatic ? options.bufferSize : rawBufferSize;
  return {
    target,
    mode,
    stallTimeoutMs,
    callable,
    listener,
    compressionLevel: isOmitted(level) ? DEFAULT_COMPRESSION_LEVEL : validateCompressionLevel(level),
    bufferSize: isOmitted(bufferSize) ? DEFAULT_BUFFER_SIZE : validateBufferSize(bufferSize),
  };
}
