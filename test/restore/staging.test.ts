/**
 * The staging directory of a restore (src/restore/staging.ts), on a MemoryFileSystem: its name
 * pattern, its creation and removal (and their failures), the owner check recovery relies on,
 * and the durable marker writes the swap is built from.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupConformanceError, fail } from '../../src/errors.js';
import { coded, rejection } from './_helpers/rejection.js';
import { FaultyFileSystem, MemoryFileSystem, type FileHandle, type FileSystem } from '../../src/fs/index.js';
import {
  COMMIT_MARKER,
  OLD_MOVED_MARKER,
  REPLACED_FILES,
  SPOOLED_INPUT,
  STAGED_DATABASE,
  createStaging,
  ioError,
  isStagingLive,
  pathExists,
  stagingNamePattern,
  writeMarker,
} from '../../src/restore/staging.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The pid of a process that has exited (made on first use: a fixture failing in a hook would hide every test). */
let deadPidCache: number | undefined;
function deadPid(): number {
  deadPidCache ??= spawnSync(process.execPath, ['-e', '']).pid;
  return deadPidCache;
}

const OPEN_FLAGS: readonly string[] = ['r', 'r+', 'w', 'wx', 'w+', 'a'];

/**
 * A file system over `base` that counts the handles open right now, refuses open flags other
 * than the documented ones (as `node:fs` does; the memory file system takes anything), and
 * refuses a write of nothing (a loop issuing one would spin for ever, since it writes 0 bytes).
 */
function countingHandles(base: FileSystem): { fs: FileSystem; open: () => number } {
  let open = 0;
  const fs: FileSystem = {
    async open(path, flags, mode) {
      if (!OPEN_FLAGS.includes(flags)) throw Object.assign(new Error(`EINVAL: bad open flags ${JSON.stringify(flags)}`), { code: 'EINVAL' });
      const handle = await base.open(path, flags, mode);
      open++;
      let closed = false;
      return {
        read: (...args) => handle.read(...args),
        write: async (buffer, offset, length, position) => {
          if (length <= 0) throw new Error(`a write of ${length} bytes to '${path}'`);
          return handle.write(buffer, offset, length, position);
        },
        sync: () => handle.sync(),
        truncate: (length) => handle.truncate(length),
        stat: () => handle.stat(),
        close: async () => {
          if (!closed) open--;
          closed = true;
          await handle.close();
        },
      };
    },
    readFile: (path) => base.readFile(path),
    stat: (path) => base.stat(path),
    lstat: (path) => base.lstat(path),
    readdir: (path) => base.readdir(path),
    mkdir: (path, options) => base.mkdir(path, options),
    rename: (from, to) => base.rename(from, to),
    unlink: (path) => base.unlink(path),
    rm: (path, options) => base.rm(path, options),
    syncDir: (path) => base.syncDir(path),
  };
  return { fs, open: () => open };
}

async function writeText(fs: FileSystem, path: string, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const handle = await fs.open(path, 'w');
  try {
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readText(fs: FileSystem, path: string): Promise<string> {
  return (await fs.readFile(path)).toString('utf8');
}

async function names(fs: FileSystem, directory: string): Promise<string[]> {
  return (await fs.readdir(directory)).map((entry) => entry.name);
}

describe('the layout constants', () => {
  it('name the parts of a staging directory as the recovery of older runs expects them', () => {
    expect([STAGED_DATABASE, REPLACED_FILES, SPOOLED_INPUT, COMMIT_MARKER, OLD_MOVED_MARKER]).toEqual(['new', 'old', 'input.zip', 'COMMITTED', 'OLD-MOVED-OUT']);
  });
});

describe('stagingNamePattern', () => {
  it('matches the staging names of exactly that database: a dot, the name, .restore- and 12 lower-case hex digits', () => {
    const pattern = stagingNamePattern('db');
    expect(pattern.test('.db.restore-0123456789ab')).toBe(true);
    expect(pattern.test('.db.restore-cdef01234567')).toBe(true);
    for (const other of [
      '.db.restore-0123456789a', // 11 digits
      '.db.restore-0123456789abc', // 13 digits
      '.db.restore-0123456789AB', // upper case
      '.db.restore-0123456789ag', // not hex
      'db.restore-0123456789ab', // no leading dot
      'x.db.restore-0123456789ab',
      '.db.restore-0123456789ab.tmp',
      '.dbx.restore-0123456789ab', // another database
      '.d.restore-0123456789ab',
      '.db.restore0123456789ab',
      '.dbXrestore-0123456789ab',
      'Xdb.restore-0123456789ab',
      '.db.backup-0123456789ab',
      '',
    ]) {
      expect(pattern.test(other), other).toBe(false);
    }
  });

  it('takes every character of the name literally', () => {
    for (const special of ['.', '*', '+', '?', '^', '$', '{', '}', '(', ')', '|', '[', ']', '\\']) {
      const name = `a${special}b${special}${special}c`;
      const pattern = stagingNamePattern(name);
      expect(pattern.test(`.${name}.restore-0123456789ab`), name).toBe(true);
      expect(pattern.test('.abc.restore-0123456789ab'), name).toBe(false);
      expect(pattern.test(`.aXbXXc.restore-0123456789ab`), name).toBe(false);
    }
    expect(stagingNamePattern('a.b').test('.aZb.restore-0123456789ab')).toBe(false);
    expect(stagingNamePattern('a*').test('.aaa.restore-0123456789ab')).toBe(false);
  });
});

describe('ioError', () => {
  it('passes a coded error through unchanged', () => {
    const original = fail('ERR_CHAIN_GAP', 'a gap');
    expect(ioError(original, 'Reading', '/x')).toBe(original);
  });

  it('wraps an errno error into ERR_IO naming the path and the errno, with the error as its cause', () => {
    const cause = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    const error = ioError(cause, 'Reading', '/some/file');
    expect(error).toBeInstanceOf(BackupConformanceError);
    expect(error.code).toBe('ERR_IO');
    expect(error.details).toEqual({ path: '/some/file', errno: 'ENOENT' });
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('Reading');
    expect(error.message).toContain('/some/file');
    expect(error.message).toContain('no such file');
  });

  it('leaves errno out when there is none, and describes a thrown non-error', () => {
    // toStrictEqual: an `errno: undefined` member would not do.
    expect(ioError(new Error('plain'), 'Reading', '/p').details).toStrictEqual({ path: '/p' });
    const fromString = ioError('just a string', 'Writing', '/q');
    expect(fromString.code).toBe('ERR_IO');
    expect(fromString.details).toStrictEqual({ path: '/q' });
    expect(fromString.message).toContain('just a string');
    const fromUndefined = ioError(undefined, 'Writing', '/r');
    expect(fromUndefined.details).toStrictEqual({ path: '/r' });
    expect(fromUndefined.message).toContain('undefined');
  });
});

describe('createStaging', () => {
  it('creates a hidden sibling of the target with its owner file and an empty new/', async () => {
    const memory = new MemoryFileSystem();
    const counting = countingHandles(memory);
    const fs = counting.fs;
    await fs.mkdir('/data');
    const staging = await createStaging(fs, '/data/db');
    expect(counting.open()).toBe(0);
    expect(dirname(staging.path)).toBe('/data');
    expect(stagingNamePattern('db').test(staging.path.slice('/data/'.length))).toBe(true);
    expect(staging.target).toBe('/data/db');
    expect(staging.database).toBe(join(staging.path, 'new'));
    expect(await names(fs, staging.path)).toEqual(['new', 'owner']);
    expect(await names(fs, staging.database)).toEqual([]);
    const [pid, token, rest, ...more] = (await readText(fs, join(staging.path, 'owner'))).split('\n');
    expect(pid).toBe(String(process.pid));
    expect(token).toMatch(UUID);
    expect([rest, more]).toEqual(['', []]);
    expect(await names(fs, '/data')).toEqual([staging.path.slice('/data/'.length)]);

    const second = await createStaging(fs, '/data/db');
    expect(second.path).not.toBe(staging.path);
    expect((await readText(fs, join(second.path, 'owner'))).split('\n')[1]).not.toBe(token);
    await second.discard();
    await staging.discard();
  });

  it('is live while this process works in it; release forgets it and leaves the directory', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/data');
    const staging = await createStaging(fs, '/data/db');
    expect(await isStagingLive(fs, staging.path)).toBe(true);
    staging.release();
    expect(await isStagingLive(fs, staging.path)).toBe(false);
    expect(await names(fs, staging.path)).toEqual(['new', 'owner']);
  });

  it('discard removes it durably and ends its token', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/data');
    await fs.syncDir('/');
    const staging = await createStaging(fs, '/data/db');
    await fs.mkdir('/keep');
    await writeText(fs, '/keep/owner', await readText(fs, join(staging.path, 'owner')));
    expect(await isStagingLive(fs, '/keep')).toBe(true);
    await staging.discard();
    expect(await pathExists(fs, staging.path)).toBe(false);
    expect(await names(fs.powerLossCopy(), '/data')).toEqual([]);
    expect(await isStagingLive(fs, '/keep')).toBe(false);
  });

  it('discard never throws, and ends the token even when the disk refuses the removal', async () => {
    const memory = new MemoryFileSystem();
    await memory.mkdir('/data');
    const fs = new FaultyFileSystem(memory);
    const staging = await createStaging(fs, '/data/db');
    await memory.mkdir('/keep');
    await writeText(memory, '/keep/owner', await readText(memory, join(staging.path, 'owner')));
    fs.arm({ failAt: 1, persistent: true });
    await expect(staging.discard()).resolves.toBeUndefined();
    expect(await pathExists(memory, staging.path)).toBe(true);
    expect(await isStagingLive(memory, '/keep')).toBe(false);
  });

  it('fails with ERR_IO naming the staging directory at any failing call, and leaves nothing behind', async () => {
    const probe = new FaultyFileSystem(new MemoryFileSystem());
    await probe.base.mkdir('/data');
    probe.arm({ failAt: Number.POSITIVE_INFINITY });
    await createStaging(probe, '/data/db');
    const calls = probe.counted;
    expect(calls).toBeGreaterThanOrEqual(6); // mkdir, open, write, close, mkdir, syncDir
    for (const persistent of [false, true]) {
      for (let failAt = 1; failAt <= calls; failAt++) {
        const memory = new MemoryFileSystem();
        await memory.mkdir('/data');
        const counting = countingHandles(memory);
        const fs = new FaultyFileSystem(counting.fs, { failAt, errno: 'ENOSPC', persistent });
        const error = await coded(createStaging(fs, '/data/db'));
        const what = `call ${failAt}${persistent ? ' on' : ''}`;
        expect(error.code, what).toBe('ERR_IO');
        expect(error.details?.errno, what).toBe('ENOSPC');
        const path = error.details?.path as string;
        expect(dirname(path), what).toBe('/data');
        expect(stagingNamePattern('db').test(path.slice('/data/'.length)), what).toBe(true);
        expect(error.message, what).toContain(path);
        expect(counting.open(), what).toBe(0);
        if (!persistent) expect(await names(memory, '/data'), what).toEqual([]);
      }
    }
  });

  it('a failure to make the directory (a name already taken) removes nothing', async () => {
    const memory = new MemoryFileSystem();
    await memory.mkdir('/data');
    const taken: FileSystem = Object.assign(Object.create(memory) as MemoryFileSystem, {
      async mkdir(path: string) {
        // Another restore made a directory of the same name a moment ago.
        await memory.mkdir(path);
        await writeText(memory, join(path, 'owner'), `${process.ppid}\nsomeone-else\n`);
        throw Object.assign(new Error(`EEXIST: mkdir '${path}'`), { code: 'EEXIST' });
      },
    });
    const error = await coded(createStaging(taken, '/data/db'));
    expect(error.code).toBe('ERR_IO');
    expect(error.details?.errno).toBe('EEXIST');
    const path = error.details?.path as string;
    expect(await readText(memory, join(path, 'owner'))).toBe(`${process.ppid}\nsomeone-else\n`);
  });

  it('fails with ERR_IO when the parent is missing, creating nothing', async () => {
    const fs = new MemoryFileSystem();
    const error = await coded(createStaging(fs, '/missing/db'));
    expect(error.code).toBe('ERR_IO');
    expect(error.details?.errno).toBe('ENOENT');
    expect(await names(fs, '/')).toEqual([]);
  });
});

describe('isStagingLive', () => {
  async function liveness(owner: string | undefined, kind: 'file' | 'directory' = 'file'): Promise<boolean> {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/s');
    if (kind === 'directory') await fs.mkdir('/s/owner');
    else if (owner !== undefined) await writeText(fs, '/s/owner', owner);
    return isStagingLive(fs, '/s');
  }

  it('is true for a token this process holds and for another live process', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/data');
    const staging = await createStaging(fs, '/data/db');
    const owner = await readText(fs, join(staging.path, 'owner'));
    const token = owner.split('\n')[1]!;
    expect(await liveness(owner)).toBe(true);
    expect(await liveness(`${process.pid}\n${token}`)).toBe(true);
    expect(await liveness(`${process.ppid}\nanother-process\n`)).toBe(true);
    expect(await liveness(`${process.pid}\nnot-a-token-we-hold\n`)).toBe(false);
    expect(await liveness(`${process.pid}\n`)).toBe(false);
    expect(await liveness(`${process.pid}`)).toBe(false);
    await staging.discard();
    expect(await liveness(owner)).toBe(false);
  });

  it('is false for a dead process, a missing or unreadable owner file, or a pid that is not plain digits', async () => {
    expect(await liveness(`${deadPid()}\nold-token\n`)).toBe(false);
    expect(await liveness(undefined)).toBe(false);
    expect(await liveness(undefined, 'directory')).toBe(false);
    for (const owner of ['', '\n', '\nx\n', `abc\nx\n`, ` ${process.ppid}\nx\n`, `${process.ppid} \nx\n`, `+${process.ppid}\nx\n`, `${process.ppid}.0\nx\n`, `0x1\nx\n`]) {
      expect(await liveness(owner), JSON.stringify(owner)).toBe(false);
    }
  });
});

describe('pathExists', () => {
  it('is true for a file or a directory, false for a missing path or one below a file', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/d');
    await writeText(fs, '/d/f', 'x');
    expect(await pathExists(fs, '/d')).toBe(true);
    expect(await pathExists(fs, '/d/f')).toBe(true);
    expect(await pathExists(fs, '/d/missing')).toBe(false);
    expect(await pathExists(fs, '/missing/deeper')).toBe(false);
    expect(await pathExists(fs, '/d/f/below')).toBe(false);
  });

  it('passes any other failure on', async () => {
    const fs = new FaultyFileSystem(new MemoryFileSystem(), { failAt: 1, errno: 'EACCES' });
    const error = (await rejection(pathExists(fs, '/'))) as NodeJS.ErrnoException;
    expect(error.code).toBe('EACCES');
    expect(error).not.toBeInstanceOf(BackupConformanceError);
  });
});

describe('writeMarker', () => {
  it('writes the marker whole and durably, through a temporary file it leaves no trace of', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/s');
    await fs.syncDir('/');
    const counting = countingHandles(fs);
    await writeMarker(counting.fs, '/s', 'MARK', 'contents with ünïcödé €\n');
    expect(counting.open()).toBe(0);
    expect(await names(fs, '/s')).toEqual(['MARK']);
    expect(await readText(fs, '/s/MARK')).toBe('contents with ünïcödé €\n');
    const afterPowerLoss = fs.powerLossCopy();
    expect(await names(afterPowerLoss, '/s')).toEqual(['MARK']);
    expect(await readText(afterPowerLoss, '/s/MARK')).toBe('contents with ünïcödé €\n');
  });

  it('writes an empty marker', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/s');
    await writeMarker(fs, '/s', 'EMPTY', '');
    expect((await fs.readFile('/s/EMPTY')).length).toBe(0);
    expect(await names(fs.powerLossCopy(), '/s')).toEqual(['EMPTY']);
  });

  it('replaces an older marker and a longer stale temporary file', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/s');
    await writeText(fs, '/s/MARK', 'older marker, much longer than the new one');
    await writeText(fs, '/s/MARK.tmp', 'a stale temporary file left by a crash, longer still');
    await writeMarker(fs, '/s', 'MARK', 'new');
    expect(await names(fs, '/s')).toEqual(['MARK']);
    expect(await readText(fs, '/s/MARK')).toBe('new');
  });

  it('keeps writing when the disk takes a few bytes at a time', async () => {
    const memory = new MemoryFileSystem();
    await memory.mkdir('/s');
    const fs: FileSystem = Object.assign(Object.create(memory) as MemoryFileSystem, {
      async open(path: string, flags: 'w', mode?: number): Promise<FileHandle> {
        const handle = await memory.open(path, flags, mode);
        return {
          read: (...args) => handle.read(...args),
          sync: () => handle.sync(),
          truncate: (length) => handle.truncate(length),
          stat: () => handle.stat(),
          close: () => handle.close(),
          async write(buffer: Uint8Array, offset: number, length: number, position: number | null) {
            if (!(length > 0 && offset >= 0 && offset + length <= buffer.length && position === offset)) {
              throw new Error(`a pointless or misplaced write: offset ${offset}, length ${length}, position ${String(position)}`);
            }
            return handle.write(buffer, offset, Math.min(length, 3), position);
          },
        };
      },
    });
    const text = 'a marker written three bytes at a time, €uro signs included';
    await writeMarker(fs, '/s', 'MARK', text);
    expect(await readText(memory, '/s/MARK')).toBe(text);
  });

  it('passes a failing call on as it is, closing what it opened', async () => {
    const probe = new FaultyFileSystem(new MemoryFileSystem());
    await probe.base.mkdir('/s');
    probe.arm({ failAt: Number.POSITIVE_INFINITY });
    await writeMarker(probe, '/s', 'MARK', 'x');
    const calls = probe.counted;
    for (let failAt = 1; failAt <= calls; failAt++) {
      const memory = new MemoryFileSystem();
      await memory.mkdir('/s');
      const counting = countingHandles(memory);
      const fs = new FaultyFileSystem(counting.fs, { failAt, errno: 'EIO' });
      const error = (await rejection(writeMarker(fs, '/s', 'MARK', 'x'))) as NodeJS.ErrnoException;
      expect(error.code, `call ${failAt}`).toBe('EIO');
      expect(error).not.toBeInstanceOf(BackupConformanceError);
      expect(counting.open(), `call ${failAt}`).toBe(0);
    }
  });
});
