/**
 * Restore into an open database: `db.restore(in, options, callable, listener)`, in the manual's
 * style, atomic in the manner of pgBackRest (spec/restore.md):
 *
 * 1. checks, before anything is created: the session is open (`ERR_DATABASE_CLOSED`), may restore
 *    (`ERR_PERMISSION_DENIED`), its storage is on disk (`ERR_UNSUPPORTED_STORAGE`), the options
 *    (`ERR_INVALID_OPTIONS`), the callable and listener (`ERR_INVALID_ARGUMENT`), the input
 *    (`ERR_ARCHIVE_NOT_FOUND`, `ERR_BACKUP_DIR_NOT_FOUND`, `upToIndex` with an archive);
 * 2. staging beside the database directory (`<parent>/.<name>.restore-<random>`): a stream is
 *    spooled there, the archive extracted (or the chain rebuilt) into it and checked completely,
 *    its metadata given the target's name and a fresh instance id, everything fsynced;
 * 3. under exclusive access (writers and readers held, files closed, the process lock taken
 *    again by the restore): the callable, then the commit marker, then the swap (`swap.ts`);
 * 4. the storage reopens on the new files; sessions stay valid and read the restored content.
 *
 * On any failure before the commit marker the database directory was never touched and the
 * staging directory is removed (a marker that got in place before its writing failed is taken
 * back first). Once the marker is written the restore resolves: should finishing the swap or
 * reopening the storage fail, the next open finishes it, and this storage's sessions report the
 * failure until then. A crash at any instant leaves a state that the next open turns into
 * exactly the old or exactly the new database (`recovery-hook.ts`).
 *
 * @packageDocumentation
 */
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BackupConformanceError, asCodedError, fail } from '../errors.js';
import type { Database } from '../engine/database.js';
import { acquireProcessLock } from '../engine/process-lock.js';
import './recovery-hook.js';
import { type RestoreOptions, validateRestoreOptions } from './restore-options.js';
import { type RestoreStream, StreamGuard, isRestoreStream, resolveRestoreSource, spoolStream } from './restore-source.js';
import { type StageOptions, type StagedDatabase, stageArchive, stageChainDirectory, upToIndexNeedsDirectory } from './stage-backup.js';
import { SPOOLED_INPUT, type Staging, createStaging } from './staging.js';
import { commitRestore, rollForward, withdrawCommit } from './swap.js';

/**
 * The arguments of `db.restore(...)`, in the manual's order: the input (a path to an archive or
 * to a directory of incremental backups, or a readable stream of an archive), the options, the
 * callable (run under the lock, before the swap) and the listener (progress messages).
 */
export type RestoreArguments = readonly unknown[];

/** The typed form of {@link RestoreArguments}. */
export type RestoreCall = readonly [
  input: string | RestoreStream,
  options?: RestoreOptions | null,
  callable?: (() => void | Promise<void>) | null,
  listener?: ((message: string) => void) | null,
];

function optionalFunction<T>(value: unknown, what: string): T | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'function') throw fail('ERR_INVALID_ARGUMENT', `restore: the ${what} must be a function or null, got ${typeof value}`);
  return value as T;
}

/** Wraps the listener: a throw becomes `ERR_LISTENER_FAILED` (which aborts a restore that has not committed). */
function guardedListener(listener: ((message: string) => void) | undefined): (message: string) => void {
  return (message) => {
    if (listener === undefined) return;
    try {
      listener(message);
    } catch (error) {
      throw fail('ERR_LISTENER_FAILED', `The restore listener threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
}

async function runCallable(callable: (() => void | Promise<void>) | undefined): Promise<void> {
  if (callable === undefined) return;
  try {
    await callable();
  } catch (error) {
    throw fail('ERR_CALLABLE_FAILED', `The restore callable failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Restores an archive (or an incremental directory) into `db`; see {@link Database.restore}. */
export async function restoreInto(db: Database, args: RestoreArguments): Promise<void> {
  const [input, rawOptions, rawCallable, rawListener] = args;
  // Listen to a stream's errors at once: one failing before it is read must not crash the process.
  const guard = isRestoreStream(input) ? new StreamGuard(input) : undefined;
  await restoreChecked(db, args.length, input, rawOptions, rawCallable, rawListener, guard);
}

async function restoreChecked(
  db: Database,
  argumentCount: number,
  input: unknown,
  rawOptions: unknown,
  rawCallable: unknown,
  rawListener: unknown,
  guard: StreamGuard | undefined,
): Promise<void> {
  const started = performance.now();
  db.checkPermission('restore');
  const storage = db.storage;
  // Only memory databases have no directory.
  if (storage.directory === null) {
    throw fail('ERR_UNSUPPORTED_STORAGE', `Restore is not supported for the memory database '${db.name}'`);
  }
  if (argumentCount > 4) throw fail('ERR_INVALID_ARGUMENT', `restore: expected at most 4 arguments (in, options, callable, listener), got ${argumentCount}`);
  const options = validateRestoreOptions(rawOptions);
  const callable = optionalFunction<() => void | Promise<void>>(rawCallable, 'callable');
  const listener = guardedListener(optionalFunction<(message: string) => void>(rawListener, 'listener'));
  const { fs } = storage;
  const target = storage.directory;
  const source = await resolveRestoreSource(fs, input, guard);
  if (options.upToIndex !== undefined && source.kind !== 'directory') upToIndexNeedsDirectory();

  const staging = await createStaging(fs, target);
  let committed = false;
  let staged: StagedDatabase | undefined;
  try {
    const stageOptions: StageOptions = {
      fs,
      databaseName: basename(target),
      limits: options.limits,
      upToIndex: options.upToIndex,
      onFile: (name, size) => listener(`- Restoring file ${name}... ok size=${size}`),
      onMessage: listener,
    };
    staged = await stage(source, staging, stageOptions);
    await storage.exclusive(async (directory) => {
      // exclusive() released the process lock; hold it again so no other process opens the
      // database while its files are swapped.
      const lock = await acquireProcessLock(fs, directory);
      try {
        await runCallable(callable);
        try {
          await commitRestore(fs, staging.path, directory);
        } catch (error) {
          // The marker may be in place already (a failed fsync after its rename): take it back
          // before the reopen's recovery hook sees it and finishes a restore that reports failure.
          await withdrawCommit(fs, staging.path);
          throw error;
        }
        committed = true;
        // A failure from here on is finished by the reopen's recovery hook (the restore is committed).
        await rollForward(fs, staging.path, directory).catch(() => undefined);
      } finally {
        await lock.release();
      }
    });
    staging.release();
  } catch (error) {
    if (!committed) {
      await staging.discard();
      throw asCodedError(error, 'ERR_RESTORE_FAILED');
    }
    // Committed: the restore is decided and any open finishes it (RESTORE-009), so it must not
    // report failure. What failed is the reopen of this storage (a failing disk): its sessions
    // reject every call with that error until the database is closed and opened again.
    staging.release();
  }
  report(listener, staged!, started);
}

async function stage(source: Awaited<ReturnType<typeof resolveRestoreSource>>, staging: Staging, options: StageOptions): Promise<StagedDatabase> {
  if (source.kind === 'directory') return stageChainDirectory(source.path, staging.database, options);
  const archive = source.kind === 'archive' ? source.path : join(staging.path, SPOOLED_INPUT);
  if (source.kind === 'stream') await spoolStream(options.fs, source, archive);
  return stageArchive(archive, staging.database, options);
}

/** The summary message; the restore is done, so a throwing listener no longer changes anything (`RESTORE-023`). */
function report(listener: (message: string) => void, staged: StagedDatabase, started: number): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  try {
    listener(`Database restored in ${seconds} seconds: ${staged.files} files restored`);
  } catch {
    // The guarded listener throws only ERR_LISTENER_FAILED, which comes too late to matter.
  }
}
