import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryFileSystem, nodeFileSystem, type FileSystem } from '../../src/fs/index.js';

const nodeRoot = await mkdtemp(join(tmpdir(), 'memfs-parity-'));
afterAll(() => rm(nodeRoot, { recursive: true, force: true }));

async function errnoOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
}

// The same behaviour checks run against the real disk and the in-memory file system:
// the in-memory one is only useful for tests if it behaves like the real one.
const systems: [string, FileSystem, string][] = [
  ['node', nodeFileSystem, nodeRoot],
  ['memory', new MemoryFileSystem(), '/work'],
];

describe.each(systems)('%s file system', (_label, fs, base) => {
  let counter = 0;
  const fresh = async (): Promise<string> => {
    const dir = join(base, `case-${counter++}`);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  };

  it('writes, reads at positions, extends with zeros and truncates', async () => {
    const dir = await fresh();
    const handle = await fs.open(join(dir, 'a'), 'w+');
    await handle.write(Buffer.from('hello'), 0, 5, 0);
    await handle.write(Buffer.from('XY'), 0, 2, 8);
    const out = Buffer.alloc(16, 0xff);
    expect(await handle.read(out, 0, 16, 0)).toBe(10);
    expect(out.subarray(0, 10)).toEqual(Buffer.from('hello\0\0\0XY'));
    expect(await handle.read(out, 0, 4, 100)).toBe(0);
    await handle.truncate(3);
    expect((await handle.stat()).size).toBe(3);
    await handle.truncate(6);
    expect(await fs.readFile(join(dir, 'a'))).toEqual(Buffer.from('hel\0\0\0'));
    await handle.sync();
    await handle.close();
    expect(await errnoOf(handle.read(out, 0, 1, 0))).toBe('EBADF');
  });

  it('appends in "a" mode whatever the position', async () => {
    const dir = await fresh();
    const handle = await fs.open(join(dir, 'log'), 'a');
    await handle.write(Buffer.from('ab'), 0, 2, null);
    await handle.write(Buffer.from('cd'), 0, 2, 0);
    await handle.close();
    expect((await fs.readFile(join(dir, 'log'))).toString()).toBe('abcd');
  });

  it('refuses what the flags forbid', async () => {
    const dir = await fresh();
    expect(await errnoOf(fs.open(join(dir, 'missing'), 'r'))).toBe('ENOENT');
    expect(await errnoOf(fs.open(join(dir, 'missing'), 'r+'))).toBe('ENOENT');
    const created = await fs.open(join(dir, 'x'), 'wx');
    await created.close();
    expect(await errnoOf(fs.open(join(dir, 'x'), 'wx'))).toBe('EEXIST');
    const readOnly = await fs.open(join(dir, 'x'), 'r');
    expect(await errnoOf(readOnly.write(Buffer.from('a'), 0, 1, 0))).toBe('EBADF');
    await readOnly.close();
    expect(await errnoOf(fs.open(join(dir, 'nodir', 'x'), 'w'))).toBe('ENOENT');
  });

  it('renames atomically over a file and keeps open handles working after unlink', async () => {
    const dir = await fresh();
    const handle = await fs.open(join(dir, 'old'), 'w+');
    await handle.write(Buffer.from('new'), 0, 3, 0);
    const other = await fs.open(join(dir, 'target'), 'w');
    await other.write(Buffer.from('previous'), 0, 8, 0);
    await other.close();
    await fs.rename(join(dir, 'old'), join(dir, 'target'));
    expect((await fs.readFile(join(dir, 'target'))).toString()).toBe('new');
    expect(await errnoOf(fs.stat(join(dir, 'old')))).toBe('ENOENT');
    await fs.unlink(join(dir, 'target'));
    const out = Buffer.alloc(3);
    expect(await handle.read(out, 0, 3, 0)).toBe(3);
    expect(out.toString()).toBe('new');
    await handle.close();
    expect(await errnoOf(fs.rename(join(dir, 'gone'), join(dir, 'x')))).toBe('ENOENT');
  });

  it('lists directories sorted, with types', async () => {
    const dir = await fresh();
    for (const name of ['b', 'a', 'C']) await (await fs.open(join(dir, name), 'w')).close();
    await fs.mkdir(join(dir, 'sub'));
    const entries = await fs.readdir(dir);
    expect(entries.map((entry) => entry.name)).toEqual(['C', 'a', 'b', 'sub']);
    expect(entries.find((entry) => entry.name === 'sub')).toMatchObject({ isDirectory: true, isFile: false });
    expect((await fs.stat(join(dir, 'a'))).isFile).toBe(true);
    expect((await fs.lstat(join(dir, 'sub'))).isDirectory).toBe(true);
    expect(await errnoOf(fs.mkdir(join(dir, 'sub')))).toBe('EEXIST');
    expect(await errnoOf(fs.readdir(join(dir, 'a')))).toBe('ENOTDIR');
    expect(await errnoOf(fs.readdir(join(dir, 'missing')))).toBe('ENOENT');
    expect(await errnoOf(fs.mkdir(join(dir, 'a'), { recursive: true }))).toBe('EEXIST');
    expect(await errnoOf(fs.mkdir(join(dir, 'a', 'x'), { recursive: true }))).toBe('ENOTDIR');
    expect(await errnoOf(fs.open(dir, 'w'))).toBe('EISDIR');
    await fs.rm(join(dir, 'missing', 'x'), { force: true });
  });

  it('removes files and trees', async () => {
    const dir = await fresh();
    await fs.mkdir(join(dir, 'tree', 'deep'), { recursive: true });
    await (await fs.open(join(dir, 'tree', 'deep', 'f'), 'w')).close();
    expect(await errnoOf(fs.unlink(join(dir, 'tree')))).toMatch(/EISDIR|EPERM/);
    expect(await errnoOf(fs.unlink(join(dir, 'nothing')))).toBe('ENOENT');
    expect(await errnoOf(fs.rm(join(dir, 'nothing')))).toBe('ENOENT');
    expect(await errnoOf(fs.rm(join(dir, 'tree')))).toBe('ERR_FS_EISDIR');
    expect(await errnoOf(fs.rename(join(dir, 'tree'), join(dir, 'tree', 'deep', 'inside')))).toBe('EINVAL');
    await fs.rm(join(dir, 'nothing'), { force: true });
    await fs.rm(join(dir, 'tree'), { recursive: true });
    expect(await errnoOf(fs.stat(join(dir, 'tree')))).toBe('ENOENT');
    await fs.syncDir(dir);
  });
});

describe('MemoryFileSystem.powerLossCopy', () => {
  it('keeps only synced contents and directory entries made durable by syncDir', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/db', { recursive: true });
    const synced = await fs.open('/db/synced', 'w');
    await synced.write(Buffer.from('durable'), 0, 7, 0);
    await synced.sync();
    await synced.write(Buffer.from('-lost'), 0, 5, 7);
    await fs.syncDir('/db');
    const unsyncedEntry = await fs.open('/db/late', 'w');
    await unsyncedEntry.write(Buffer.from('x'), 0, 1, 0);
    await unsyncedEntry.sync();

    const after = fs.powerLossCopy();
    expect((await after.readFile('/db/synced')).toString()).toBe('durable');
    expect((await after.readdir('/db')).map((entry) => entry.name)).toEqual(['synced']);
    // The original is untouched and independent.
    expect((await fs.readFile('/db/synced')).toString()).toBe('durable-lost');
  });

  it('loses a rename until the directory is synced', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/d', { recursive: true });
    for (const [name, text] of [['meta', 'v1'], ['meta.tmp', 'v2']] as const) {
      const handle = await fs.open(`/d/${name}`, 'w');
      await handle.write(Buffer.from(text), 0, 2, 0);
      await handle.sync();
      await handle.close();
    }
    await fs.syncDir('/d');
    await fs.rename('/d/meta.tmp', '/d/meta');
    expect((await fs.powerLossCopy().readFile('/d/meta')).toString()).toBe('v1');
    await fs.syncDir('/d');
    expect((await fs.powerLossCopy().readFile('/d/meta')).toString()).toBe('v2');
  });
});
