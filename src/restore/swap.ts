/**
 * The swap of a restore and its crash recovery. The swap runs with every file of the database
 * closed and its process lock held, after the staged database was checked and fsynced:
 *
 * 1. write the commit marker `COMMITTED` in the staging directory (temp file, fsync, rename,
 *    fsync): the commit point;
 * 2. move every file of the database directory (except the lock file) into `old/`, fsync both
 *    directories, then write `OLD-MOVED-OUT`;
 * 3. move every file of `new/` into the database directory, fsync it;
 * 4. remove `COMMITTED` (fsync), then the staging directory (fsync the parent).
 *
 * Each step is a rename or a marker, so a process killed at any instant leaves a state that
 * {@link recoverInterruptedRestores} turns into exactly the old database (no commit marker: the
 * database directory was never touched, the staging directory is removed) or exactly the new one
 * (a commit marker: the swap is finished from wherever it stopped; `OLD-MOVED-OUT` tells whether
 * the files in the database directory are old ones still to move out or new ones already in).
 *
 * @packageDocumentation
 */
import { basename, dirname, join } from 'node:path';
import type { FileSystem } from '../fs/index.js';
import { LOCK_FILE } from '../engine/constants.js';
import {
  COMMIT_MARKER,
  OLD_MOVED_MARKER,
  REPLACED_FILES,
  STAGED_DATABASE,
  ioError,
  isStagingLive,
  pathExists,
  stagingNamePattern,
  writeMarker,
} from './staging.js';
import { errnoOf } from '../errors.js';

/** Writes the commit marker of `staging` (restoring into `target`): from now on the restore is rolled forward. */
export async function commitRestore(fs: FileSystem, staging: string, target: string): Promise<void> {
  try {
    await writeMarker(fs, staging, COMMIT_MARKER, `${JSON.stringify({ target, committedAt: new Date().toISOString() })}\n`);
  } catch (error) {
    throw ioError(error, 'Writing the commit marker in', staging);
  }
}

/**
 * Takes back a commit marker whose writing failed part-way (it may have been renamed into place
 * before a later step, the directory's fsync, failed): a restore that reports failure must leave
 * no marker for the next open to roll forward. Resolves false when the marker could not be
 * removed durably (a disk failing for good): the next open then decides, as after a crash.
 */
export async function withdrawCommit(fs: FileSystem, staging: string): Promise<boolean> {
  try {
    await fs.rm(join(staging, COMMIT_MARKER), { force: true });
    await fs.rm(join(staging, `${COMMIT_MARKER}.tmp`), { force: true });
    await fs.syncDir(staging);
    return true;
  } catch {
    return false;
  }
}

async function listNames(fs: FileSystem, directory: string): Promise<string[]> {
  try {
    return (await fs.readdir(directory)).map((entry) => entry.name);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Finishes the swap of a committed restore from wherever it stopped (steps 2 to 4 of the module
 * comment). Idempotent: running it again after a crash in the middle of it completes it.
 */
export async function rollForward(fs: FileSystem, staging: string, target: string): Promise<void> {
  const old = join(staging, REPLACED_FILES);
  const staged = join(staging, STAGED_DATABASE);
  try {
    if (!(await pathExists(fs, join(staging, OLD_MOVED_MARKER)))) {
      if (!(await pathExists(fs, old))) await fs.mkdir(old);
      for (const name of await listNames(fs, target)) {
        if (name !== LOCK_FILE) await fs.rename(join(target, name), join(old, name));
      }
      await fs.syncDir(target);
      await fs.syncDir(old);
      await writeMarker(fs, staging, OLD_MOVED_MARKER, '');
    }
    for (const name of await listNames(fs, staged)) await fs.rename(join(staged, name), join(target, name));
    await fs.syncDir(target);
    await removeStaging(fs, staging, true);
  } catch (error) {
    throw ioError(error, `Finishing the restore of '${target}' from`, staging);
  }
}

/**
 * Removes a staging directory. For a committed one, the commit marker goes first (and is made
 * durable), so that a crash during the removal can never make recovery start the swap again.
 */
export async function removeStaging(fs: FileSystem, staging: string, committed: boolean): Promise<void> {
  if (committed) {
    await fs.rm(join(staging, COMMIT_MARKER), { force: true });
    await fs.syncDir(staging);
  }
  await fs.rm(staging, { recursive: true, force: true });
  await fs.syncDir(dirname(staging));
}

/**
 * Finishes or undoes the restores of the database directory `directory` that a crash (or a
 * failure of the disk) interrupted, and removes stale staging directories. Run before a database
 * is opened, with its process lock held, so that no restore of it can be running in another
 * process at the same time:
 * - a committed staging directory is rolled forward (the restore completes);
 * - an uncommitted one whose process is gone is removed (the database was never touched);
 * - an uncommitted one whose process still works in it (a restore staging right now, in this
 *   process or another) is left alone.
 * A committed one is left alone when the database directory itself is missing.
 */
export async function recoverInterruptedRestores(fs: FileSystem, directory: string): Promise<void> {
  const parent = dirname(directory);
  const pattern = stagingNamePattern(basename(directory));
  let names: string[];
  try {
    names = (await fs.readdir(parent)).filter((entry) => entry.isDirectory && pattern.test(entry.name)).map((entry) => entry.name);
  } catch {
    return; // an unreadable parent cannot hold a staging directory we could finish
  }
  for (const name of names) {
    const staging = join(parent, name);
    if (await pathExists(fs, join(staging, COMMIT_MARKER))) {
      if (await pathExists(fs, directory)) await rollForward(fs, staging, directory);
    } else if (!(await isStagingLive(fs, staging))) {
      try {
        await removeStaging(fs, staging, false);
      } catch (error) {
        throw ioError(error, 'Removing the stale restore staging directory', staging);
      }
    }
  }
}
