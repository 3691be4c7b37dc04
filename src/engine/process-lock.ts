/**
 * The process lock: `database.lock`, created exclusively, holding the pid of the process that has
 * the database open. A lock whose process is gone is stale and taken over.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { asCodedError, errnoOf, fail, messageOf } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { LOCK_FILE } from './constants.js';

/** True when a process with this pid exists (signal 0 probes without sending anything). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}

/** A held process lock. */
export interface ProcessLock {
  /** Removes the lock file (only if it still holds our pid). */
  release(): Promise<void>;
}

/** Tokens of the locks this process holds right now. */
const heldTokens = new Set<string>();

/**
 * The owner a lock file's text names: a pid on the first line and, on the second, a token telling
 * one process's locks apart; `undefined` when the first line is not a pid (a stale or garbled file).
 */
function parseLockOwner(text: string): { pid: number; token: string } | undefined {
  const [pid, token = ''] = text.split('\n');
  const digits = pid!.trim();
  // Pid 0 is no process (kill(0, 0) would probe our own process group): such a lock is stale.
  return /^[1-9]\d*$/.test(digits) ? { pid: Number(digits), token: token.trim() } : undefined;
}

/**
 * The owner the lock file at `path` names, `undefined` when there is no file or it names no pid.
 * The incremental chain's lock file has the same form and is read with this too.
 */
export async function readLockOwner(fs: FileSystem, path: string): Promise<{ pid: number; token: string } | undefined> {
  try {
    return parseLockOwner((await fs.readFile(path)).toString('utf8'));
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Takes the lock of `directory`. A lock file naming a live process is `ERR_DATABASE_LOCKED`; for
 * this very process that means another storage object holds it (the same directory opened through
 * a second {@link FileSystem} object). A lock naming this process with a token it does not hold
 * was left by an earlier process with the same pid (after a reboot) and is stale, like the lock of
 * a dead process.
 */
export async function acquireProcessLock(fs: FileSystem, directory: string): Promise<ProcessLock> {
  try {
    return await takeLock(fs, directory);
  } catch (error) {
    throw asCodedError(error, 'ERR_IO', `Taking the lock of '${directory}' failed: ${messageOf(error)}`);
  }
}

async function takeLock(fs: FileSystem, directory: string): Promise<ProcessLock> {
  const path = join(directory, LOCK_FILE);
  const token = randomUUID();
  const content = `${process.pid}\n${token}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await fs.open(path, 'wx');
      try {
        await handle.write(Buffer.from(content), 0, content.length, 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.syncDir(directory);
      heldTokens.add(token);
      return {
        async release(): Promise<void> {
          heldTokens.delete(token);
          if ((await readLockOwner(fs, path).catch(() => undefined))?.token === token) await fs.unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') {
        throw fail('ERR_IO', `Creating the lock file '${path}' failed: ${messageOf(error)}`, { cause: error });
      }
    }
    const holder = await readLockOwner(fs, path);
    const live = holder !== undefined && (holder.pid === process.pid ? heldTokens.has(holder.token) : isProcessAlive(holder.pid));
    if (live) {
      const who = holder.pid === process.pid ? 'this process (another storage object)' : `another process (pid ${holder.pid})`;
      throw fail('ERR_DATABASE_LOCKED', `The database in '${directory}' is open in ${who}`, {
        details: { directory, pid: holder.pid },
      });
    }
    // Stale (dead process, an earlier process with our pid, or an unreadable file): remove and retry.
    await fs.unlink(path).catch((error: unknown) => {
      if (errnoOf(error) !== 'ENOENT') throw error;
    });
  }
  throw fail('ERR_DATABASE_LOCKED', `The lock of the database in '${directory}' keeps changing hands`, { details: { directory } });
}
