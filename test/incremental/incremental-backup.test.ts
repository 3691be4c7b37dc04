import { mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { PAGE_SIZE } from '../../src/engine/constants.js';
import { type FileSystem, nodeFileSystem } from '../../src/fs/index.js';
import { CHAIN_LOCK_FILE } from '../../src/incremental/chain-lock.js';
import { dataByteOffset } from '../../conformance/scenarios/incremental/_support/chain.js';
import { readZipEntries } from '../../conformance/scenarios/incremental/_support/zip.js';
import { FAST, copyDirectory, expectCode, flipBit, makeChain, rewriteChainFile, stagedDump, tempDir } from './_helpers.js';

let root: string;
let cleanup: () => Promise<void>;
const open: Database[] = [];

beforeEach(async () => {
  ({ path: root, cleanup } = await tempDir('incremental-backup-'));
});
afterEach(async () => {
  for (const db of open.splice(0)) await db.close().catch(() => undefined);
  await cleanup();
});

async function create(name = 'db', options: Record<string, unknown> = {}): Promise<Database> {
  const db = await Database.create(`plocal:${join(root, name)}`, { ...FAST, ...options });
  open.push(db);
  return db;
}

async function entriesOf(dir: string, name: string): Promise<Map<string, Buffer>> {
  return readZipEntries(await readFile(join(dir, name)));
}

function manifestOf(entries: Map<string, Buffer>): Record<string, unknown> {
  return JSON.parse(entries.get('backup-manifest.json')!.toString('utf8')) as Record<string, unknown>;
}

function pageCount(entries: Map<string, Buffer>): number {
  let pages = 0;
  for (const [name, bytes] of entries) if (name.startsWith('pages/')) pages += bytes.length / (4 + PAGE_SIZE);
  return pages;
}

describe('what each file holds (chain-format.ts)', () => {
  it('the first file holds the metadata, the file list and every non-empty page', async () => {
    const db = await create();
    await db.createClass('Item');
    for (let n = 0; n < 200; n++) await db.insert('Item', { n, text: 'x'.repeat(500) });
    const dir = join(root, 'chain');
    const entries = await entriesOf(dir, await db.incrementalBackup(dir));
    const list = JSON.parse(entries.get('files.json')!.toString('utf8')) as { files: { name: string; size: number }[]; removed: string[] };
    expect(list.files.map((file) => file.name)).toEqual(['item.cpm', 'item.pcl']);
    expect(list.removed).toEqual([]);
    expect(entries.has('database.ocf')).toBe(true);
    const totalPages = list.files.reduce((sum, file) => sum + file.size / PAGE_SIZE, 0);
    expect(pageCount(entries)).toBe(totalPages);
    const manifest = manifestOf(entries);
    expect(manifest).toMatchObject({ kind: 'incremental', index: 0, full: true, startLsn: 0, previous: null, lsn: db.currentLsn() });
  });

  it('a later file holds only the pages changed since the previous one, and no metadata when it did not change', async () => {
    const db = await create();
    await db.createClass('Item');
    const rids: string[] = [];
    for (let n = 0; n < 300; n++) rids.push((await db.insert('Item', { n, text: 'x'.repeat(500) })).rid);
    const dir = join(root, 'chain');
    const full = await entriesOf(dir, await db.incrementalBackup(dir));
    await db.update(rids[150]!, { n: 150, text: 'y'.repeat(500) });
    const next = await entriesOf(dir, await db.incrementalBackup(dir));
    expect(next.has('database.ocf')).toBe(false);
    // The record's page, and the pages that keep its version and position (a handful at most).
    expect(pageCount(next)).toBeGreaterThanOrEqual(1);
    expect(pageCount(next)).toBeLessThanOrEqual(3);
    expect([...next.keys()].filter((name) => !['backup-manifest.json', 'files.json', 'pages/item.pcl.pages', 'pages/item.cpm.pages'].includes(name))).toEqual([]);
    expect(manifestOf(next)).toMatchObject({ index: 1, full: false, startLsn: manifestOf(full).lsn });
    expect(pageCount(full)).toBeGreaterThan(20);
  });

  it('carries the metadata when a user was created, and a new class with all its pages', async () => {
    const db = await create();
    await db.createClass('Item');
    await db.insert('Item', { n: 1 });
    const dir = join(root, 'chain');
    await db.incrementalBackup(dir);
    await db.createUser('late', 'secret', 'writer');
    const afterUser = await entriesOf(dir, await db.incrementalBackup(dir));
    expect(afterUser.has('database.ocf')).toBe(true);
    expect(pageCount(afterUser)).toBe(0);
    await db.createClass('Later');
    for (let n = 0; n < 30; n++) await db.insert('Later', { n, text: 'z'.repeat(700) });
    const afterClass = await entriesOf(dir, await db.incrementalBackup(dir));
    const list = JSON.parse(afterClass.get('files.json')!.toString('utf8')) as { files: { name: string; size: number }[] };
    expect(list.files.map((file) => file.name)).toEqual(['item.cpm', 'item.pcl', 'later.cpm', 'later.pcl']);
    const laterPages = list.files.filter((file) => file.name.startsWith('later')).reduce((sum, file) => sum + file.size / PAGE_SIZE, 0);
    expect(pageCount(afterClass)).toBe(laterPages);
    expect(afterClass.has('database.ocf')).toBe(true);
    expect(await stagedDump(root, dir)).toBe(await db.dump());
  });

  it('with nothing changed, the next file holds the file list alone and starts and ends at the same LSN', async () => {
    const db = await create();
    await db.createClass('Item');
    await db.insert('Item', { n: 1 });
    const dir = join(root, 'chain');
    await db.incrementalBackup(dir);
    const entries = await entriesOf(dir, await db.incrementalBackup(dir));
    expect([...entries.keys()].sort()).toEqual(['backup-manifest.json', 'files.json']);
    const manifest = manifestOf(entries);
    expect(manifest.startLsn).toBe(manifest.lsn);
  });

  it('the chain restores to the database at every file (also across reopening the database)', async () => {
    const chain = await makeChain(root, 3);
    await chain.db.close();
    const db = await Database.open(`plocal:${join(root, 'db')}`, 'admin', 'admin', FAST);
    open.push(db);
    await db.insert('Item', { after: 'reopen' });
    await db.incrementalBackup(chain.dir);
    const dumps = [...chain.dumps, await db.dump()];
    for (let index = 0; index < dumps.length; index++) expect(await stagedDump(root, chain.dir, index)).toBe(dumps[index]);
  });
});

describe('refusals before anything is written (INCR-002, INCR-029, INCR-034 to INCR-036)', () => {
  it('in the documented order: closed, permission, memory, the path, inside the database', async () => {
    const db = await create();
    await db.createUser('reading', 'secret', 'reader');
    const reader = await Database.open(`plocal:${join(root, 'db')}`, 'reading', 'secret', FAST);
    open.push(reader);
    await expectCode(reader.incrementalBackup(join(root, 'db')), 'ERR_PERMISSION_DENIED');
    await reader.close();
    await expectCode(reader.incrementalBackup(join(root, 'db')), 'ERR_DATABASE_CLOSED');
    const memory = await Database.create(`memory:incremental-${process.pid}-${Date.now()}`, FAST);
    try {
      await expectCode(memory.incrementalBackup(join(root, 'chain')), 'ERR_UNSUPPORTED_STORAGE');
    } finally {
      await Database.drop(memory.url, 'admin', 'admin');
    }
    for (const bad of ['', null, 42, undefined, 'a\u0000b']) await expectCode(db.incrementalBackup(bad as never), 'ERR_INVALID_OUTPUT');
    await expectCode(db.incrementalBackup(join(root, 'db')), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    expect(await readdir(root)).toEqual(['db']);
  });

  it('sees a target inside the database through "..", nested paths and symbolic links', async () => {
    const db = await create();
    const before = (await readdir(join(root, 'db'))).sort();
    await expectCode(db.incrementalBackup(join(root, 'db', 'x', '..', 'backups')), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    await expectCode(db.incrementalBackup(join(root, 'db', 'a', 'b', 'c')), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    await symlink(join(root, 'db'), join(root, 'link'));
    await expectCode(db.incrementalBackup(join(root, 'link')), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    await expectCode(db.incrementalBackup(join(root, 'link', 'deeper')), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    expect((await readdir(join(root, 'db'))).sort()).toEqual(before);
    // A sibling whose name starts with the database's is not inside it.
    await db.incrementalBackup(join(root, 'db-backups'));
    expect((await readdir(join(root, 'db-backups'))).length).toBe(1);
  });

  it('creates a missing directory with its parents; refuses a file, or a path under a file, with ERR_INVALID_OUTPUT', async () => {
    const db = await create();
    const deep = join(root, 'a', 'b', 'c');
    const name = await db.incrementalBackup(deep);
    expect((await stat(join(deep, name))).isFile()).toBe(true);
    await writeFile(join(root, 'plain'), 'x');
    await expectCode(db.incrementalBackup(join(root, 'plain')), 'ERR_INVALID_OUTPUT');
    await expectCode(db.incrementalBackup(join(root, 'plain', 'below')), 'ERR_INVALID_OUTPUT');
    expect(await readFile(join(root, 'plain'), 'utf8')).toBe('x');
  });
});

describe('the chain is checked before it is extended (INCR-026, INCR-027)', () => {
  async function expectRefused(dir: string, code: string, db: Database): Promise<void> {
    const before = (await readdir(dir)).sort();
    const error = await expectCode(db.incrementalBackup(dir), code);
    expect(error.details.directory).toBe(dir);
    expect((await readdir(dir)).sort()).toEqual(before);
  }

  it('refuses gaps, a damaged newest file, unsupported versions, duplicates and foreign files', async () => {
    const chain = await makeChain(root, 3);
    const other = await makeChain(root, 4, 'other');
    await chain.db.insert('Item', { pending: true });

    const gap = await copyDirectory(chain.dir, join(root, 'gap'));
    await import('node:fs/promises').then(({ rm }) => rm(join(gap, chain.names[1]!)));
    await expectRefused(gap, 'ERR_CHAIN_GAP', chain.db);

    const flipped = await copyDirectory(chain.dir, join(root, 'flipped'));
    const size = (await stat(join(flipped, chain.names[2]!))).size;
    await flipBit(join(flipped, chain.names[2]!), Math.floor(size / 3), 2);
    await expectRefused(flipped, 'ERR_CHAIN_CORRUPT', chain.db);

    const version = await copyDirectory(chain.dir, join(root, 'version'));
    await rewriteChainFile(join(version, chain.names[0]!), (_entries, manifest) => void (manifest.formatVersion = 2));
    await expectRefused(version, 'ERR_CHAIN_VERSION', chain.db);

    const databaseVersion = await copyDirectory(chain.dir, join(root, 'database-version'));
    await rewriteChainFile(join(databaseVersion, chain.names[1]!), (_entries, manifest) => void (manifest.databaseFormatVersion = 7));
    await expectRefused(databaseVersion, 'ERR_CHAIN_VERSION', chain.db);

    const duplicate = await copyDirectory(chain.dir, join(root, 'duplicate'));
    await writeFile(join(duplicate, 'copy.ibu'), await readFile(join(duplicate, chain.names[2]!)));
    await expectRefused(duplicate, 'ERR_CHAIN_DUPLICATE_INDEX', chain.db);

    const foreign = await copyDirectory(chain.dir, join(root, 'foreign'));
    await writeFile(join(foreign, other.names[3]!), await readFile(join(other.dir, other.names[3]!)));
    await expectRefused(foreign, 'ERR_CHAIN_FOREIGN_DATABASE', chain.db);

    await expectRefused(other.dir, 'ERR_CHAIN_FOREIGN_DATABASE', chain.db);
  });

  it('reads only the manifests of the older files: a damaged old file is left to restore and verify', async () => {
    const chain = await makeChain(root, 3);
    const { offset } = await dataByteOffset(join(chain.dir, chain.names[0]!));
    await flipBit(join(chain.dir, chain.names[0]!), offset, 5);
    await chain.db.insert('Item', { more: true });
    await chain.db.incrementalBackup(chain.dir);
    await expectCode(stagedDump(root, chain.dir), 'ERR_CHAIN_CORRUPT');
  });

  it('refuses a database that is behind the chain it shares an instance with', async () => {
    const chain = await makeChain(root, 2);
    await chain.db.close();
    // The chain's database as of its first file: the same instance id, an older LSN.
    const staging = join(root, 'old-copy');
    const { stageChain } = await import('../../src/incremental/stage-chain.js');
    await stageChain(chain.dir, staging, { fs: nodeFileSystem, upToIndex: 0 });
    const old = await Database.open(`plocal:${staging}`, 'admin', 'admin', FAST);
    open.push(old);
    await expectCode(old.incrementalBackup(chain.dir), 'ERR_CHAIN_BROKEN_LINK');
  });
});

describe('writing', () => {
  it('writes through a temporary name that does not end in .ibu, and leaves no lock or temporary file', async () => {
    const db = await create();
    await db.createClass('Item');
    await db.insert('Item', { n: 1 });
    const created: string[] = [];
    const spy: FileSystem = { ...nodeFileSystem, open: (path, flags, mode) => (flags === 'wx' && created.push(path), nodeFileSystem.open(path, flags, mode)) };
    // The storage's file system is the one the backup writes through: open the database on the spy.
    await db.close();
    const spied = await Database.open(`plocal:${join(root, 'db')}`, 'admin', 'admin', { ...FAST, fs: spy });
    open.push(spied);
    const dir = join(root, 'chain');
    const name = await spied.incrementalBackup(dir);
    const temporary = created.filter((path) => path.startsWith(dir) && !path.includes(CHAIN_LOCK_FILE));
    expect(temporary).toHaveLength(1);
    expect(temporary[0]!.endsWith('.ibu')).toBe(false);
    expect(temporary[0]!).toContain(name);
    // The lock file is written under a temporary name, then linked into place (never seen empty).
    expect(created.filter((path) => path.includes(CHAIN_LOCK_FILE)).map((path) => path.endsWith('.tmp'))).toEqual([true]);
    expect(await readdir(dir)).toEqual([name]);
  });

  it('a failing disk leaves no .ibu file and no lock, and the next backup extends the chain (every call that can fail, in turn)', async () => {
    const db = await create();
    await db.createClass('Item');
    for (let n = 0; n < 50; n++) await db.insert('Item', { n, text: 'x'.repeat(300) });
    const dir = join(root, 'chain');
    await db.incrementalBackup(dir);
    await db.close();
    let failAt = 0;
    let calls = 0;
    const inChain = (path: string): boolean => path.startsWith(dir);
    const maybeFail = (path: string): void => {
      if (inChain(path) && ++calls === failAt) throw Object.assign(new Error(`injected failure of call ${calls}`), { code: 'EIO' });
    };
    const faulty: FileSystem = {
      ...nodeFileSystem,
      open: async (path, flags, mode) => {
        maybeFail(path);
        const handle = await nodeFileSystem.open(path, flags, mode);
        if (!inChain(path) || flags === 'r') return handle;
        return {
          ...handle,
          read: (...args) => handle.read(...args),
          write: async (...args) => (maybeFail(path), handle.write(...args)),
          sync: async () => (maybeFail(path), handle.sync()),
          truncate: (length) => handle.truncate(length),
          stat: () => handle.stat(),
          close: () => handle.close(),
        };
      },
      rename: async (from, to) => (maybeFail(to), nodeFileSystem.rename(from, to)),
      syncDir: async (path) => (maybeFail(path), nodeFileSystem.syncDir(path)),
    };
    const reopened = await Database.open(`plocal:${join(root, 'db')}`, 'admin', 'admin', { ...FAST, fs: faulty });
    open.push(reopened);
    let failures = 0;
    for (failAt = 1; failAt < 40; failAt++) {
      calls = 0;
      await reopened.insert('Item', { failAt });
      const before = (await readdir(dir)).filter((name) => name.endsWith('.ibu')).sort();
      try {
        await reopened.incrementalBackup(dir);
      } catch (error) {
        failures++;
        expect((error as { code?: string }).code).toMatch(/^ERR_(OUTPUT_FAILED|IO|INVALID_OUTPUT)$/);
        expect((await readdir(dir)).sort()).toEqual(before);
        continue;
      }
      if (calls < failAt) break; // the backup made fewer calls than failAt: every call has been failed once
    }
    expect(failures).toBeGreaterThan(3);
    calls = 0;
    failAt = 0;
    await reopened.incrementalBackup(dir);
    expect(await stagedDump(root, dir)).toBe(await reopened.dump());
  });

  it('writes go on during a backup, and the file holds a prefix of sequential inserts (INCR-030, INCR-031)', async () => {
    const db = await create();
    await db.createClass('Item');
    await db.createClass('Seq');
    const filler = 'f'.repeat(900);
    await Promise.all(Array.from({ length: 16 }, async (_, worker) => {
      for (let n = worker; n < 6000; n += 16) await db.insert('Item', { n, filler });
    }));
    const writer = await Database.open(`plocal:${join(root, 'db')}`, 'admin', 'admin', FAST);
    open.push(writer);
    let issued = 0;
    let acknowledged = 0;
    let stop = false;
    let duringBackup = 0;
    let backupRunning = false;
    const writing = (async () => {
      while (!stop) {
        const n = ++issued;
        await writer.insert('Seq', { n });
        acknowledged = n;
        if (backupRunning) duringBackup++;
      }
    })();
    while (acknowledged < 10) await new Promise((resolve) => setTimeout(resolve, 1));
    const low = acknowledged;
    backupRunning = true;
    const dir = join(root, 'chain');
    await db.incrementalBackup(dir);
    backupRunning = false;
    const high = issued;
    stop = true;
    await writing;
    expect(duringBackup).toBeGreaterThan(0);
    const staging = join(root, 'staged');
    const { stageChain } = await import('../../src/incremental/stage-chain.js');
    await stageChain(dir, staging, { fs: nodeFileSystem });
    const restored = await Database.open(`plocal:${staging}`, 'admin', 'admin', FAST);
    open.push(restored);
    const numbers: number[] = [];
    for await (const record of restored.scan('Seq')) numbers.push(record.content.n as number);
    numbers.sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    expect(numbers.length).toBeGreaterThanOrEqual(low);
    expect(numbers.length).toBeLessThanOrEqual(high);
  });
});

describe('the directory lock (INCR-028)', () => {
  it('refuses a second backup into the same directory, under another spelling too, and releases the lock afterwards', async () => {
    const db = await create();
    await db.createClass('Item');
    for (let n = 0; n < 400; n++) await db.insert('Item', { n, text: 'x'.repeat(800) });
    const second = await Database.open(`plocal:${join(root, 'db')}`, 'admin', 'admin', FAST);
    open.push(second);
    const dir = join(root, 'chain');
    await mkdir(dir);
    await symlink(dir, join(root, 'alias'));
    // Three backups at once, through three spellings of the directory: whichever takes the lock first runs.
    const outcomes = await Promise.allSettled([
      db.incrementalBackup(dir),
      second.incrementalBackup(join(root, 'alias')),
      second.incrementalBackup(`${dir}/./`),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    expect(refused.map((outcome) => (outcome.reason as { code?: string }).code)).toEqual(['ERR_BACKUP_IN_PROGRESS', 'ERR_BACKUP_IN_PROGRESS']);
    expect(await readdir(dir)).toHaveLength(1);
    await second.incrementalBackup(join(root, 'alias'));
    expect((await readdir(dir)).filter((name) => name === CHAIN_LOCK_FILE)).toEqual([]);
  });
});
