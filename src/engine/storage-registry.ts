/**
 * The process-wide registries: the open storages (one per directory and file system, shared by
 * sessions) and the `memory:` databases (each in a file system of its own).
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import { type FileSystem, MemoryFileSystem } from '../fs/index.js';
import type { Storage } from './storage.js';

interface Entry {
  opening?: Promise<Storage>;
  storage?: Storage;
}

const openStorages = new WeakMap<FileSystem, Map<string, Entry>>();

/** The directory of a `memory:` database inside its own file system. */
export const MEMORY_DIRECTORY = '/database';

const memoryDatabases = new Map<string, MemoryFileSystem>();

function entriesOf(fs: FileSystem): Map<string, Entry> {
  let entries = openStorages.get(fs);
  if (entries === undefined) {
    entries = new Map();
    openStorages.set(fs, entries);
  }
  return entries;
}

/** How to make the storage when none is open. */
export type StorageFactory = (onClosed: () => void) => Promise<Storage>;

/**
 * Returns the storage of `directory` on `fs` with one more reference for the caller: the one
 * already open in this process, or a new one from `factory`. With `mustCreate`, an open storage
 * is `ERR_DATABASE_EXISTS`. A storage that is closing is waited for, then opened afresh.
 */
export async function retainStorage(fs: FileSystem, directory: string, factory: StorageFactory, mustCreate: boolean): Promise<Storage> {
  const entries = entriesOf(fs);
  for (;;) {
    const entry = entries.get(directory);
    if (entry === undefined) {
      const created: Entry = {};
      // The storage calls back once it has fully closed; a later open then starts afresh.
      created.opening = factory(() => {
        if (entries.get(directory) === created) entries.delete(directory);
      });
      entries.set(directory, created);
      try {
        const storage = await created.opening;
        created.storage = storage;
        created.opening = undefined;
        storage.retain();
        return storage;
      } catch (error) {
        if (entries.get(directory) === created) entries.delete(directory);
        throw error;
      }
    }
    if (entry.opening !== undefined) {
      await entry.opening.catch(() => undefined);
      continue;
    }
    if (entry.storage !== undefined) {
      if (mustCreate) throw fail('ERR_DATABASE_EXISTS', `A database already exists in '${directory}'`, { details: { directory } });
      if (entry.storage.retain()) return entry.storage;
      // Closing: wait until it is closed (it then leaves the registry), and open afresh.
      await entry.storage.shutdown().catch(() => undefined);
      if (entries.get(directory) === entry) entries.delete(directory);
      continue;
    }
    if (entries.get(directory) === entry) entries.delete(directory);
  }
}

/** The file system of a `memory:` database, if it exists. */
export function memoryDatabase(name: string): MemoryFileSystem | undefined {
  return memoryDatabases.get(name);
}

/** Registers a new `memory:` database; returns its file system. */
export function addMemoryDatabase(name: string): MemoryFileSystem {
  const fs = new MemoryFileSystem();
  memoryDatabases.set(name, fs);
  return fs;
}

/** Forgets a `memory:` database (its content is gone). */
export function removeMemoryDatabase(name: string): void {
  memoryDatabases.delete(name);
}
