/**
 * Rebuilding a database directory from a chain of incremental backup files, for the restore.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { type ArchiveLimits, resolveArchiveLimits } from '../archive/read/index.js';
import { WAL_FILE } from '../engine/constants.js';
import { encodeWalHeader } from '../engine/wal-format.js';
import { asCodedError, fail, messageOf } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { applyChainFile } from './apply-chain-file.js';
import { chainError } from './chain-problem.js';
import { evaluateChain } from './evaluate-chain.js';
import { requireChainDirectory } from './list-chain-files.js';
import { readChain } from './read-chain.js';

/** Options of {@link stageChain}. */
export interface StageChainOptions {
  /** Apply the chain only up to and including this index (point in time). */
  readonly upToIndex?: number;
  /** The file system to read and write through. */
  readonly fs: FileSystem;
  /** Receives a progress message per file applied. */
  readonly listener?: (message: string) => void;
  /** Limits every chain file is read with (see `openArchive`); the safe reader's defaults otherwise. */
  readonly limits?: Partial<ArchiveLimits>;
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

const OPTION_KEYS = ['upToIndex', 'fs', 'listener', 'limits'];

function checkOptions(options: StageChainOptions): void {
  if (typeof options !== 'object' || options === null) throw fail('ERR_INVALID_ARGUMENT', 'stageChain: options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw fail('ERR_INVALID_ARGUMENT', `stageChain: unknown option "${key}"`);
  }
  const { upToIndex, fs, listener, limits } = options;
  if (upToIndex !== undefined && (typeof upToIndex !== 'number' || !Number.isSafeInteger(upToIndex) || upToIndex < 0)) {
    throw fail('ERR_INVALID_OPTIONS', `upToIndex must be a non-negative integer, got ${JSON.stringify(upToIndex) ?? String(upToIndex)}`, {
      details: { option: 'upToIndex' },
    });
  }
  if (typeof fs !== 'object' || fs === null || typeof fs.open !== 'function') throw fail('ERR_INVALID_ARGUMENT', 'stageChain: options.fs must be a FileSystem');
  if (listener !== undefined && typeof listener !== 'function') throw fail('ERR_INVALID_ARGUMENT', 'stageChain: options.listener must be a function');
  if (limits !== undefined) {
    try {
      resolveArchiveLimits(limits);
    } catch (error) {
      throw fail('ERR_INVALID_OPTIONS', messageOf(error), { cause: error, details: { option: 'limits' } });
    }
  }
}

async function prepareStagingDirectory(fs: FileSystem, stagingDir: string): Promise<void> {
  try {
    await fs.mkdir(stagingDir, { recursive: true });
  } catch (error) {
    throw asCodedError(error, 'ERR_IO', `Creating the staging directory '${stagingDir}' failed: ${messageOf(error)}`);
  }
  let entries;
  try {
    entries = await fs.readdir(stagingDir);
  } catch (error) {
    throw asCodedError(error, 'ERR_IO', `Listing the staging directory '${stagingDir}' failed: ${messageOf(error)}`);
  }
  if (entries.length > 0) {
    throw fail('ERR_INVALID_ARGUMENT', `stageChain: the staging directory '${stagingDir}' is not empty`, { details: { stagingDir } });
  }
}

/**
 * Validates the chain in `dir` and writes the database files it describes into `stagingDir`
 * (created when missing; it must be empty).
 *
 * Every check of spec/incremental.md runs before anything is written, in the order INCR-024
 * fixes: `ERR_BACKUP_DIR_NOT_FOUND` (no such directory), `ERR_CHAIN_EMPTY` (no `.ibu` file), then
 * the checks of `evaluateChain` (`ERR_CHAIN_CORRUPT`, `ERR_CHAIN_VERSION`, `ERR_INVALID_OPTIONS`
 * for an `upToIndex` above the highest index, `ERR_CHAIN_FOREIGN_DATABASE`,
 * `ERR_CHAIN_DUPLICATE_INDEX`, `ERR_CHAIN_GAP`, `ERR_CHAIN_BROKEN_LINK`); each error's message and
 * `details` name the file (or the index no file has) and the directory. Every file of the chain
 * (up to `upToIndex`) is read in full: each entry's CRC-32, size and SHA-256, each page's own
 * checksum, and the whole file's hash for the link of the next one. An `upToIndex` that is not a
 * non-negative integer is `ERR_INVALID_OPTIONS` before anything is read.
 *
 * Then the files are applied in index order (`applyChainFile`), the log is written empty with the
 * last file's LSN as its checkpoint, and every file and the staging directory are fsynced. The
 * staged directory is the database as of the last file applied, with the chain's instance id and
 * name in its metadata: giving it a fresh identity is the restore's job. On a failure after
 * validation (the disk, a file changed meanwhile) the staging directory may hold partial files;
 * the caller removes it. A `listener` that throws fails the call with `ERR_LISTENER_FAILED`.
 */
export async function stageChain(dir: string, stagingDir: string, options: StageChainOptions): Promise<StagedChain> {
  checkOptions(options);
  if (typeof dir !== 'string' || dir === '') throw fail('ERR_BACKUP_DIR_NOT_FOUND', 'The backup directory must be a non-empty path');
  if (typeof stagingDir !== 'string' || stagingDir === '') throw fail('ERR_INVALID_ARGUMENT', 'stageChain: stagingDir must be a non-empty path');
  const { fs, upToIndex, listener, limits } = options;
  const read = { fs, limits };
  await requireChainDirectory(fs, dir);
  const files = await readChain(dir, { ...read, content: 'all', upToIndex });
  if (files.length === 0) {
    throw fail('ERR_CHAIN_EMPTY', `The backup directory '${dir}' holds no incremental backup file (*.ibu)`, { details: { directory: dir } });
  }
  const evaluation = evaluateChain(files, { checkLinks: true, upToIndex });
  if (evaluation.problem !== undefined) throw chainError(evaluation.problem, dir);
  const chain = evaluation.selected;
  const last = chain[chain.length - 1]!.manifest!;

  await prepareStagingDirectory(fs, stagingDir);
  const applied: string[] = [];
  for (const facts of chain) {
    const result = await applyChainFile(facts, stagingDir, read);
    applied.push(facts.name);
    if (listener !== undefined) {
      try {
        listener(`Applied '${facts.name}' (index ${facts.manifest!.index}, LSN ${facts.manifest!.lsn}): ${result.pages} pages${result.metadata ? ' and the metadata' : ''}`);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw fail('ERR_LISTENER_FAILED', `The listener threw: ${reason}`, { cause: error });
      }
    }
  }
  try {
    const handle = await fs.open(join(stagingDir, WAL_FILE), 'w');
    try {
      const header = encodeWalHeader(last.lsn);
      await handle.write(header, 0, header.length, 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.syncDir(stagingDir);
  } catch (error) {
    throw asCodedError(error, 'ERR_IO', `Writing the staged log failed: ${messageOf(error)}`);
  }
  return { lsn: last.lsn, instanceId: last.instanceId, databaseName: last.databaseName, applied };
}
