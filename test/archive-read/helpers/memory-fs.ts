import path from 'node:path';
import type { DirEntry, FileHandle, FileStat, FileSystem, OpenFlags } from '../../../src/fs/index.js';

/** A Node-style errno error, as the real file system raises. */
export function errno(code: string, syscall: string, target: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${target}'`);
  error.code = code;
  error.syscall = syscall;
  error.path = target;
  return error;
}

type Node = { kind: 'file'; data: Buffer } | { kind: 'dir' } | { kind: 'symlink'; target: string };

/**
 * An in-memory {@link FileSystem} for fast tests: absolute POSIX paths, files, directories and
 * (pre-made) symbolic links, which it never follows except through `stat`. It records every path
 * it created, so tests can prove nothing was written outside a directory.
 */
export class MemoryFileSystem implements FileSystem {
  private readonly nodes = new Map<string, Node>([['/', { kind: 'dir' }]]);
  /** Every path created by open (w/wx/...) or mkdir, in order. */
  readonly created: string[] = [];

  /** Puts a file (and its parent directories) in place without recording it as created. */
  putFile(file: string, data: Uint8Array): void {
    this.mkdirp(path.posix.dirname(file));
    this.nodes.set(file, { kind: 'file', data: Buffer.from(data) });
  }

  /** Puts a directory (and its parents) in place without recording it as created. */
  putDirectory(directory: string): void {
    this.mkdirp(directory);
  }

  /** Puts a symbolic link in place. */
  putSymlink(link: string, target: string): void {
    this.mkdirp(path.posix.dirname(link));
    this.nodes.set(link, { kind: 'symlink', target });
  }

  /** The content of a file, or undefined. */
  file(file: string): Buffer | undefined {
    const node = this.nodes.get(file);
    return node?.kind === 'file' ? node.data : undefined;
  }

  /** Every path under `directory` (exclusive), sorted. */
  listTree(directory: string): string[] {
    const prefix = directory.endsWith('/') ? directory : `${directory}/`;
    return [...this.nodes.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  private mkdirp(directory: string): void {
    let current = '/';
    for (const segment of directory.split('/').filter(Boolean)) {
      current = path.posix.join(current, segment);
      if (!this.nodes.has(current)) this.nodes.set(current, { kind: 'dir' });
    }
  }

  private parentMustBeDir(target: string, syscall: string): void {
    const parent = this.nodes.get(path.posix.dirname(target));
    if (parent === undefined) throw errno('ENOENT', syscall, target);
    if (parent.kind !== 'dir') throw errno('ENOTDIR', syscall, target);
  }

  private statOf(node: Node): FileStat {
    return {
      size: node.kind === 'file' ? node.data.length : 0,
      isFile: node.kind === 'file',
      isDirectory: node.kind === 'dir',
      isSymbolicLink: node.kind === 'symlink',
      mtimeMs: 0,
    };
  }

  async open(target: string, flags: OpenFlags): Promise<FileHandle> {
    let node = this.nodes.get(target);
    if (flags === 'wx' && node !== undefined) throw errno('EEXIST', 'open', target);
    if (node?.kind === 'symlink') throw errno('ELOOP', 'open', target);
    if (flags === 'r' || flags === 'r+') {
      if (node === undefined) throw errno('ENOENT', 'open', target);
    } else {
      this.parentMustBeDir(target, 'open');
      if (node === undefined || flags === 'w' || flags === 'wx' || flags === 'w+') {
        node = { kind: 'file', data: Buffer.alloc(0) };
        this.nodes.set(target, node);
        this.created.push(target);
      }
    }
    if (node.kind === 'dir') throw errno('EISDIR', 'open', target);
    const file = node as { kind: 'file'; data: Buffer };
    let closed = false;
    const live = () => {
      if (closed) throw errno('EBADF', 'read', target);
    };
    return {
      read: async (buffer, offset, length, position) => {
        live();
        const slice = file.data.subarray(position, position + length);
        buffer.set(slice, offset);
        return slice.length;
      },
      write: async (buffer, offset, length, position) => {
        live();
        const at = position ?? file.data.length;
        const end = at + length;
        if (end > file.data.length) {
          const grown = Buffer.alloc(end);
          file.data.copy(grown);
          file.data = grown;
        }
        file.data.set(buffer.subarray(offset, offset + length), at);
        return length;
      },
      sync: async () => live(),
      truncate: async (length) => {
        live();
        const resized = Buffer.alloc(length);
        file.data.copy(resized, 0, 0, Math.min(length, file.data.length));
        file.data = resized;
      },
      stat: async () => {
        live();
        return this.statOf(file);
      },
      close: async () => {
        live();
        closed = true;
      },
    };
  }

  async readFile(target: string): Promise<Buffer> {
    const node = this.nodes.get(target);
    if (node?.kind !== 'file') throw errno('ENOENT', 'open', target);
    return Buffer.from(node.data);
  }

  async stat(target: string): Promise<FileStat> {
    let node = this.nodes.get(target);
    if (node?.kind === 'symlink') node = this.nodes.get(path.posix.resolve(path.posix.dirname(target), node.target));
    if (node === undefined) throw errno('ENOENT', 'stat', target);
    return this.statOf(node);
  }

  async lstat(target: string): Promise<FileStat> {
    const node = this.nodes.get(target);
    if (node === undefined) throw errno('ENOENT', 'lstat', target);
    return this.statOf(node);
  }

  async readdir(target: string): Promise<DirEntry[]> {
    const node = this.nodes.get(target);
    if (node === undefined) throw errno('ENOENT', 'scandir', target);
    if (node.kind !== 'dir') throw errno('ENOTDIR', 'scandir', target);
    const prefix = target === '/' ? '/' : `${target}/`;
    return [...this.nodes.entries()]
      .filter(([key]) => key !== target && key.startsWith(prefix) && !key.slice(prefix.length).includes('/'))
      .map(([key, child]) => ({ name: key.slice(prefix.length), isFile: child.kind === 'file', isDirectory: child.kind === 'dir', isSymbolicLink: child.kind === 'symlink' }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async mkdir(target: string, options?: { recursive?: boolean }): Promise<void> {
    if (options?.recursive) {
      let current = '/';
      for (const segment of target.split('/').filter(Boolean)) {
        current = path.posix.join(current, segment);
        const node = this.nodes.get(current);
        if (node === undefined) {
          this.nodes.set(current, { kind: 'dir' });
          this.created.push(current);
        } else if (node.kind !== 'dir') throw errno('ENOTDIR', 'mkdir', current);
      }
      return;
    }
    if (this.nodes.has(target)) throw errno('EEXIST', 'mkdir', target);
    this.parentMustBeDir(target, 'mkdir');
    this.nodes.set(target, { kind: 'dir' });
    this.created.push(target);
  }

  async rename(from: string, to: string): Promise<void> {
    const node = this.nodes.get(from);
    if (node === undefined) throw errno('ENOENT', 'rename', from);
    this.nodes.delete(from);
    this.nodes.set(to, node);
  }

  async unlink(target: string): Promise<void> {
    if (!this.nodes.delete(target)) throw errno('ENOENT', 'unlink', target);
  }

  async rm(target: string, options?: { recursive?: boolean; force?: boolean }): Promise<void> {
    if (!this.nodes.has(target)) {
      if (options?.force) return;
      throw errno('ENOENT', 'rm', target);
    }
    for (const key of this.listTree(target)) this.nodes.delete(key);
    this.nodes.delete(target);
  }

  async syncDir(target: string): Promise<void> {
    if (this.nodes.get(target)?.kind !== 'dir') throw errno('ENOENT', 'fsync', target);
  }
}
