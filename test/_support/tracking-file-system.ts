import type { FileHandle, FileSystem, OpenFlags } from '../../src/fs/index.js';
import { overriding } from './overriding-file-system.js';

/** A file system that logs its calls, from {@link tracking}. */
export interface TrackingFileSystem {
  readonly fs: FileSystem;
  /** `[operation, path]` of every `open`, every call on a handle it gave, and every `syncDir`, in order. */
  readonly log: Array<[string, string]>;
  /** The handles opened and not yet closed, as `'<path> #<n>'` (a failed `close` counts as closed, as on Linux). */
  readonly open: Set<string>;
}

/** `base`, logging its opens, handle calls and `syncDir`s, and keeping the handles not yet closed. */
export function tracking(base: FileSystem): TrackingFileSystem {
  const log: Array<[string, string]> = [];
  const open = new Set<string>();
  let handles = 0;
  const fs = overriding(base, {
    syncDir: (path: string) => {
      log.push(['syncDir', path]);
      return base.syncDir(path);
    },
    open: async (path: string, flags: OpenFlags, mode?: number): Promise<FileHandle> => {
      const handle = await base.open(path, flags, mode);
      const id = `${path} #${++handles}`;
      open.add(id);
      log.push(['open', path]);
      const logged = <T>(operation: string, call: () => Promise<T>): Promise<T> => {
        log.push([operation, path]);
        return call();
      };
      return {
        read: (...args) => logged('read', () => handle.read(...args)),
        write: (...args) => logged('write', () => handle.write(...args)),
        sync: () => logged('sync', () => handle.sync()),
        truncate: (length) => logged('truncate', () => handle.truncate(length)),
        stat: () => logged('stat', () => handle.stat()),
        close: () => {
          open.delete(id);
          return logged('close', () => handle.close());
        },
      };
    },
  });
  return { fs, log, open };
}
