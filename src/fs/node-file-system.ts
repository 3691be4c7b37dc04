import * as fsp from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { DirEntry, FileHandle, FileStat, FileSystem, OpenFlags } from './file-system.js';

function toStat(stats: Stats): FileStat {
  return {
    size: stats.size,
    isFile: stats.isFile(),
    isDirectory: stats.isDirectory(),
    isSymbolicLink: stats.isSymbolicLink(),
    mtimeMs: stats.mtimeMs,
  };
}

class NodeFileHandle implements FileHandle {
  constructor(private readonly handle: fsp.FileHandle) {}

  async read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    const { bytesRead } = await this.handle.read(buffer, offset, length, position);
    return bytesRead;
  }

  async write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
    const { bytesWritten } = await this.handle.write(buffer, offset, length, position);
    return bytesWritten;
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async stat(): Promise<FileStat> {
    return toStat(await this.handle.stat());
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real disk, through `node:fs/promises`. */
export const nodeFileSystem: FileSystem = {
  async open(path: string, flags: OpenFlags, mode?: number): Promise<FileHandle> {
    return new NodeFileHandle(await fsp.open(path, flags, mode));
  },
  readFile(path: string): Promise<Buffer> {
    return fsp.readFile(path);
  },
  async stat(path: string): Promise<FileStat> {
    return toStat(await fsp.stat(path));
  },
  async lstat(path: string): Promise<FileStat> {
    return toStat(await fsp.lstat(path));
  },
  async readdir(path: string): Promise<DirEntry[]> {
    const entries = await fsp.readdir(path, { withFileTypes: true });
    return entries
      .map((entry) => ({
        name: entry.name,
        isFile: entry.isFile(),
        isDirectory: entry.isDirectory(),
        isSymbolicLink: entry.isSymbolicLink(),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  },
  async mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    await fsp.mkdir(path, { recursive: options?.recursive ?? false });
  },
  rename(from: string, to: string): Promise<void> {
    return fsp.rename(from, to);
  },
  unlink(path: string): Promise<void> {
    return fsp.unlink(path);
  },
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void> {
    return fsp.rm(path, { recursive: options?.recursive ?? false, force: options?.force ?? false });
  },
  async syncDir(path: string): Promise<void> {
    const handle = await fsp.open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  realpath(path: string): Promise<string> {
    return fsp.realpath(path);
  },
  link(existingPath: string, newPath: string): Promise<void> {
    return fsp.link(existingPath, newPath);
  },
};
