/**
 * The process lock (`database.lock`): its content, who counts as holding it, stale locks taken
 * over, release, and the I/O failures, on MemoryFileSystem (with fault injection) and once on the
 * real disk. A sleeping child process plays "another live process".
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCK_FILE } from '../../src/engine/constants.js';
import { acquireProcessLock, isProcessAlive } from '../../src/engine/process-lock.js';
import { FaultyFileSystem, MemoryFileSystem, nodeFileSystem, type FileSystem } from '../../src/fs/index.js';
import { expectCode, tempDir } from './_helpers.js';

let child: ChildProcess;
let livePid: number;
let deadPid: number;

beforeAll(() => {
  child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  livePid = child.pid!;
  // A process that has exited and been reaped: its pid names nobody (barring reuse in the meantime).
  deadPid = spawnSync(process.execPath, ['-e', '']).pid;
});

afterAll(() => {
  child.kill('SIGKILL');
});

/** A MemoryFileSystem with the directory `dir` made, and the lock path in it. */
async function memoryDirectory(dir = '/databases/alpha'): Promise<{ fs: MemoryFileSystem; dir: string; path: string }> {
  const fs = new MemoryFileSystem();
  await fs.mkdir(dir, { recursive: true });
  return { fs, dir, path: join(dir, LOCK_FILE) };
}

async function writeText(fs: FileSystem, path: string, text: string): Promise<void> {
  const handle = await fs.open(path, 'w');
  await handle.write(Buffer.from(text), 0, Buffer.byteLength(text), 0);
  await handle.close();
}

async function readText(fs: FileSystem, path: string): Promise<string | undefined> {
  return fs.readFile(path).then(
    (data) => data.toString('utf8'),
    () => undefined,
  );
}

const OUR_LOCK = new RegExp(`^${process.pid}\\n[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\n$`);

describe('isProcessAlive', () => {
  it('is true for this process and a running child, false for an exited one', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(livePid)).toBe(true);
    expect(isProcessAlive(deadPid)).toBe(false);
  });

  it('counts a process it may not signal (EPERM) as alive, any other failure as gone', () => {
    const fail = (code: string) => () => {
      throw Object.assign(new Error(code), { code });
    };
    const kill = vi.spyOn(process, 'kill');
    try {
      kill.mockImplementation(fail('EPERM'));
      expect(isProcessAlive(4242)).toBe(true);
      kill.mockImplementation(fail('ESRCH'));
      expect(isProcessAlive(4242)).toBe(false);
      expect(kill).toHaveBeenLastCalledWith(4242, 0);
    } finally {
      kill.mockRestore();
    }
  });
});

describe('acquireProcessLock', () => {
  it('writes this pid and a fresh token, one per line, and release removes the file', async () => {
    const { fs, dir, path } = await memoryDirectory();
    const lock = await acquireProcessLock(fs, dir);
    const first = await readText(fs, path);
    expect(first).toMatch(OUR_LOCK);
    await lock.release();
    expect(await readText(fs, path)).toBeUndefined();
    const again = await acquireProcessLock(fs, dir);
    const second = await readText(fs, path);
    expect(second).toMatch(OUR_LOCK);
    expect(second).not.toBe(first);
    await again.release();
  });

  it('opens exclusively, writes, syncs and closes the file, then syncs the directory', async () => {
    const { fs: memory, dir, path } = await memoryDirectory();
    const fs = new FaultyFileSystem(memory, undefined, { record: true });
    const lock = await acquireProcessLock(fs, dir);
    expect(fs.calls.map((call) => [call.operation, ...call.paths])).toEqual([
      ['open', path],
      ['write', path],
      ['sync', path],
      ['close', path],
      ['syncDir', dir],
    ]);
    await lock.release();
  });

  it('refuses a second acquire in this process, naming this process, and leaves the lock alone', async () => {
    const { fs, dir, path } = await memoryDirectory();
    const lock = await acquireProcessLock(fs, dir);
    const content = await readText(fs, path);
    const error = await expectCode(acquireProcessLock(fs, dir), 'ERR_DATABASE_LOCKED');
    expect(error.details).toEqual({ directory: dir, pid: process.pid });
    expect(error.message).toContain('this process');
    expect(error.message).toContain(dir);
    expect(await readText(fs, path)).toBe(content);
    await lock.release();
    await (await acquireProcessLock(fs, dir)).release();
  });

  it('refuses the lock of another live process, naming its pid', async () => {
    const { fs, dir, path } = await memoryDirectory();
    const content = `${livePid}\nsome-token\n`;
    await writeText(fs, path, content);
    const error = await expectCode(acquireProcessLock(fs, dir), 'ERR_DATABASE_LOCKED');
    expect(error.details).toEqual({ directory: dir, pid: livePid });
    expect(error.message).toContain(`pid ${livePid}`);
    expect(error.message).toContain(dir);
    expect(await readText(fs, path)).toBe(content);
  });

  it('reads the fields with surrounding white space ignored (CRLF line ends)', async () => {
    const { fs, dir, path } = await memoryDirectory();
    await writeText(fs, path, `  ${livePid}\r\nsome-token\r\n`);
    expect((await expectCode(acquireProcessLock(fs, dir), 'ERR_DATABASE_LOCKED')).details).toEqual({ directory: dir, pid: livePid });

    // This process's own lock, rewritten with CRLF line ends, is still recognised as held...
    const other = await memoryDirectory('/databases/beta');
    const lock = await acquireProcessLock(other.fs, other.dir);
    const [pid, token] = (await readText(other.fs, other.path))!.split('\n');
    await writeText(other.fs, other.path, `${pid}\r\n${token} \r\n`);
    expect((await expectCode(acquireProcessLock(other.fs, other.dir), 'ERR_DATABASE_LOCKED')).details).toEqual({ directory: other.dir, pid: process.pid });
    // ...and removed by its release.
    await lock.release();
    expect(await readText(other.fs, other.path)).toBeUndefined();
  });

  it.each([
    ['a dead process', () => `${deadPid}\nold-token\n`],
    ['this pid with a token this process does not hold (an earlier boot)', () => `${process.pid}\nold-token\n`],
    ['this pid and no token', () => `${process.pid}\n`],
    ['garbage', () => 'not a lock\n'],
    ['an empty file', () => ''],
    ['a pid with a sign', () => `+${livePid}\nt\n`],
    ['a pid with a fraction', () => `${livePid}.0\nt\n`],
    ['a pid in hexadecimal', () => `0x${livePid.toString(16)}\nt\n`],
    ['pid 0 (no process: kill(0, 0) would probe our own process group)', () => '0\nt\n'],
    ['a live pid with a leading zero', () => `0${livePid}\nt\n`],
  ])('takes over a stale lock: %s', async (_name, content) => {
    const { fs, dir, path } = await memoryDirectory();
    await writeText(fs, path, content());
    const lock = await acquireProcessLock(fs, dir);
    expect(await readText(fs, path)).toMatch(OUR_LOCK);
    await expectCode(acquireProcessLock(fs, dir), 'ERR_DATABASE_LOCKED');
    await lock.release();
    expect(await readText(fs, path)).toBeUndefined();
  });

  it('works on the real disk', async () => {
    const dir = await tempDir('process-lock-');
    try {
      const lock = await acquireProcessLock(nodeFileSystem, dir.path);
      expect(await readFile(join(dir.path, LOCK_FILE), 'utf8')).toMatch(OUR_LOCK);
      await expectCode(acquireProcessLock(nodeFileSystem, dir.path), 'ERR_DATABASE_LOCKED');
      await lock.release();
      await expect(readFile(join(dir.path, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await dir.cleanup();
    }
  });
});

describe('ProcessLock.release', () => {
  it('leaves a lock file that no longer holds its token', async () => {
    for (const replacement of [`${livePid}\nsomeone-else\n`, 'garbage\n']) {
      const { fs, dir, path } = await memoryDirectory();
      const lock = await acquireProcessLock(fs, dir);
      await writeText(fs, path, replacement);
      await lock.release();
      expect(await readText(fs, path)).toBe(replacement);
    }
  });

  it('is harmless a second time, even when another lock took the place', async () => {
    const { fs, dir, path } = await memoryDirectory();
    const lock = await acquireProcessLock(fs, dir);
    await lock.release();
    await lock.release();
    const next = await acquireProcessLock(fs, dir);
    const content = await readText(fs, path);
    await lock.release();
    expect(await readText(fs, path)).toBe(content);
    await next.release();
    expect(await readText(fs, path)).toBeUndefined();
  });

  it('gives up quietly when the lock file cannot be read or removed', async () => {
    for (const operation of ['readFile', 'unlink'] as const) {
      const { fs: memory, dir, path } = await memoryDirectory();
      const fs = new FaultyFileSystem(memory);
      const lock = await acquireProcessLock(fs, dir);
      fs.arm({ failAt: 1, operations: [operation] });
      await lock.release();
      expect(await readText(memory, path)).toMatch(OUR_LOCK);
    }
  });
});

describe('acquireProcessLock failures', () => {
  it('reports a failing open as ERR_IO with the errno as the cause, leaving nothing behind', async () => {
    const { fs: memory, dir, path } = await memoryDirectory();
    const fs = new FaultyFileSystem(memory, { failAt: 1, operations: ['open'], errno: 'EACCES' });
    const error = await expectCode(acquireProcessLock(fs, dir), 'ERR_IO');
    expect(error.cause).toMatchObject({ code: 'EACCES', injected: true });
    expect(error.message).toContain(path);
    expect(await readText(memory, path)).toBeUndefined();
    await (await acquireProcessLock(fs, dir)).release();
  });

  it.each(['write', 'sync', 'close', 'syncDir'] as const)('reports a failing %s as ERR_IO', async (operation) => {
    const { fs: memory, dir } = await memoryDirectory();
    const fs = new FaultyFileSystem(memory, { failAt: 1, operations: [operation], errno: 'ENOSPC' });
    const error = await expectCode(acquireProcessLock(fs, dir), 'ERR_IO');
    expect(error.cause).toMatchObject({ code: 'ENOSPC', syscall: operation });
    // Whatever was left is not a lock this process holds: the next acquire takes it over.
    await (await acquireProcessLock(memory, dir)).release();
  });

  it.each(['readFile', 'unlink'] as const)('reports a failing %s of a stale lock as ERR_IO naming the directory', async (operation) => {
    const { fs: memory, dir, path } = await memoryDirectory();
    const content = `${deadPid}\nold\n`;
    await writeText(memory, path, content);
    const fs = new FaultyFileSystem(memory, { failAt: 1, operations: [operation] });
    const error = await expectCode(acquireProcessLock(fs, dir), 'ERR_IO');
    expect(error.cause).toMatchObject({ code: 'EIO', syscall: operation });
    expect(error.message).toContain(dir);
    expect(error.message).toContain((error.cause as Error).message);
    expect(await readText(memory, path)).toBe(content);
  });

  it('takes the lock when its holder lets go between the failed open and the read', async () => {
    const { fs: memory, dir, path } = await memoryDirectory();
    await writeText(memory, path, `${livePid}\nheld\n`);
    const fs: FileSystem = Object.assign(Object.create(memory) as MemoryFileSystem, {
      async open(file: string, flags: 'wx') {
        try {
          return await memory.open(file, flags);
        } catch (error) {
          if (file === path) await memory.unlink(path); // the holder releases right after our open failed
          throw error;
        }
      },
    });
    const lock = await acquireProcessLock(fs, dir);
    expect(await readText(memory, path)).toMatch(OUR_LOCK);
    await lock.release();
  });

  it('takes the lock when another process removes the stale file first', async () => {
    const { fs: memory, dir, path } = await memoryDirectory();
    await writeText(memory, path, `${deadPid}\nold\n`);
    const fs: FileSystem = Object.assign(Object.create(memory) as MemoryFileSystem, {
      async unlink(file: string) {
        await memory.unlink(file); // the other process cleans up ...
        return memory.unlink(file); // ... so ours finds nothing (ENOENT)
      },
    });
    const lock = await acquireProcessLock(fs, dir);
    expect(await readText(memory, path)).toMatch(OUR_LOCK);
    await lock.release();
  });

  it('gives up after five attempts when a stale lock keeps reappearing', async () => {
    const { fs: memory, dir, path } = await memoryDirectory();
    const stale = `${deadPid}\nold\n`;
    await writeText(memory, path, stale);
    let opens = 0;
    const fs: FileSystem = Object.assign(Object.create(memory) as MemoryFileSystem, {
      async open(file: string, flags: 'wx') {
        if (++opens > 20) throw new Error('the lock was tried far too often');
        return memory.open(file, flags);
      },
      async unlink(file: string) {
        await memory.unlink(file);
        await writeText(memory, file, stale); // yet another dead process's lock
      },
    });
    const error = await expectCode(acquireProcessLock(fs, dir), 'ERR_DATABASE_LOCKED');
    expect(error.details).toEqual({ directory: dir });
    expect(error.message).toContain(dir);
    expect(opens).toBe(5);
  });
});
