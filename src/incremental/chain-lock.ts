/**
 * The lock that keeps two incremental backups out of one directory at once (spec/incremental.md
 * INCR-028), in this process and across processes.
 *
 * - In this process: a registry of the directories being backed up, keyed by real path (so two
 *   spellings of one directory, or a symbolic link to it, are one key).
 * - Across processes: a lock file in the directory, {@link CHAIN_LOCK_FILE}, created exclusively
 *   and holding the pid of its owner and a random token. A lock file whose process is gone, or
 *   that names this process with a token none of its locks holds, is stale and taken over; one
 *   without a readable pid counts as being written for a few seconds (unless this process made it
 *   and failed to write and to remove it: then it is stale at once). Where the file system can
 *   link, the lock file is written under a temporary name and linked into place, so it is never
 *   seen empty. Its name does not end in `.ibu`, so chains ignore it.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { claimTemporary, releaseTemporary } from '../archive/write/stale-temporaries.js';
import { isProcessAlive, readLockOwner } from '../engine/process-lock.js';
import { asCodedError, errnoOf, fail, messageOf } from '../errors.js';
import type { FileSystem } from '../fs/index.js';

/** The name of the lock file an incremental backup holds in its directory while it runs. */
export const CHAIN_LOCK_FILE = '.incremental-backup.lock';

/** Directories (real paths) with an incremental backup running in this process. */
const running = new Set<string>();

/** Tokens of the lock files this process holds (a directory reached through two file systems has two keys but one lock file). */
const heldTokens = new Set<string>();

/** Lock files this process created but could neither fill nor remove (a failing disk): not fresh, whatever their age. */
const abandoned = new Set<string>();

/** A held lock. */
export interface ChainLock {
  /** Removes the lock file (if it is still ours) and the registry entry. Idempotent. */
  release(): Promise<void>;
}

/** The key of `directory`: its real path where the file system has symbolic links, else its resolved path. */
async function directoryKey(fs: FileSystem, directory: string): Promise<string> {
  if (fs.realpath === undefined) return resolve(directory);
  return fs.realpath(directory).catch(() => resolve(directory));
}

function inProgress(directory: string, who: string): Error {
  return fail(
    'ERR_BACKUP_IN_PROGRESS',
    `An incremental backup into '${directory}' is running in ${who}; wait until it is finished`,
    { details: { directory } },
  );
}

/** How long a lock file without a readable pid counts as being written by its owner. */
const UNREADABLE_LOCK_GRACE_MS = 10_000;

async function isFresh(fs: FileSystem, path: string): Promise<boolean> {
  const stat = await fs.stat(path).catch(() => undefined);
  return stat !== undefined && Date.now() - stat.mtimeMs < UNREADABLE_LOCK_GRACE_MS;
}

/** Writes `content` durably to a new file at `path` (created exclusively); on failure removes it again (best effort) and rethrows. */
async function writeNewFile(fs: FileSystem, path: string, content: string, onUnremovable: () => void): Promise<boolean> {
  let handle;
  try {
    handle = await fs.open(path, 'wx', 0o600);
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    const bytes = Buffer.from(content, 'utf8');
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.sync();
    const closing = handle;
    handle = undefined;
    await closing.close();
  } catch (error) {
    await handle?.close().catch(() => undefined);
    // A lock file without its owner's pid would keep other backups out until it grew stale; one
    // whose close failed is not ours to keep either, as the backup fails.
    await fs.unlink(path).catch(onUnremovable);
    throw error;
  }
  return true;
}

/**
 * Creates the lock file with `content`, or resolves false when one exists. With `fs.link` the file
 * is written and fsynced under a temporary name first, then linked into place, so that it never
 * exists empty (a process killed between creating and filling it would leave one that keeps
 * backups out for {@link UNREADABLE_LOCK_GRACE_MS}); the temporary name is left to
 * `removeStaleTemporaries` if its removal fails.
 */
async function createLockFile(fs: FileSystem, path: string, content: string): Promise<boolean> {
  if (fs.link === undefined) return writeNewFile(fs, path, content, () => abandoned.add(path));
  const claim = claimTemporary(path);
  try {
    await writeNewFile(fs, claim, content, () => undefined);
    try {
      await fs.link(claim, path);
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') return false;
      throw error;
    }
    return true;
  } finally {
    await fs.unlink(claim).catch(() => undefined);
    releaseTemporary(claim);
  }
}

/**
 * Takes the lock of the existing directory `directory`, or fails with `ERR_BACKUP_IN_PROGRESS`
 * when an incremental backup into it runs in this process or in another live process.
 */
export async function acquireChainLock(fs: FileSystem, directory: string): Promise<ChainLock> {
  const key = await directoryKey(fs, directory);
  if (running.has(key)) throw inProgress(directory, 'this process');
  running.add(key);
  const path = join(directory, CHAIN_LOCK_FILE);
  const token = randomUUID();
  try {
    for (let attempt = 0; ; attempt++) {
      if (await createLockFile(fs, path, `${process.pid}\n${token}\n`)) break;
      const owner = await readLockOwner(fs, path);
      if (owner !== undefined && owner.pid === process.pid && heldTokens.has(owner.token)) throw inProgress(directory, 'this process');
      if (owner !== undefined && owner.pid !== process.pid && isProcessAlive(owner.pid)) {
        throw inProgress(directory, `another process (pid ${owner.pid})`);
      }
      if (owner === undefined && !abandoned.has(path) && (await isFresh(fs, path))) {
        // Its owner created it a moment ago and has not written its pid yet.
        throw inProgress(directory, 'another process (its lock file was just created)');
      }
      if (attempt >= 4) throw inProgress(directory, 'another process (its lock file keeps changing hands)');
      // Stale: its process is gone, or it names this process without being one of its locks (an
      // earlier process with the same pid, or a release that could not remove it).
      await fs.unlink(path).catch((error: unknown) => {
        if (errnoOf(error) !== 'ENOENT') throw error;
      });
    }
  } catch (error) {
    running.delete(key);
    throw asCodedError(error, 'ERR_IO', `Taking the lock of the backup directory '${directory}' failed: ${messageOf(error)}`);
  }
  heldTokens.add(token);
  abandoned.delete(path);
  let released = false;
  return {
    async release(): Promise<void> {
      if (released) return;
      released = true;
      try {
        if ((await readLockOwner(fs, path).catch(() => undefined))?.token === token) await fs.unlink(path).catch(() => undefined);
      } finally {
        heldTokens.delete(token);
        running.delete(key);
      }
    },
  };
}
