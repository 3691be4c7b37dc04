/**
 * The source argument of a restore: a path (an archive, RESTORE-030, or a directory of
 * incremental files, INCR-021 / INCR-024) or a readable stream (RESTORE-002), and the spooling of
 * a stream to disk, whose failures are coded errors, never a crash.
 *
 * Everything runs on a {@link MemoryFileSystem}; faults come from a {@link FaultyFileSystem}.
 */
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { BackupConformanceError, fail } from '../../src/errors.js';
import { FaultyFileSystem, type FileHandle, type FileSystem, MemoryFileSystem } from '../../src/fs/index.js';
import { type RestoreStream, StreamGuard, isRestoreStream, resolveRestoreSource, spoolStream, streamError } from '../../src/restore/restore-source.js';
import { expectCode } from '../engine/_helpers.js';

/** The path separator `restore-source` sees: the platform's, or a backslash for the Windows case. */
const platform = vi.hoisted(() => ({ sep: undefined as string | undefined }));
vi.mock('node:path', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:path')>();
  return {
    ...actual,
    get sep() {
      return platform.sep ?? actual.sep;
    },
  };
});

/** A memory file system holding `/backups/full.zip` (a file) and `/backups/chain` (a directory). */
async function disk(): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  await fs.mkdir('/backups/chain', { recursive: true });
  const handle = await fs.open('/backups/full.zip', 'wx');
  await handle.write(Buffer.from('PK'), 0, 2, 0);
  await handle.close();
  return fs;
}

/** A Node-style errno error. */
function errnoError(code: string, message = `${code}: failed`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** An async iterable of `chunks` (no `on`, no `pipe`). */
function iterableOf(...chunks: unknown[]): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      for (const chunk of chunks) yield chunk as Uint8Array;
    },
  };
}

/** The whole content of `path`. */
const contents = async (fs: FileSystem, path: string): Promise<string> => (await fs.readFile(path)).toString('latin1');

/**
 * Wraps `base` so that each write stores at most `most` bytes (a short write, as `write(2)` may
 * make) and every handle's `close` is recorded.
 */
function shortWrites(base: FileSystem, most: number): { fs: FileSystem; closed: string[]; writes: number[][] } {
  const closed: string[] = [];
  const writes: number[][] = [];
  const fs: FileSystem = Object.create(base) as FileSystem;
  fs.open = async (path, flags, mode) => {
    const handle = await base.open(path, flags, mode);
    const wrapped: FileHandle = {
      ...handle,
      read: (...args) => handle.read(...args),
      sync: () => handle.sync(),
      truncate: (length) => handle.truncate(length),
      stat: () => handle.stat(),
      write: async (buffer, offset, length, position) => {
        writes.push([offset, length, position ?? -1]);
        return handle.write(buffer, offset, Math.min(length, most), position);
      },
      close: async () => {
        closed.push(path);
        await handle.close();
      },
    };
    return wrapped;
  };
  return { fs, closed, writes };
}

describe('isRestoreStream', () => {
  it('is true for Node streams and async iterables', () => {
    expect(isRestoreStream(Readable.from([Buffer.from('x')]))).toBe(true);
    expect(isRestoreStream(iterableOf())).toBe(true);
    expect(isRestoreStream({ pipe: () => undefined })).toBe(true);
    expect(isRestoreStream({ [Symbol.asyncIterator]: () => undefined })).toBe(true);
  });

  it('is false for anything else', () => {
    for (const value of [null, undefined, 0, 'archive.zip', true, 1n, Symbol.asyncIterator, {}, [], [Buffer.from('x')], { pipe: 'yes' }, { [Symbol.asyncIterator]: 1 }, { [Symbol.iterator]: () => [][Symbol.iterator]() }, { on: () => undefined }]) {
      expect(isRestoreStream(value)).toBe(false);
    }
  });

  it('is false for a function, whatever properties it has', () => {
    expect(isRestoreStream(Object.assign(() => undefined, { pipe: () => undefined }))).toBe(false);
    expect(isRestoreStream(Object.assign(() => undefined, { [Symbol.asyncIterator]: () => undefined }))).toBe(false);
  });
});

describe('StreamGuard', () => {
  it('keeps the first error a stream emits, so that it never crashes the process', () => {
    const stream = new EventEmitter();
    const guard = new StreamGuard(stream as unknown as RestoreStream);
    expect(guard.error).toBeUndefined();
    const first = new Error('first');
    expect(() => stream.emit('error', first)).not.toThrow();
    stream.emit('error', new Error('second'));
    expect(guard.error).toBe(first);
  });

  it('keeps listening after the first error', () => {
    const stream = new EventEmitter();
    void new StreamGuard(stream as unknown as RestoreStream);
    stream.emit('error', new Error('first'));
    expect(stream.listenerCount('error')).toBe(1);
  });

  it('accepts an async iterable that cannot emit', () => {
    const guard = new StreamGuard(iterableOf(Buffer.from('x')));
    expect(guard.error).toBeUndefined();
  });
});

describe('streamError', () => {
  it('passes a coded error through', () => {
    const coded = fail('ERR_ARCHIVE_CORRUPT_DATA', 'bad');
    expect(streamError(coded)).toBe(coded);
  });

  it('makes ENOENT ERR_ARCHIVE_NOT_FOUND, keeping the cause and its message', () => {
    const cause = errnoError('ENOENT', "ENOENT: no such file or directory, open '/nowhere.zip'");
    const error = streamError(cause);
    expect(error).toBeInstanceOf(BackupConformanceError);
    expect(error.code).toBe('ERR_ARCHIVE_NOT_FOUND');
    expect(error.details).toStrictEqual({ errno: 'ENOENT' });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe("The archive stream has nothing to read: ENOENT: no such file or directory, open '/nowhere.zip'");
  });

  it('makes any other failure ERR_IO, with the errno when there is one', () => {
    const cause = errnoError('EIO', 'EIO: i/o error, read');
    const error = streamError(cause);
    expect(error.code).toBe('ERR_IO');
    expect(error.details).toStrictEqual({ errno: 'EIO' });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('Reading the archive stream failed: EIO: i/o error, read');

    const plain = new Error('socket hang up');
    expect(streamError(plain).details).toStrictEqual({});
    expect(streamError(plain).message).toBe('Reading the archive stream failed: socket hang up');
  });

  it('describes something thrown that is not an Error', () => {
    for (const [thrown, text] of [
      ['gone', 'gone'],
      [undefined, 'undefined'],
      [null, 'null'],
      [42, '42'],
    ] as const) {
      const error = streamError(thrown);
      expect(error.code).toBe('ERR_IO');
      expect(error.details).toStrictEqual({});
      expect(error.cause).toBe(thrown);
      expect(error.message).toBe(`Reading the archive stream failed: ${text}`);
    }
    const notAnError = { code: 'ENOENT', message: 'looks like one' };
    const error = streamError(notAnError);
    expect(error.code).toBe('ERR_ARCHIVE_NOT_FOUND');
    expect(error.message).toBe('The archive stream has nothing to read: [object Object]');
  });
});

describe('resolveRestoreSource: streams', () => {
  it('returns a stream with a new guard attached to it', async () => {
    const stream = new EventEmitter() as EventEmitter & { pipe: () => void };
    stream.pipe = () => undefined;
    const source = await resolveRestoreSource(new MemoryFileSystem(), stream);
    expect(source.kind).toBe('stream');
    if (source.kind !== 'stream') return;
    expect(source.stream).toBe(stream);
    expect(source.guard).toBeInstanceOf(StreamGuard);
    const failure = new Error('early');
    stream.emit('error', failure);
    expect(source.guard.error).toBe(failure);
  });

  it('keeps the guard attached earlier', async () => {
    const stream = Readable.from([Buffer.from('x')]);
    const guard = new StreamGuard(stream);
    const source = await resolveRestoreSource(new MemoryFileSystem(), stream, guard);
    expect(source).toStrictEqual({ kind: 'stream', stream, guard });
    expect(stream.listenerCount('error')).toBe(1);
  });

  it('does not touch the file system for a stream', async () => {
    const fs = new FaultyFileSystem(new MemoryFileSystem(), { failAt: 1, persistent: true });
    const source = await resolveRestoreSource(fs, iterableOf());
    expect(source.kind).toBe('stream');
    expect(fs.counted).toBe(0);
  });
});

describe('resolveRestoreSource: paths', () => {
  it('resolves a file to an archive and a directory to a chain directory', async () => {
    const fs = await disk();
    expect(await resolveRestoreSource(fs, '/backups/full.zip')).toStrictEqual({ kind: 'archive', path: '/backups/full.zip' });
    expect(await resolveRestoreSource(fs, '/backups/chain')).toStrictEqual({ kind: 'directory', path: '/backups/chain' });
    expect(await resolveRestoreSource(fs, '/backups/chain/')).toStrictEqual({ kind: 'directory', path: '/backups/chain/' });
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['an object', {}],
    ['an array of a path', ['/backups/full.zip']],
    ['a Buffer', Buffer.from('/backups/full.zip')],
    ['an empty path', ''],
    ['a path with a NUL byte', '/backups/full.zip\0'],
    ['a NUL byte', '\0'],
  ])('refuses %s with ERR_INVALID_ARGUMENT, before any file system call', async (_what, input) => {
    const fs = new FaultyFileSystem(await disk(), { failAt: 1, persistent: true });
    const error = await expectCode(() => resolveRestoreSource(fs, input), 'ERR_INVALID_ARGUMENT');
    expect(error.details).toStrictEqual({});
    expect(fs.counted).toBe(0);
  });

  it('refuses a missing archive with ERR_ARCHIVE_NOT_FOUND naming it', async () => {
    const fs = await disk();
    for (const path of ['/backups/missing.zip', '/nowhere/full.zip', 'relative-missing.zip']) {
      const error = await expectCode(() => resolveRestoreSource(fs, path), 'ERR_ARCHIVE_NOT_FOUND');
      expect(error.details).toStrictEqual({ path });
      expect(error.message).toBe(`The archive '${path}' does not exist`);
    }
  });

  it('refuses a path through a file (ENOTDIR) as a missing archive', async () => {
    const fs = await disk();
    const path = '/backups/full.zip/inner.zip';
    const error = await expectCode(() => resolveRestoreSource(fs, path), 'ERR_ARCHIVE_NOT_FOUND');
    expect(error.details).toStrictEqual({ path });
  });

  it('refuses a missing directory named with a trailing separator with ERR_BACKUP_DIR_NOT_FOUND', async () => {
    const fs = await disk();
    for (const path of ['/backups/missing/', '/backups/full.zip/inner/']) {
      const error = await expectCode(() => resolveRestoreSource(fs, path), 'ERR_BACKUP_DIR_NOT_FOUND');
      expect(error.details).toStrictEqual({ path });
      expect(error.message).toBe(`The backup directory '${path}' does not exist`);
    }
  });

  it('refuses a file named with a trailing separator as not a directory', async () => {
    // Node's stat says ENOTDIR here (a missing directory, above); the memory file system
    // normalizes the trailing slash away and finds the file.
    const fs = await disk();
    const error = await expectCode(() => resolveRestoreSource(fs, '/backups/full.zip/'), 'ERR_BACKUP_DIR_NOT_FOUND');
    expect(error.details).toStrictEqual({ path: '/backups/full.zip/' });
    expect(error.message).toBe("'/backups/full.zip/' is not a directory");
  });

  it('makes any other failure of stat ERR_IO, naming the path and the errno', async () => {
    for (const errno of ['EACCES', 'EIO', 'EMFILE'] as const) {
      const fs = new FaultyFileSystem(await disk(), { failAt: 1, errno, operations: ['stat'] });
      for (const path of ['/backups/full.zip', '/backups/chain/']) {
        fs.arm({ failAt: 1, errno, operations: ['stat'] });
        const error = await expectCode(() => resolveRestoreSource(fs, path), 'ERR_IO');
        expect(error.details).toStrictEqual({ path, errno });
        expect(error.message.startsWith(`Checking '${path}' failed: ${errno}: `)).toBe(true);
      }
    }
  });

  it('makes a stat that rejects with something that is not an error ERR_IO, not a TypeError', async () => {
    const base = await disk();
    for (const reason of [undefined, null, 'EIO']) {
      const fs: FileSystem = Object.create(base) as FileSystem;
      fs.stat = () => Promise.reject(reason);
      const error = await expectCode(() => resolveRestoreSource(fs, '/backups/full.zip'), 'ERR_IO');
      expect(error.details).toStrictEqual({ path: '/backups/full.zip' });
      expect(error.message).toBe(`Checking '/backups/full.zip' failed: ${String(reason)}`);
    }
  });

  it('takes a backslash as a directory separator where the platform separator is one', async () => {
    const fs = await disk();
    const file: FileSystem = Object.create(fs) as FileSystem;
    file.stat = (path) => fs.stat(path.replace(/[\\/]$/, ''));
    platform.sep = '\\';
    try {
      await expectCode(() => resolveRestoreSource(fs, '/backups/missing\\'), 'ERR_BACKUP_DIR_NOT_FOUND');
      await expectCode(() => resolveRestoreSource(fs, '/backups/missing/'), 'ERR_BACKUP_DIR_NOT_FOUND');
      await expectCode(() => resolveRestoreSource(file, '/backups/full.zip\\'), 'ERR_BACKUP_DIR_NOT_FOUND');
      await expectCode(() => resolveRestoreSource(file, '/backups/full.zip/'), 'ERR_BACKUP_DIR_NOT_FOUND');
      expect(await resolveRestoreSource(file, '/backups/chain\\')).toStrictEqual({ kind: 'directory', path: '/backups/chain\\' });
    } finally {
      platform.sep = undefined;
    }
    // Where the separator is a slash, a backslash is part of a file name.
    await expectCode(() => resolveRestoreSource(fs, '/backups/missing\\'), 'ERR_ARCHIVE_NOT_FOUND');
  });
});

describe('spoolStream', () => {
  const target = '/staging/archive.zip';

  async function spoolDisk(): Promise<MemoryFileSystem> {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/staging');
    return fs;
  }

  it('copies every chunk and resolves the bytes written', async () => {
    const fs = await spoolDisk();
    const stream = iterableOf(Buffer.from('PK\x03\x04'), new Uint8Array([1, 2, 3]), Buffer.alloc(0), 'text');
    expect(await spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target)).toBe(11);
    expect(await contents(fs, target)).toBe('PK\x03\x04\x01\x02\x03text');
  });

  it('copies a Node stream', async () => {
    const fs = await spoolDisk();
    const stream = Readable.from([Buffer.from('abc'), Buffer.from('def')]);
    expect(await spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target)).toBe(6);
    expect(await contents(fs, target)).toBe('abcdef');
  });

  it('writes an empty file for an empty stream', async () => {
    const fs = await spoolDisk();
    const stream = iterableOf();
    expect(await spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target)).toBe(0);
    expect(await contents(fs, target)).toBe('');
  });

  it('finishes short writes at the right offsets, and closes the file', async () => {
    const memory = await spoolDisk();
    const { fs, closed, writes } = shortWrites(memory, 2);
    const stream = iterableOf(Buffer.from('abcde'), Buffer.from('fgh'));
    expect(await spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target)).toBe(8);
    expect(await contents(memory, target)).toBe('abcdefgh');
    expect(writes).toStrictEqual([
      [0, 5, 0],
      [2, 3, 2],
      [4, 1, 4],
      [0, 3, 5],
      [2, 1, 7],
    ]);
    expect(closed).toStrictEqual([target]);
  });

  it('refuses a stream that already failed, creating nothing', async () => {
    const fs = await spoolDisk();
    const stream = new EventEmitter() as EventEmitter & AsyncIterable<Uint8Array>;
    Object.assign(stream, iterableOf(Buffer.from('never read')));
    const guard = new StreamGuard(stream);
    stream.emit('error', errnoError('ENOENT', "ENOENT: no such file or directory, open '/gone.zip'"));
    const error = await expectCode(() => spoolStream(fs, { stream, guard }, target), 'ERR_ARCHIVE_NOT_FOUND');
    expect(error.details).toStrictEqual({ errno: 'ENOENT' });
    expect(await fs.readdir('/staging')).toStrictEqual([]);
  });

  it('refuses an existing file at the path (created exclusively), leaving it as it was', async () => {
    const fs = await spoolDisk();
    const handle = await fs.open(target, 'wx');
    await handle.write(Buffer.from('old'), 0, 3, 0);
    await handle.close();
    const stream = iterableOf(Buffer.from('new!'));
    const error = await expectCode(() => spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target), 'ERR_IO');
    expect(error.details).toStrictEqual({ path: target, errno: 'EEXIST' });
    expect(error.message.startsWith(`Creating '${target}' failed: `)).toBe(true);
    expect(await contents(fs, target)).toBe('old');
  });

  it('makes a failing open ERR_IO naming the path', async () => {
    const fs = new FaultyFileSystem(await spoolDisk(), { failAt: 1, errno: 'EMFILE', operations: ['open'] });
    const stream = iterableOf(Buffer.from('x'));
    const error = await expectCode(() => spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target), 'ERR_IO');
    expect(error.details).toStrictEqual({ path: target, errno: 'EMFILE' });
  });

  it('makes a failing write ERR_IO naming the path, and closes the file', async () => {
    const memory = await spoolDisk();
    const fs = new FaultyFileSystem(memory, { failAt: 2, errno: 'ENOSPC', operations: ['write'] }, { record: true });
    const stream = iterableOf(Buffer.from('one'), Buffer.from('two'), Buffer.from('three'));
    const error = await expectCode(() => spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target), 'ERR_IO');
    expect(error.details).toStrictEqual({ path: target, errno: 'ENOSPC' });
    expect(error.message.startsWith(`Writing '${target}' failed: ENOSPC: `)).toBe(true);
    expect(fs.calls.map((call) => call.operation)).toStrictEqual(['open', 'write', 'write', 'close']);
    expect(await contents(memory, target)).toBe('one');
  });

  it('refuses a chunk that is not bytes with ERR_INVALID_ARGUMENT, and closes the file', async () => {
    for (const chunk of [42, null, { length: 2 }, [1, 2], new Uint16Array([1]).buffer]) {
      const memory = await spoolDisk();
      const { fs, closed } = shortWrites(memory, 100);
      const stream = iterableOf(Buffer.from('ok'), chunk);
      const error = await expectCode(() => spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target), 'ERR_INVALID_ARGUMENT');
      expect(error.details).toStrictEqual({});
      expect(closed).toStrictEqual([target]);
      expect(await contents(memory, target)).toBe('ok');
    }
  });

  it('makes a stream failing while read a coded error: ENOENT as a missing archive, else ERR_IO', async () => {
    const failing = (error: unknown): AsyncIterable<Uint8Array> => ({
      async *[Symbol.asyncIterator]() {
        yield Buffer.from('part');
        throw error;
      },
    });
    const fs = await spoolDisk();
    let stream = failing(errnoError('ENOENT'));
    const missing = await expectCode(() => spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target), 'ERR_ARCHIVE_NOT_FOUND');
    expect(missing.details).toStrictEqual({ errno: 'ENOENT' });

    stream = failing(new Error('connection reset'));
    const io = await expectCode(() => spoolStream(fs, { stream, guard: new StreamGuard(stream) }, '/staging/second.zip'), 'ERR_IO');
    expect(io.details).toStrictEqual({});
    expect(io.message).toBe('Reading the archive stream failed: connection reset');

    const coded = fail('ERR_ARCHIVE_CORRUPT_DATA', 'from the source');
    stream = failing(coded);
    expect(await expectCode(() => spoolStream(fs, { stream, guard: new StreamGuard(stream) }, '/staging/third.zip'), 'ERR_ARCHIVE_CORRUPT_DATA')).toBe(coded);
  });

  it('makes a Node stream destroyed with an error ERR_IO', async () => {
    const fs = await spoolDisk();
    const stream = new Readable({
      read() {
        this.destroy(errnoError('EIO', 'EIO: device gone'));
      },
    });
    const error = await expectCode(() => spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target), 'ERR_IO');
    expect(error.details).toStrictEqual({ errno: 'EIO' });
  });

  it('refuses a stream that reported an error while its chunks still ended normally', async () => {
    const fs = await spoolDisk();
    const listeners: ((error: unknown) => void)[] = [];
    const stream = {
      on(event: string, listener: (error: unknown) => void) {
        if (event === 'error') listeners.push(listener);
        return this;
      },
      async *[Symbol.asyncIterator]() {
        yield Buffer.from('half');
        for (const listener of listeners) listener(new Error('late failure'));
      },
    };
    const error = await expectCode(() => spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target), 'ERR_IO');
    expect(error.message).toBe('Reading the archive stream failed: late failure');
  });

  it('ignores a failing close once the bytes are written', async () => {
    const memory = await spoolDisk();
    const fs = new FaultyFileSystem(memory, { failAt: 1, errno: 'EIO', operations: ['close'] });
    const stream = iterableOf(Buffer.from('done'));
    expect(await spoolStream(fs, { stream, guard: new StreamGuard(stream) }, target)).toBe(4);
    expect(await contents(memory, target)).toBe('done');
    expect(fs.injected).toBe(1);
  });
});
