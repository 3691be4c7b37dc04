/**
 * Rebuilds a database directory from a chain of incremental backup files, for the restore.
 * (Placeholder until the incremental module lands: it refuses with ERR_NOT_SUPPORTED.)
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import type { FileSystem } from '../fs/index.js';

/** Options of {@link stageChain}. */
export interface StageChainOptions {
  /** Apply the chain only up to and including this index (point in time). */
  readonly upToIndex?: number;
  /** The file system to read and write through. */
  readonly fs: FileSystem;
  /** Receives a progress message per file applied. */
  readonly listener?: (message: string) => void;
}

/** What {@link stageChain} staged. */
export interface StagedChain {
  /** The LSN the staged database is at. */
  readonly lsn: number;
  /** The instance id the chain belongs to. */
  readonly instanceId: string;
  /** The database name recorded in the chain. */
  readonly databaseName: string;
  /** The chain files applied, in order (names without directory). */
  readonly applied: readonly string[];
}

/**
 * Validates the chain in `dir` (every check of spec/incremental.md, with its code, before writing
 * anything) and writes the database files it describes into the empty directory `stagingDir`.
 */
export async function stageChain(dir: string, stagingDir: string, options: StageChainOptions): Promise<StagedChain> {
  void dir;
  void stagingDir;
  void options;
  throw fail('ERR_NOT_SUPPORTED', 'Restoring incremental chains is not implemented yet');
}
