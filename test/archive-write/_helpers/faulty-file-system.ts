import type { FileHandle, FileSystem } from '../../../src/fs/index.js';

/**
 * Wraps a FileSystem so that the `failAt`-th call (1-based; counting every FileSystem and
 * FileHandle method) fails with EIO — once, or for that call and every later one when
 * `persistent`. Every call is logged as "method arg..." for ordering checks.
 */
export class FaultyFileSystem implements FileSystem {
  readonly log: string[] = [];
  private calls = 0;

  constructor(
    private readonly inner: FileSystem,
    private readonly failAt = Number.POSITIVE_INFINITY,
    private readonly persistent = false,
  ) {}

  private async call<T>(name: string, action: () => Promise<T>): Promise<T> {
    this.calls++;
    this.log.push(name);
    if (this.calls === this.failAt || (this.persistent && this.calls > this.failAt)) {
      throw Object.assign(new Error(`injected EIO in ${name}`), { code: 'EIO' });
    }
    return action();
  }

  private wrap(handle: FileHandle): FileHandle {
    return {
      read: (buffer, offset, length, position) => this.call('handle.read', () => handle.read(buffer, offset, length, position)),
      write: (buffer, offset, length, position) => this.call('handle.write', () => handle.write(buffer, offset, length, position)),
      sync: () => this.call('handle.sync', () => handle.sync()),
      truncate: (length) => this.call('handle.truncate', () => handle.truncate(length)),
      stat: () => this.call('handle.stat', () => handle.stat()),
      close: () => this.call('handle.close', () => handle.close()),
    };
  }

  open: FileSystem['open'] = async (path, flags, mode) =>
    this.wrap(await this.call(`open ${flags} ${mode?.toString(8) ?? ''}`, () => this.inner.open(path, flags, mode)));
  readFile: FileSystem['readFile'] = (path) => this.call('readFile', () => this.inner.readFile(path));
  stat: FileSystem['stat'] = (path) => this.call('stat', () => this.inner.stat(path));
  lstat: FileSystem['lstat'] = (path) => this.call('lstat', () => this.inner.lstat(path));
  readdir: FileSystem['readdir'] = (path) => this.call('readdir', () => this.inner.readdir(path));
  mkdir: FileSystem['mkdir'] = (path, options) => this.call('mkdir', () => this.inner.mkdir(path, options));
  rename: FileSystem['rename'] = (from, to) => this.call('rename', () => this.inner.rename(from, to));
  unlink: FileSystem['unlink'] = (path) => this.call('unlink', () => this.inner.unlink(path));
  rm: FileSystem['rm'] = (path, options) => this.call('rm', () => this.inner.rm(path, options));
  syncDir: FileSystem['syncDir'] = (path) => this.call('syncDir', () => this.inner.syncDir(path));
}
