/**
 * Databases, trees and checks shared by the fault, crash, concurrency and fuzz tests.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Database } from '../../../src/engine/index.js';
import type { FileSystem } from '../../../src/fs/index.js';

/** Cheap password hashing: the trials open databases thousands of times. */
export const FAST = { scryptCost: 16 } as const;

/**
 * Every file and directory under `root` on `fs` (relative path -> `dir` or `<size>:<sha256>`),
 * recursively, sorted; `skip` filters names at any depth (a lock file, say). Empty when `root`
 * is missing.
 */
export async function treeOf(fs: FileSystem, root: string, skip: (name: string) => boolean = () => false): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  const walk = async (relative: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(relative === '' ? root : join(root, relative));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && relative === '') return;
      throw error;
    }
    for (const entry of entries) {
      if (skip(entry.name)) continue;
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory) {
        state[`${name}/`] = 'dir';
        await walk(name);
      } else {
        const bytes = await fs.readFile(join(root, name));
        state[name] = `${bytes.length}:${createHash('sha256').update(bytes).digest('hex')}`;
      }
    }
  };
  await walk('');
  return state;
}

/** The names of `directory`'s entries (none when it is missing). */
export async function namesIn(fs: FileSystem, directory: string): Promise<string[]> {
  try {
    return (await fs.readdir(directory)).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Resolves `promise`, or rejects with a message naming `what` after `ms` milliseconds (a hang is a failure too). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens the database at `url` as admin and returns its dump, after checking that a write completes. */
export async function dumpAndWrite(url: string, fs: FileSystem, className = 'Item'): Promise<string> {
  const db = await Database.open(url, 'admin', 'admin', { ...FAST, fs });
  try {
    const dump = await db.dump();
    if (db.classes().some((info) => info.name === className)) await within(db.insert(className, { probe: true }), 5_000, 'a write after reopening');
    return dump;
  } finally {
    await db.close();
  }
}
