/**
 * Options of `Database.create` / `Database.open`, their defaults and their checks.
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import { type FileSystem, nodeFileSystem } from '../fs/index.js';
import { PAGE_SIZE } from './constants.js';
import { DEFAULT_SCRYPT_COST, validateScryptCost } from './passwords.js';

/**
 * When an operation counts as acknowledged.
 * - `'sync'` (default): an operation resolves only after the write-ahead log holding it was
 *   fsynced. Operations running at the same time share one fsync (group commit).
 * - `'batch'`: an operation resolves once applied in memory; the log is fsynced in the
 *   background every `batchFlushMs` or whenever `batchFlushBytes` of changed pages are waiting,
 *   and on `flush()` and `close()`. Operations are acknowledged (survive a crash) once a later
 *   `flush()` resolves. For bulk loads.
 */
export type Durability = 'sync' | 'batch';

/** Options of the engine. The storage-wide ones apply when a session opens the storage first. */
export interface EngineOptions {
  /** The file system to use for `plocal:` databases (default: the real disk). */
  readonly fs?: FileSystem;
  /** Durability of this session's operations (default `'sync'`). */
  readonly durability?: Durability;
  /** Storage-wide: bytes of pages the cache keeps (default 32 MiB, at least 8 pages). */
  readonly pageCacheBytes?: number;
  /** Storage-wide: the log size that triggers a checkpoint (default 64 MiB). */
  readonly walCheckpointBytes?: number;
  /** Storage-wide: in batch durability, the longest time changes wait for the log (default 50 ms). */
  readonly batchFlushMs?: number;
  /** Storage-wide: in batch durability, changed page bytes that start a log flush (default 4 MiB). */
  readonly batchFlushBytes?: number;
  /** Storage-wide: old page bytes a snapshot keeps in memory before spilling to a temporary file (default 16 MiB). */
  readonly snapshotMemoryBytes?: number;
  /** scrypt cost N for new password hashes (default 16384); lower it only in tests. */
  readonly scryptCost?: number;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly fs: FileSystem;
  readonly durability: Durability;
  readonly cachePages: number;
  readonly walCheckpointBytes: number;
  readonly batchFlushMs: number;
  readonly batchFlushBytes: number;
  readonly snapshotMemoryBytes: number;
  readonly scryptCost: number;
}

/** The defaults. */
export const DEFAULT_OPTIONS = {
  durability: 'sync',
  pageCacheBytes: 32 * 1024 * 1024,
  walCheckpointBytes: 64 * 1024 * 1024,
  batchFlushMs: 50,
  batchFlushBytes: 4 * 1024 * 1024,
  snapshotMemoryBytes: 16 * 1024 * 1024,
  scryptCost: DEFAULT_SCRYPT_COST,
} as const;

const KNOWN_KEYS = new Set([
  'fs',
  'durability',
  'pageCacheBytes',
  'walCheckpointBytes',
  'batchFlushMs',
  'batchFlushBytes',
  'snapshotMemoryBytes',
  'scryptCost',
  'user',
  'password',
]);

function positiveInteger(options: Record<string, unknown>, key: string, fallback: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw fail('ERR_INVALID_ARGUMENT', `Option ${key} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Checks options and fills in the defaults; unknown keys and wrong types are `ERR_INVALID_ARGUMENT`. */
export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) throw fail('ERR_INVALID_ARGUMENT', 'Engine options must be an object');
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN_KEYS.has(key)) throw fail('ERR_INVALID_ARGUMENT', `Unknown engine option '${key}'`);
  }
  const durability = given.durability ?? DEFAULT_OPTIONS.durability;
  if (durability !== 'sync' && durability !== 'batch') {
    throw fail('ERR_INVALID_ARGUMENT', `Option durability must be 'sync' or 'batch', got ${String(durability)}`);
  }
  const fs = (given.fs ?? nodeFileSystem) as FileSystem;
  if (typeof fs !== 'object' || typeof fs.open !== 'function') throw fail('ERR_INVALID_ARGUMENT', 'Option fs must be a FileSystem');
  return {
    fs,
    durability,
    cachePages: Math.max(8, Math.floor(positiveInteger(given, 'pageCacheBytes', DEFAULT_OPTIONS.pageCacheBytes) / PAGE_SIZE)),
    walCheckpointBytes: positiveInteger(given, 'walCheckpointBytes', DEFAULT_OPTIONS.walCheckpointBytes),
    batchFlushMs: positiveInteger(given, 'batchFlushMs', DEFAULT_OPTIONS.batchFlushMs),
    batchFlushBytes: positiveInteger(given, 'batchFlushBytes', DEFAULT_OPTIONS.batchFlushBytes),
    snapshotMemoryBytes: positiveInteger(given, 'snapshotMemoryBytes', DEFAULT_OPTIONS.snapshotMemoryBytes),
    scryptCost: given.scryptCost === undefined ? DEFAULT_OPTIONS.scryptCost : validateScryptCost(given.scryptCost),
  };
}
