import * as posix from 'node:path/posix';
import type { DirEntry, FileHandle, FileStat, FileSystem, OpenFlags } from './file-system.js';

/** A Node-style error with an errno `code`, as `node:fs` raises them. */
function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path}'`);
  error.code = code;
  error.syscall = syscall;
  error.path = path;
  return error;
}

/** `data`, or a zero-padded copy of it when it is shorter than `size`. */
function atLeast(data: Buffer, size: number): Buffer {
  if (size <= data.length) return data;
  const grown = Buffer.alloc(size);
  data.copy(grown);
  return grown;
}

/**
 * File contents with spare capacity, so that appends do not copy the whole file each time, and an
 * undo log of the changes since the last `sync()`, from which the durable contents are rebuilt.
 */
class FileNode {
  readonly kind = 'file';
  private bytes = Buffer.alloc(0);
  size = 0;
  mtimeMs = Date.now();
  /** For each change since the last sync: the bytes it overwrote and the size before it. */
  private undo: { position: number; bytes: Buffer; size: number }[] = [];

  read(target: Uint8Array, offset: number, length: number, position: number): number {
    if (position >= this.size) return 0;
    const count = Math.min(length, this.size - position);
    target.set(this.bytes.subarray(position, position + count), offset);
    return count;
  }

  write(source: Uint8Array, offset: number, length: number, position: number): void {
    this.remember(position, position + length);
    this.ensureCapacity(position + length);
    if (position > this.size) this.bytes.fill(0, this.size, position);
    this.bytes.set(source.subarray(offset, offset + length), position);
    this.size = Math.max(this.size, position + length);
    this.mtimeMs = Date.now();
  }

  truncate(length: number): void {
    this.remember(length, this.size);
    this.ensureCapacity(length);
    if (length > this.size) this.bytes.fill(0, this.size, length);
    this.size = length;
    this.mtimeMs = Date.now();
  }

  contents(): Buffer {
    return Buffer.from(this.bytes.subarray(0, this.size));
  }

  sync(): void {
    this.undo = [];
  }

  /**
   * What a power loss may leave when writes since the last `sync()` reached the disk in part:
   * every sector (512 bytes) they touched holds one of the versions it had since that sync, and
   * the size is one of the sizes the file had since, each chosen with `random` (below 0.5: the
   * change reached the disk).
   */
  tornContents(random: () => number): Buffer {
    let data = this.contents();
    let size = this.size;
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const change = this.undo[i]!;
      data = atLeast(data, change.size);
      const end = change.position + change.bytes.length;
      for (let sector = Math.floor(change.position / SECTOR_SIZE) * SECTOR_SIZE; sector < end; sector += SECTOR_SIZE) {
        if (random() < 0.5) continue;
        const from = Math.max(sector, change.position);
        const to = Math.min(sector + SECTOR_SIZE, end);
        change.bytes.copy(data, from, from - change.position, to - change.position);
      }
      if (random() >= 0.5) size = change.size;
    }
    data = atLeast(data, size);
    return data.subarray(0, size);
  }

  /** The contents as of the last `sync()`: what survives a power loss. */
  durableContents(): Buffer {
    let data = this.contents();
    let size = this.size;
    for (let i = this.undo.length - 1; i >= 0; i--) {
      const change = this.undo[i]!;
      data = atLeast(data, change.size);
      change.bytes.copy(data, change.position);
      size = change.size;
    }
    return data.subarray(0, size);
  }

  private remember(from: number, to: number): void {
    const end = Math.min(to, this.size);
    this.undo.push({ position: from, bytes: from < end ? Buffer.from(this.bytes.subarray(from, end)) : Buffer.alloc(0), size: this.size });
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.bytes.length) return;
    const grown = Buffer.alloc(Math.max(needed, this.bytes.length * 2, 4096));
    this.bytes.copy(grown, 0, 0, this.size);
    this.bytes = grown;
  }
}

class DirectoryNode {
  readonly kind = 'directory';
  readonly entries = new Map<string, Node>();
  /** The entries as of the last `syncDir()` on this directory (what survives a power loss). */
  durableEntries = new Map<string, Node>();
  mtimeMs = Date.now();
}

type Node = FileNode | DirectoryNode;

/** The unit a torn write keeps or loses (see {@link MemoryFileSystem.powerLossCopy}). */
const SECTOR_SIZE = 512;

function statOf(node: Node): FileStat {
  return {
    size: node.kind === 'file' ? node.size : 0,
    isFile: node.kind === 'file',
    isDirectory: node.kind === 'directory',
    isSymbolicLink: false,
    mtimeMs: node.mtimeMs,
  };
}

class MemoryFileHandle implements FileHandle {
  private closed = false;
  private cursor = 0;

  constructor(
    private readonly node: FileNode,
    private readonly path: string,
    private readonly flags: OpenFlags,
  ) {}

  async read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    this.check('read');
    if (this.flags === 'w' || this.flags === 'wx' || this.flags === 'a') throw fsError('EBADF', 'read', this.path);
    return this.node.read(buffer, offset, length, position);
  }

  async write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number> {
    this.check('write');
    if (this.flags === 'r') throw fsError('EBADF', 'write', this.path);
    // Like POSIX O_APPEND: in append mode every write goes to the end, whatever the position.
    const at = this.flags === 'a' ? this.node.size : (position ?? this.cursor);
    this.node.write(buffer, offset, length, at);
    if (position === null || this.flags === 'a') this.cursor = at + length;
    return length;
  }

  async sync(): Promise<void> {
    this.check('fsync');
    this.node.sync();
  }

  async truncate(length: number): Promise<void> {
    this.check('ftruncate');
    if (this.flags === 'r') throw fsError('EBADF', 'ftruncate', this.path);
    this.node.truncate(length);
  }

  async stat(): Promise<FileStat> {
    this.check('fstat');
    return statOf(this.node);
  }

  async close(): Promise<void> {
    this.check('close');
    this.closed = true;
  }

  private check(syscall: string): void {
    if (this.closed) throw fsError('EBADF', syscall, this.path);
  }
}

/**
 * A {@link FileSystem} held entirely in memory, with POSIX semantics where they matter to the
 * engine: open handles survive `unlink` and `rename`, `rename` replaces atomically, `wx` and
 * `link` are exclusive, and errors carry the errno codes `node:fs` uses (`ENOENT`, `EEXIST`, `EISDIR`,
 * `ENOTDIR`, `ENOTEMPTY`, `EBADF`). Paths are POSIX paths; relative ones are taken from `/`.
 * Symbolic links do not exist here.
 *
 * It also tracks what an fsync would have made durable, so tests can simulate a power loss:
 * {@link MemoryFileSystem.powerLossCopy} returns the state a machine would find after a crash.
 */
export class MemoryFileSystem implements FileSystem {
  private readonly root = new DirectoryNode();

  async open(path: string, flags: OpenFlags, _mode?: number): Promise<FileHandle> {
    const full = normalize(path);
    const { parent, name } = this.parentOf(full, 'open');
    let node = parent.entries.get(name);
    if (node?.kind === 'directory') {
      if (flags === 'r') throw fsError('EISDIR', 'read', full);
      throw fsError('EISDIR', 'open', full);
    }
    if (flags === 'wx' && node !== undefined) throw fsError('EEXIST', 'open', full);
    if (node === undefined) {
      if (flags === 'r' || flags === 'r+') throw fsError('ENOENT', 'open', full);
      node = new FileNode();
      parent.entries.set(name, node);
      parent.mtimeMs = Date.now();
    } else if (flags === 'w' || flags === 'w+') {
      node.truncate(0);
    }
    return new MemoryFileHandle(node, full, flags);
  }

  async readFile(path: string): Promise<Buffer> {
    const node = this.lookup(path, 'open');
    if (node.kind === 'directory') throw fsError('EISDIR', 'read', normalize(path));
    return node.contents();
  }

  async stat(path: string): Promise<FileStat> {
    return statOf(this.lookup(path, 'stat'));
  }

  async lstat(path: string): Promise<FileStat> {
    return statOf(this.lookup(path, 'lstat'));
  }

  async readdir(path: string): Promise<DirEntry[]> {
    const node = this.lookup(path, 'scandir');
    if (node.kind !== 'directory') throw fsError('ENOTDIR', 'scandir', normalize(path));
    return [...node.entries.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, child]) => ({
        name,
        isFile: child.kind === 'file',
        isDirectory: child.kind === 'directory',
        isSymbolicLink: false,
      }));
  }

  async mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    const full = normalize(path);
    if (options?.recursive === true) {
      let current = this.root;
      const parts = segments(full);
      for (const [i, part] of parts.entries()) {
        const next = current.entries.get(part);
        if (next === undefined) {
          const created = new DirectoryNode();
          current.entries.set(part, created);
          current.durableEntries.set(part, created);
          current = created;
        } else if (next.kind === 'directory') {
          current = next;
        } else {
          // As node: the path itself being a file is EEXIST, a file on the way is ENOTDIR.
          throw fsError(i === parts.length - 1 ? 'EEXIST' : 'ENOTDIR', 'mkdir', full);
        }
      }
      return;
    }
    const { parent, name } = this.parentOf(full, 'mkdir');
    if (parent.entries.has(name)) throw fsError('EEXIST', 'mkdir', full);
    const created = new DirectoryNode();
    parent.entries.set(name, created);
    // Directory creation is treated as durable at once: the engine never depends on it.
    parent.durableEntries.set(name, created);
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.parentOf(normalize(from), 'rename');
    const target = this.parentOf(normalize(to), 'rename');
    const node = source.parent.entries.get(source.name);
    if (node === undefined) throw fsError('ENOENT', 'rename', normalize(from));
    const existing = target.parent.entries.get(target.name);
    if (existing === node) return;
    if (existing !== undefined) {
      if (node.kind === 'file' && existing.kind === 'directory') throw fsError('EISDIR', 'rename', normalize(to));
      if (node.kind === 'directory' && existing.kind === 'file') throw fsError('ENOTDIR', 'rename', normalize(to));
      if (existing.kind === 'directory' && existing.entries.size > 0) throw fsError('ENOTEMPTY', 'rename', normalize(to));
    }
    if (node.kind === 'directory' && isInside(normalize(to), normalize(from))) throw fsError('EINVAL', 'rename', normalize(to));
    source.parent.entries.delete(source.name);
    target.parent.entries.set(target.name, node);
  }

  async link(existingPath: string, newPath: string): Promise<void> {
    const node = this.lookup(existingPath, 'link');
    if (node.kind === 'directory') throw fsError('EPERM', 'link', normalize(existingPath));
    const { parent, name } = this.parentOf(normalize(newPath), 'link');
    if (parent.entries.has(name)) throw fsError('EEXIST', 'link', normalize(newPath));
    parent.entries.set(name, node);
    parent.mtimeMs = Date.now();
  }

  async unlink(path: string): Promise<void> {
    const full = normalize(path);
    const { parent, name } = this.parentOf(full, 'unlink');
    const node = parent.entries.get(name);
    if (node === undefined) throw fsError('ENOENT', 'unlink', full);
    if (node.kind === 'directory') throw fsError('EISDIR', 'unlink', full);
    parent.entries.delete(name);
  }

  async rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void> {
    const full = normalize(path);
    if (full === '/') throw fsError('EPERM', 'rm', full);
    const { parent, name } = this.parentOf(full, 'rm', options?.force === true);
    const node = parent?.entries.get(name);
    if (parent === undefined || node === undefined) {
      if (options?.force === true) return;
      throw fsError('ENOENT', 'rm', full);
    }
    // Node reports this case with its own code, not the errno.
    if (node.kind === 'directory' && options?.recursive !== true) throw fsError('ERR_FS_EISDIR', 'rm', full);
    parent.entries.delete(name);
  }

  async syncDir(path: string): Promise<void> {
    const node = this.lookup(path, 'fsync');
    if (node.kind !== 'directory') throw fsError('ENOTDIR', 'fsync', normalize(path));
    node.durableEntries = new Map(node.entries);
  }

  /**
   * What a machine would find after a power loss at this instant: a new, independent file system
   * holding, for every directory, the entries as of its last `syncDir` (directories count as
   * durable once made), and for every file the contents as of its last `sync()`. Unsynced writes
   * are lost whole (no torn sectors).
   *
   * With `options.random`, unsynced changes are torn instead, as a disk that wrote some of them
   * before the power went: either every directory holds its current entries or every one its
   * durable entries (a journal commits the directory changes together, so a rename is never half
   * done), and in every file each 512-byte sector written since the last
   * `sync()` holds one of the versions it had since, its size one of the sizes it had since (each
   * chosen with `random`, a function returning numbers in [0, 1); below 0.5 means the change
   * reached the disk, so a constant 0 gives {@link MemoryFileSystem.processCrashCopy}'s result and
   * a constant 0.99 the untorn copy).
   */
  powerLossCopy(options?: { readonly random?: () => number }): MemoryFileSystem {
    const random = options?.random;
    return random === undefined ? this.copy(true) : this.copy(true, random);
  }

  /**
   * What a process killed at this instant (kill -9) leaves behind: everything it wrote, synced or
   * not, because the kernel already holds it. A new, independent file system.
   */
  processCrashCopy(): MemoryFileSystem {
    return this.copy(false);
  }

  private copy(durableOnly: boolean, tear?: () => number): MemoryFileSystem {
    const copy = new MemoryFileSystem();
    const files = new Map<FileNode, FileNode>();
    // Torn: the unsynced directory changes reached the disk all or none, as a journaling file
    // system commits them (a rename between two directories is never half done).
    const currentEntries = !durableOnly || (tear !== undefined && tear() < 0.5);
    const clone = (source: DirectoryNode, target: DirectoryNode): void => {
      const entries = currentEntries ? source.entries : source.durableEntries;
      for (const [name, child] of entries) {
        let copied: Node;
        if (child.kind === 'directory') {
          copied = new DirectoryNode();
          clone(child, copied);
        } else {
          let file = files.get(child);
          if (file === undefined) {
            file = new FileNode();
            const contents = !durableOnly ? child.contents() : tear === undefined ? child.durableContents() : child.tornContents(tear);
            file.write(contents, 0, contents.length, 0);
            file.sync();
            files.set(child, file);
          }
          copied = file;
        }
        target.entries.set(name, copied);
        target.durableEntries.set(name, copied);
      }
    };
    clone(this.root, copy.root);
    return copy;
  }

  private lookup(path: string, syscall: string): Node {
    const full = normalize(path);
    let current: Node = this.root;
    for (const part of segments(full)) {
      if (current.kind !== 'directory') throw fsError('ENOTDIR', syscall, full);
      const next: Node | undefined = current.entries.get(part);
      if (next === undefined) throw fsError('ENOENT', syscall, full);
      current = next;
    }
    return current;
  }

  private parentOf(full: string, syscall: string): { parent: DirectoryNode; name: string };
  private parentOf(full: string, syscall: string, lenient: true | boolean): { parent: DirectoryNode | undefined; name: string };
  private parentOf(full: string, syscall: string, lenient = false): { parent: DirectoryNode | undefined; name: string } {
    const name = posix.basename(full);
    if (full === '/' || name === '') throw fsError('EISDIR', syscall, full);
    let parent: Node;
    try {
      parent = this.lookup(posix.dirname(full), syscall);
    } catch (error) {
      if (lenient) return { parent: undefined, name };
      throw Object.assign(error as NodeJS.ErrnoException, { path: full });
    }
    if (parent.kind !== 'directory') {
      if (lenient) return { parent: undefined, name };
      throw fsError('ENOTDIR', syscall, full);
    }
    return { parent, name };
  }
}

function normalize(path: string): string {
  return posix.resolve('/', path);
}

function segments(full: string): string[] {
  return full.split('/').filter((part) => part !== '');
}

function isInside(candidate: string, directory: string): boolean {
  return candidate.startsWith(directory.endsWith('/') ? directory : `${directory}/`);
}
