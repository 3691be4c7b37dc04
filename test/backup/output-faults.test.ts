/**
 * A file backup whose disk fails: the Nth file-system call made for the output (creating the
 * temporary file, writing, fsync, close, rename, fsync of the directory) fails, for every N. Each
 * time the backup rejects with ERR_OUTPUT_FAILED, nothing is at the target (an older archive there
 * is left byte-identical, except when the last call, the fsync of the directory after the rename,
 * fails), no temporary file is left and the database is unlocked.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { type FileHandle, type FileSystem, nodeFileSystem } from '../../src/fs/index.js';
import { FAST, expectCode, expectUnlocked, fillItems, namesIn, readZip, tempDir } from './_helpers.js';

/** A file system that fails the `failAt`-th call touching `outDir` (numbered from 1). */
function faultyOutput(outDir: string): { fs: FileSystem; calls: () => number; failAt: (n: number) => void } {
  let count = 0;
  let failAt = Number.POSITIVE_INFINITY;
  const hit = (what: string): void => {
    count++;
    if (count === failAt) throw Object.assign(new Error(`injected failure of ${what}`), { code: 'EIO' });
  };
  const concerns = (path: string): boolean => dirname(path) === outDir;
  const wrap = (handle: FileHandle): FileHandle => ({
    read: (...args) => handle.read(...args),
    write: async (...args) => (hit('write'), handle.write(...args)),
    sync: async () => (hit('sync'), handle.sync()),
    truncate: (length) => handle.truncate(length),
    stat: () => handle.stat(),
    close: async () => {
      await handle.close();
      hit('close');
    },
  });
  const fs: FileSystem = {
    ...nodeFileSystem,
    open: async (path, flags, mode) => {
      if (!concerns(path)) return nodeFileSystem.open(path, flags, mode);
      hit('open');
      return wrap(await nodeFileSystem.open(path, flags, mode));
    },
    rename: async (from, to) => {
      if (concerns(to)) hit('rename');
      return nodeFileSystem.rename(from, to);
    },
    syncDir: async (path) => {
      if (path === outDir) hit('syncDir');
      return nodeFileSystem.syncDir(path);
    },
    readFile: (path) => nodeFileSystem.readFile(path),
    stat: (path) => nodeFileSystem.stat(path),
    lstat: (path) => nodeFileSystem.lstat(path),
    readdir: (path) => nodeFileSystem.readdir(path),
    mkdir: (path, options) => nodeFileSystem.mkdir(path, options),
    unlink: (path) => nodeFileSystem.unlink(path),
    rm: (path, options) => nodeFileSystem.rm(path, options),
  };
  return { fs, calls: () => count, failAt: (n) => ((failAt = n), (count = 0)) };
}

let dir: { path: string; cleanup: () => Promise<void> };
let faulty: ReturnType<typeof faultyOutput>;
let db: Database;
let other: Database;

beforeAll(async () => {
  dir = await tempDir();
  const outDir = join(dir.path, 'out');
  await nodeFileSystem.mkdir(outDir);
  faulty = faultyOutput(outDir);
  db = await Database.create(`plocal:${join(dir.path, 'db')}`, { ...FAST, fs: faulty.fs });
  await fillItems(db, 20, 300);
  other = await Database.open(`plocal:${join(dir.path, 'db')}`, 'admin', 'admin', { ...FAST, fs: faulty.fs });
});

afterAll(async () => {
  await other.close();
  await db.close();
  await dir.cleanup();
});

describe('a failing disk under a file backup', () => {
  it('fails every output call in turn, each time cleanly', async () => {
    const target = join(dir.path, 'out', 'b.zip');
    await writeFile(target, 'yesterday');
    faulty.failAt(Number.POSITIVE_INFINITY);
    await db.backup(join(dir.path, 'out', 'count.zip'), null, null, null, 9, 4096);
    const total = faulty.calls();
    expect(total).toBeGreaterThan(4);
    await nodeFileSystem.unlink(join(dir.path, 'out', 'count.zip'));

    for (let n = 1; n <= total; n++) {
      faulty.failAt(n);
      await expectCode(db.backup(target, null, null, null, 9, 4096), 'ERR_OUTPUT_FAILED');
      if (n < total) {
        expect(await namesIn(join(dir.path, 'out')), `failing call ${n}`).toEqual(['b.zip']);
        expect(await readFile(target, 'utf8')).toBe('yesterday');
      } else {
        // The last call is the fsync of the directory, after the rename replaced the old file: the
        // writer removes the new file, so the failed call leaves nothing (spec/backup.md BACKUP-056).
        expect(await namesIn(join(dir.path, 'out')), `failing call ${n}`).toEqual([]);
        await writeFile(target, 'yesterday');
      }
      await expectUnlocked(other);
    }
    faulty.failAt(Number.POSITIVE_INFINITY);
    await db.backup(target, null, null, null, 9, 4096);
    expect((await readZip(target)).entries.length).toBeGreaterThan(3);
  });
});
