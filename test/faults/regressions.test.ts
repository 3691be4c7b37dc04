/**
 * One test per failure the fault trials found, each failing the one call that showed it, so that
 * the sampled default run cannot miss a regression.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { isCodedError } from '../../src/errors.js';
import { FaultyFileSystem, type FileSystem, type MemoryFileSystem } from '../../src/fs/index.js';
import { verifyBackup } from '../../src/verify/index.js';
import { FAST, namesIn, treeOf } from './_support/databases.js';
import { leftovers, withoutProbes } from './_support/fault-trials.js';
import { WORLD, type WorldTemplate, buildWorld } from './_support/fault-world.js';

let template: WorldTemplate;
beforeAll(async () => {
  template = await buildWorld();
});

async function session(): Promise<{ db: Database; memory: MemoryFileSystem; fs: FaultyFileSystem }> {
  const memory = template.memory.processCrashCopy();
  const fs = new FaultyFileSystem(memory);
  return { db: await Database.open(WORLD.url, 'admin', 'admin', { ...FAST, fs }), memory, fs };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

const endsWith = (suffix: string) => (path: string) => path.endsWith(suffix);

/** `fs` without its optional `link`, as a file system that has none. */
function withoutLink(fs: MemoryFileSystem): FileSystem {
  return {
    open: (path, flags, mode) => fs.open(path, flags, mode),
    readFile: (path) => fs.readFile(path),
    stat: (path) => fs.stat(path),
    lstat: (path) => fs.lstat(path),
    readdir: (path) => fs.readdir(path),
    mkdir: (path, options) => fs.mkdir(path, options),
    rename: (from, to) => fs.rename(from, to),
    unlink: (path) => fs.unlink(path),
    rm: (path, options) => fs.rm(path, options),
    syncDir: (path) => fs.syncDir(path),
  };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

describe('regressions found by the fault trials', () => {
  it('a failing stat of a database file while a backup locks is ERR_IO, not an uncoded error (source-check.ts)', async () => {
    const { db, fs } = await session();
    fs.arm({ failAt: 1, errno: 'EACCES', operations: ['stat'], path: endsWith('.pcl') });
    const error = await rejection(db.backup(WORLD.target));
    expect(isCodedError(error, 'ERR_IO'), String(error)).toBe(true);
    await db.close();
  });

  it('a checkpoint whose new log fails to sync leaves no database.wal.tmp (page-store.ts resetWal)', async () => {
    const { db, fs, memory } = await session();
    await db.insert('Item', { dirty: true });
    fs.arm({ failAt: 1, errno: 'EIO', operations: ['sync'], path: endsWith('database.wal.tmp') });
    expect(isCodedError(await rejection(db.storage.checkpoint()), 'ERR_IO')).toBe(true);
    expect(await namesIn(memory, WORLD.db)).not.toContain('database.wal.tmp');
    await db.close().catch(() => undefined);
  });

  it('a metadata change whose temporary file fails to sync leaves no database.ocf.tmp (metadata.ts writeMetadata)', async () => {
    const { db, fs, memory } = await session();
    fs.arm({ failAt: 1, errno: 'ENOSPC', operations: ['sync'], path: endsWith('database.ocf.tmp') });
    expect(isCodedError(await rejection(db.createClass('Later')), 'ERR_IO')).toBe(true);
    expect(await namesIn(memory, WORLD.db)).not.toContain('database.ocf.tmp');
    await db.close().catch(() => undefined);
  });

  it('an incremental backup whose lock file (or its temporary claim) fails to close leaves neither (chain-lock.ts)', async () => {
    const { db, fs, memory } = await session();
    fs.arm({ failAt: 1, errno: 'EIO', operations: ['close'], path: (path) => path.includes('.incremental-backup.lock') });
    expect(isCodedError(await rejection(db.incrementalBackup(WORLD.chain)), 'ERR_IO')).toBe(true);
    expect((await namesIn(memory, WORLD.chain)).filter((name) => name.includes('.incremental-backup.lock'))).toEqual([]);
    await db.close();
  });

  it('without link: a lock file this process could neither fill nor remove does not refuse the next incremental backup (chain-lock.ts)', async () => {
    const memory = template.memory.processCrashCopy();
    const fs = new FaultyFileSystem(withoutLink(memory));
    const db = await Database.open(WORLD.url, 'admin', 'admin', { ...FAST, fs });
    fs.arm({ failAt: 1, errno: 'EIO', persistent: true, operations: ['write', 'unlink'], path: endsWith('.incremental-backup.lock') });
    expect(isCodedError(await rejection(db.incrementalBackup(WORLD.chain)), 'ERR_IO')).toBe(true);
    expect(await namesIn(memory, WORLD.chain)).toContain('.incremental-backup.lock');
    fs.heal();
    await db.incrementalBackup(WORLD.chain);
    expect(await namesIn(memory, WORLD.chain)).not.toContain('.incremental-backup.lock');
    await db.close();
  });

  it('with link: the lock file never exists empty, and a failure writing it leaves none (chain-lock.ts)', async () => {
    const { db, fs, memory } = await session();
    const seen: string[] = [];
    const stop = fs.observe((call) => {
      if (call.operation === 'link') seen.push(call.paths[1]!);
    });
    fs.arm({ failAt: 1, errno: 'ENOSPC', operations: ['write'], path: (path) => path.includes('.incremental-backup.lock') });
    expect(isCodedError(await rejection(db.incrementalBackup(WORLD.chain)), 'ERR_IO')).toBe(true);
    expect(await namesIn(memory, WORLD.chain)).not.toContain('.incremental-backup.lock');
    fs.heal();
    await db.incrementalBackup(WORLD.chain);
    stop();
    expect(seen).toEqual([`${WORLD.chain}/.incremental-backup.lock`]);
    expect((await namesIn(memory, WORLD.chain)).filter((name) => name.includes('lock'))).toEqual([]);
    await db.close();
  });

  it('the next backup to a path removes the temporary files that failed clean-ups left, not those of live processes (stale-temporaries.ts)', async () => {
    const { db, fs, memory } = await session();
    fs.arm({ failAt: 1, errno: 'ENOSPC', persistent: true, operations: ['write', 'unlink'], path: endsWith('.tmp') });
    expect(isCodedError(await rejection(db.backup(WORLD.target)), 'ERR_OUTPUT_FAILED')).toBe(true);
    fs.heal();
    const [left] = (await namesIn(memory, WORLD.out)).filter((name) => name.endsWith('.tmp'));
    expect(left).toMatch(new RegExp(`^\\.full\\.zip\\.${process.pid}-[0-9a-f]{12}\\.tmp$`));
    const dead = `.full.zip.${deadPid()}-0123456789ab.tmp`;
    const alive = `.full.zip.${process.ppid}-0123456789ab.tmp`;
    const other = `.other.zip.${deadPid()}-0123456789ab.tmp`;
    for (const name of [dead, alive, other]) await (await memory.open(`${WORLD.out}/${name}`, 'w')).close();
    await db.backup(WORLD.target);
    expect((await namesIn(memory, WORLD.out)).sort()).toEqual([alive, other, 'full.zip'].sort());
    await db.close();
  });

  it('the next incremental backup removes the temporary chain files that failed clean-ups left (incremental-backup.ts)', async () => {
    const { db, fs, memory } = await session();
    fs.arm({ failAt: 1, errno: 'EIO', persistent: true, operations: ['sync', 'unlink'], path: (path) => /\.ibu\.\d+-[0-9a-f]{12}\.tmp$/.test(path) });
    expect(isCodedError(await rejection(db.incrementalBackup(WORLD.chain)))).toBe(true);
    fs.heal();
    expect((await namesIn(memory, WORLD.chain)).filter((name) => name.endsWith('.tmp'))).toHaveLength(1);
    await db.incrementalBackup(WORLD.chain);
    expect((await namesIn(memory, WORLD.chain)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect((await verifyBackup(WORLD.chain, { fs: memory })).valid).toBe(true);
    await db.close();
  });

  it('a restore whose commit marker was renamed into place but not synced rejects and leaves the old database (restore-into.ts, RESTORE-009)', async () => {
    const { db, fs, memory } = await session();
    await db.storage.checkpoint();
    const before = await db.dump();
    const files = await treeOf(memory, WORLD.db, (name) => name === 'database.lock');
    // The first directory fsync after the marker's rename is the one of the staging directory.
    let renamed = false;
    const stop = fs.observe((call) => {
      if (call.operation === 'rename' && call.paths[1]?.endsWith('/COMMITTED') === true) renamed = true;
    });
    fs.arm({ failAt: 1, errno: 'EIO', operations: ['syncDir'], path: (path) => renamed && /\.restore-[0-9a-f]{12}$/.test(path) });
    expect(isCodedError(await rejection(db.restore(WORLD.archive)))).toBe(true);
    stop();
    expect(fs.injected).toBe(1);
    expect(await treeOf(memory, WORLD.db, (name) => name === 'database.lock')).toEqual(files);
    expect(await db.dump()).toBe(before);
    await db.close();
    const reopened = await Database.open(WORLD.url, 'admin', 'admin', { ...FAST, fs: memory });
    expect(await reopened.dump()).toBe(before);
    await reopened.close();
    expect(await leftovers(memory, false)).toEqual([]);
  });

  it('a committed restore whose storage fails to reopen resolves, and the next open finds the restored database (restore-into.ts, RESTORE-009)', async () => {
    const { db, fs, memory } = await session();
    let committed = false;
    const stop = fs.observe((call) => {
      if (call.operation === 'rename' && call.paths[1]?.endsWith('/COMMITTED') === true) committed = true;
    });
    // After the commit: the first read of the metadata is the reopen's.
    fs.arm({ failAt: 1, errno: 'EIO', operations: ['readFile'], path: (path) => committed && path.endsWith('/db/database.ocf') });
    await db.restore(WORLD.archive);
    stop();
    expect(fs.injected).toBe(1);
    expect(isCodedError(await rejection(db.dump()))).toBe(true);
    await db.close();
    const reopened = await Database.open(WORLD.url, 'admin', 'admin', { ...FAST, fs: memory });
    expect(withoutProbes(await reopened.dump())).toBe(withoutProbes(template.archiveDump));
    await reopened.close();
  });
});
