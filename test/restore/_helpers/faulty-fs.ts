/**
 * A file system that logs every call (operation and path) and can fail from the Nth call on:
 * once (a transient error), or for good (everything after fails too: the process died there, as
 * far as the disk is concerned).
 */
import type { FileHandle, FileSystem } from '../../../src/fs/index.js';

function eio(operation: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EIO: injected fault, ${operation} '${path}'`), { code: 'EIO', errno: -5, syscall: operation, path });
}

/** How {@link FaultyFileSystem} fails. */
export interface FaultPlan {
  /** The 1-based call that fails (Infinity: none). */
  readonly failAt: number;
  /** Every call after it fails too. */
  readonly persistent: boolean;
}

/** Wraps a file system; see the module comment. */
export class FaultyFileSystem implements FileSystem {
  /** Every call so far: `<operation> <path>`. */
  readonly calls: string[] = [];

  constructor(
    private readonly inner: FileSystem,
    private plan: FaultPlan = { failAt: Number.POSITIVE_INFINITY, persistent: false },
  ) {}

  /** Fails as `plan` says from now on (call numbers count every call so far). */
  arm(plan: FaultPlan): void {
    this.plan = plan;
  }

  /** Stops failing (the disk is back). */
  heal(): void {
    this.plan = { failAt: Number.POSITIVE_INFINITY, persistent: false };
  }

  private tick(operation: string, path: string): void {
    this.calls.push(`${operation} ${path}`);
    const n = this.calls.length;
    if (n === this.plan.failAt || (this.plan.persistent && n > this.plan.failAt)) throw eio(operation, path);
  }

  private wrap(handle: FileHandle, path: string): FileHandle {
    const call = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
      this.tick(operation, path);
      return run();
    };
    return {
      read: (buffer, offset, length, position) => call('read', () => handle.read(buffer, offset, length, position)),
      write: (buffer, offset, length, position) => call('write', () => handle.write(buffer, offset, length, position)),
      sync: () => call('fsync', () => handle.sync()),
      truncate: (length) => call('ftruncate', () => handle.truncate(length)),
      stat: () => call('fstat', () => handle.stat()),
      // A handle is always closed, as the kernel closes a dead process's files.
      close: () => handle.close(),
    };
  }

  async open(path: string, flags: Parameters<FileSystem['open']>[1], mode?: number) {
    this.tick(`open(${flags})`, path);
    return this.wrap(await this.inner.open(path, flags, mode), path);
  }
  async readFile(path: string) {
    this.tick('readFile', path);
    return this.inner.readFile(path);
  }
  async stat(path: string) {
    this.tick('stat', path);
    return this.inner.stat(path);
  }
  async lstat(path: string) {
    this.tick('lstat', path);
    return this.inner.lstat(path);
  }
  async readdir(path: string) {
    this.tick('readdir', path);
    return this.inner.readdir(path);
  }
  async mkdir(path: string, options?: { recursive?: boolean }) {
    this.tick('mkdir', path);
    return this.inner.mkdir(path, options);
  }
  async rename(from: string, to: string) {
    this.tick('rename', `${from} -> ${to}`);
    return this.inner.rename(from, to);
  }
  async unlink(path: string) {
    this.tick('unlink', path);
    return this.inner.unlink(path);
  }
  async rm(path: string, options?: { recursive?: boolean; force?: boolean }) {
    this.tick('rm', path);
    return this.inner.rm(path, options);
  }
  async syncDir(path: string) {
    this.tick('syncDir', path);
    return this.inner.syncDir(path);
  }
}
