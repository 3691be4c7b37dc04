/**
 * The real disk without fsync, for references run many times (negative controls, the mutation
 * run): no scenario can observe
 * durability against a crash (that is what the crash tests are for), and on this machine the
 * thousands of fsyncs of a suite run are most of its time. Files are written exactly as before;
 * only `sync()` and `syncDir()` return at once.
 */
import { type FileHandle, type FileSystem, nodeFileSystem } from '../../src/fs/index.js';

function withoutSync(handle: FileHandle): FileHandle {
  return {
    read: (...args) => handle.read(...args),
    write: (...args) => handle.write(...args),
    sync: async () => undefined,
    truncate: (length) => handle.truncate(length),
    stat: () => handle.stat(),
    close: () => handle.close(),
  };
}

/** {@link nodeFileSystem} whose handles' `sync()` and whose `syncDir()` do nothing. */
export const noSyncFileSystem: FileSystem = {
  ...nodeFileSystem,
  open: async (path, flags, mode) => withoutSync(await nodeFileSystem.open(path, flags, mode)),
  syncDir: async () => undefined,
};
