import type { FileHandle, MemoryFileSystem, OpenFlags } from '../../src/fs/index.js';

/** The open flags `node:fs` accepts that the project's `OpenFlags` names. */
const VALID_FLAGS: readonly string[] = ['r', 'r+', 'w', 'wx', 'w+', 'a'] satisfies OpenFlags[];

/** A Node-style errno error, as a test's file system gives it. */
export function errnoError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: refused by the test, '${path}'`), { code });
}

/**
 * Makes `fs` refuse, as `node:fs` does, an open flag outside `OpenFlags` (`EINVAL`); the in-memory
 * file system accepts any string, so a mutant that empties a flag would go unnoticed. Returns `fs`.
 */
export function withStrictOpenFlags<T extends MemoryFileSystem>(fs: T): T {
  const open = fs.open.bind(fs);
  fs.open = async (path: string, flags: OpenFlags, mode?: number): Promise<FileHandle> => {
    if (!VALID_FLAGS.includes(flags)) throw errnoError('EINVAL', path);
    return open(path, flags, mode);
  };
  return fs;
}
