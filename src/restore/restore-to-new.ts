/**
 * Restore into a new database directory: `restoreToNewDatabase(source, url, options)`. The same
 * staging and checks as a restore into an open database (`restore-into.ts`), then one atomic
 * rename of the staged directory to the target: a database appears at the URL complete or not
 * at all.
 *
 * @packageDocumentation
 */
import { basename, dirname, join } from 'node:path';
import { asCodedError, BackupConformanceError, errnoOf, fail } from '../errors.js';
import { type FileSystem, nodeFileSystem } from '../fs/index.js';
import { METADATA_FILE } from '../engine/constants.js';
import { parseDatabaseUrl } from '../engine/database-url.js';
import './recovery-hook.js';
import { validateRestoreOptions } from './restore-options.js';
import { type RestoreStream, StreamGuard, isRestoreStream, resolveRestoreSource, spoolStream } from './restore-source.js';
import { stageArchive, stageChainDirectory, upToIndexNeedsDirectory } from './stage-backup.js';
import { SPOOLED_INPUT, createStaging, ioError } from './staging.js';
import { recoverInterruptedRestores } from './swap.js';

/** Options of {@link restoreToNewDatabase}: those of a restore (`upToIndex`, `limits`). */
export type RestoreToNewOptions = Readonly<Record<string, unknown>>;

/** Where the engine's files are; only `fs` is used (default: the real disk). */
export interface RestoreToNewEngineOptions {
  readonly fs?: FileSystem;
}

function exists(target: string, why: string): BackupConformanceError {
  return fail('ERR_DATABASE_EXISTS', `Cannot restore into '${target}': ${why}`, { details: { directory: target } });
}

/**
 * Refuses a target where something is: a database (`ERR_DATABASE_EXISTS`), or any other file or
 * non-empty directory (also `ERR_DATABASE_EXISTS`: a restore never mixes its files with others).
 * An empty directory is accepted and replaced.
 */
async function checkTargetFree(fs: FileSystem, target: string): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(target);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') return;
    throw ioError(error, 'Checking', target);
  }
  if (!stat.isDirectory || stat.isSymbolicLink) throw exists(target, 'something that is not a directory is there');
  let names: string[];
  try {
    names = (await fs.readdir(target)).map((entry) => entry.name);
  } catch (error) {
    throw ioError(error, 'Listing', target);
  }
  if (names.includes(METADATA_FILE)) throw exists(target, 'a database exists there');
  if (names.length > 0) throw exists(target, 'the directory is not empty');
}

/**
 * Restores the archive (a path or a readable stream) or the directory of incremental backups at
 * `source` into a new `plocal:` database at `url`, which takes the name of its directory and a
 * fresh instance id. Refusals: `ERR_INVALID_URL`, `ERR_REMOTE_NOT_SUPPORTED`, a `memory:` URL
 * `ERR_UNSUPPORTED_STORAGE`, `ERR_INVALID_OPTIONS`, `ERR_DATABASE_EXISTS` (checked before and
 * again at the rename), then every refusal of a restore. A missing parent directory is created.
 * On failure nothing is at the target and the staging directory is gone.
 */
export async function restoreToNewDatabase(
  source: string | RestoreStream,
  url: string,
  options?: RestoreToNewOptions | null,
  engine?: RestoreToNewEngineOptions,
): Promise<void> {
  const guard = isRestoreStream(source) ? new StreamGuard(source) : undefined;
  try {
    const parsed = parseDatabaseUrl(url);
    if (parsed.kind === 'memory') throw fail('ERR_UNSUPPORTED_STORAGE', `Restore is not supported for memory databases ('${url}')`);
    const checked = validateRestoreOptions(options);
    const fs = engine?.fs ?? nodeFileSystem;
    const target = parsed.directory;
    await checkTargetFree(fs, target);
    const resolved = await resolveRestoreSource(fs, source, guard);
    if (checked.upToIndex !== undefined && resolved.kind !== 'directory') upToIndexNeedsDirectory();
    try {
      await fs.mkdir(dirname(target), { recursive: true });
    } catch (error) {
      throw ioError(error, 'Creating the parent directory of', target);
    }
    await recoverInterruptedRestores(fs, target);
    const staging = await createStaging(fs, target);
    try {
      const stageOptions = {
        fs,
        databaseName: basename(target),
        limits: checked.limits,
        upToIndex: checked.upToIndex,
      };
      if (resolved.kind === 'directory') {
        await stageChainDirectory(resolved.path, staging.database, stageOptions);
      } else {
        const archive = resolved.kind === 'archive' ? resolved.path : join(staging.path, SPOOLED_INPUT);
        if (resolved.kind === 'stream') await spoolStream(fs, resolved, archive);
        await stageArchive(archive, staging.database, stageOptions);
      }
      await checkTargetFree(fs, target);
      try {
        await fs.rename(staging.database, target);
      } catch (error) {
        const code = errnoOf(error);
        if (code === 'EEXIST' || code === 'ENOTEMPTY') throw exists(target, 'a database appeared there during the restore');
        throw ioError(error, 'Moving the restored database to', target);
      }
      try {
        await fs.syncDir(dirname(target));
      } catch (error) {
        // Not durable: take the database away again rather than leave one that may vanish.
        await fs.rm(target, { recursive: true, force: true }).catch(() => undefined);
        throw ioError(error, 'Syncing', dirname(target));
      }
    } finally {
      await staging.discard();
    }
  } catch (error) {
    throw asCodedError(error, 'ERR_RESTORE_FAILED');
  }
}
