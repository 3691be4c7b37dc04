import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { FileSystem } from '../../fs/index.js';
import { errnoOf } from '../../errors.js';

/** Temporary files this process is writing right now (absolute paths). */
const live = new Set<string>();

/** True when a process with this pid exists (signal 0 probes without sending anything). */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}

/**
 * The temporary file an atomic write of `target` (an absolute path) goes through, beside it:
 * `.<name>.<pid>-<12 hex digits>.tmp`. The name starts with a dot (hidden), ends in `.tmp` (a
 * transient file everywhere in this package), and names its writer's process, so that
 * {@link removeStaleTemporaries} can tell an abandoned one from one being written. Registered as
 * live until {@link releaseTemporary}.
 */
export function claimTemporary(target: string): string {
  const path = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  live.add(path);
  return path;
}

/** Marks a temporary file of {@link claimTemporary} as no longer being written. */
export function releaseTemporary(path: string): void {
  live.delete(path);
}

/** The parts of a temporary file name of {@link claimTemporary}. */
const TEMPORARY_NAME = /^\.(.+)\.(\d+)-[0-9a-f]{12}\.tmp$/;

/**
 * Removes from `directory` the temporary files that earlier atomic writes left there (a process
 * killed while writing, or a disk that failed the clean-up too), for the targets whose names
 * `ofTarget` accepts: those of a process that is gone, and those of this process that no write of
 * it holds. Best effort: never throws, and never touches a file a live process may still be
 * writing. Resolves the names removed.
 *
 * @param fs - the file system of the directory
 * @param directory - where the targets are
 * @param ofTarget - which targets' temporary files to look at, by the target's file name
 */
export async function removeStaleTemporaries(fs: FileSystem, directory: string, ofTarget: (name: string) => boolean): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = (await fs.readdir(directory)).filter((entry) => entry.isFile).map((entry) => entry.name);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = TEMPORARY_NAME.exec(name);
    if (match === null || !ofTarget(match[1]!)) continue;
    const pid = Number(match[2]);
    const path = join(directory, name);
    if (pid === process.pid ? live.has(path) : isProcessAlive(pid)) continue;
    try {
      await fs.unlink(path);
      removed.push(name);
    } catch {
      // Gone already, or the disk refuses: a later write tries again.
    }
  }
  return removed;
}
