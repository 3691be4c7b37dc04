import type { FileHandle, FileSystem } from '../../../src/fs/index.js';
import { errno } from './memory-fs.js';

/**
 * Wraps a {@link FileSystem} so that its calls (and its handles' calls) are counted and the
 * `failAt`-th one (1-based) fails with EIO; `persistent` makes every later call fail too.
 * `calls` tells how many calls a run made, to sweep `failAt` over all of them.
 */
export class FaultyFileSystem implements FileSystem {
  calls = 0;

  constructor(
    private readonly inner: FileSystem,
    private readonly failAt = Number.POSITIVE_INFINITY,
    private readonly persistent = false,
  ) {}

  private tick(name: string): void {
    this.calls += 1;
    if (this.calls === this.failAt || (this.persistent && this.calls > this.failAt)) throw errno('EIO', name, `call ${this.calls}`);
  }

  private wrap(handle: FileHandle): FileHandle {
    const call = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
      this.tick(name);
      return run();
    };
    return {
      read: (buffer, offset, length, position) => call('read', () => handle.read(buffer, offset, length, position)),
      write: (buffer, offset, length, position) => call('write', () => handle.write(buffer, offset, length, position)),
      sync: () => call('fsync', () => handle.sync()),
      truncate: (length) => call('ftruncate', () => handle.truncate(length)),
      stat: () => call('fstat', () => handle.stat()),
      close: () => call('close', () => handle.close()),
    };
  }

  async open(...args: Parameters<FileSystem['open']>) {
    this.tick('open');
    return this.wrap(await this.inner.open(...args));
  }
  async readFile(target: string) {
    this.tick('readFile');
    return this.inner.readFile(target);
  }
  async stat(target: string) {
    this.tick('stat');
    return this.inner.stat(target);
  }
  async lstat(target: string) {
    this.tick('lstat');
    return this.inner.lstat(target);
  }
  async readdir(target: string) {
    this.tick('readdir');
    return this.inner.readdir(target);
  }
  async mkdir(target: string, options?: { recursive?: boolean }) {
    this.tick('mkdir');
    return this.inner.mkdir(target, options);
  }
  async rename(from: string, to: string) {
    this.tick('rename');
    return this.inner.rename(from, to);
  }
  async unlink(target: string) {
    this.tick('unlink');
    return this.inner.unlink(target);
  }
  async rm(target: string, options?: { recursive?: boolean; force?: boolean }) {
    this.tick('rm');
    return this.inner.rm(target, options);
  }
  async syncDir(target: string) {
    this.tick('syncDir');
    return this.inner.syncDir(target);
  }
}
