/**
 * `incrementalBackup` on a MemoryFileSystem (quick: no disk): what each file holds, the refusals
 * before anything is written (the path checks, seen through an emulated `realpath`), creating the
 * directory, the chain checks before it is extended, what is remembered of the file written, and
 * the clean-up of stale temporary files. The slower disk-based tests are in incremental-backup.test.ts.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { readZip, readZipEntries, writeStoredZip } from '../../conformance/scenarios/incremental/_support/zip.js';
import { PAGE_SIZE } from '../../src/engine/constants.js';
import { Database } from '../../src/engine/index.js';
import { type FileHandle, type FileSystem, MemoryFileSystem } from '../../src/fs/index.js';
import { CHAIN_LOCK_FILE } from '../../src/incremental/chain-lock.js';
import { readChainManifest } from '../../src/incremental/inspect-chain-file.js';
import { stageChain } from '../../src/incremental/stage-chain.js';
import { checkNewestChainFile } from '../../src/incremental/verified-chain-files.js';
import { overriding } from '../_support/overriding-file-system.js';
import { FAST, expectCode } from './_helpers.js';

const DB = '/data/db';
const CHAIN = '/backups/chain';
const open: Database[] = [];

afterEach(async () => {
  for (const db of open.splice(0)) await db.close().catch(() => undefined);
});

/** A database at `path` on `fs` with a class `Item` and `records` records of about 300 bytes. */
async function createDatabase(fs: FileSystem, path = DB, records = 12): Promise<Database> {
  const db = await Database.create(`plocal:${path}`, { ...FAST, fs });
  open.push(db);
  await db.createClass('Item');
  for (let n = 0; n < records; n++) await db.insert('Item', { n, text: `record ${n} `.repeat(30) });
  return db;
}

async function openDatabase(fs: FileSystem, path = DB): Promise<Database> {
  const db = await Database.open(`plocal:${path}`, 'admin', 'admin', { ...FAST, fs });
  open.push(db);
  return db;
}

async function fresh(records = 12): Promise<{ mem: MemoryFileSystem; db: Database }> {
  const mem = new MemoryFileSystem();
  return { mem, db: await createDatabase(mem, DB, records) };
}

async function entriesOf(fs: FileSystem, name: string, dir = CHAIN): Promise<Map<string, Buffer>> {
  return readZipEntries(await fs.readFile(`${dir}/${name}`));
}

function manifestOf(entries: Map<string, Buffer>): Record<string, unknown> {
  return JSON.parse(entries.get('backup-manifest.json')!.toString('utf8')) as Record<string, unknown>;
}

interface FileList {
  pageSize: number;
  files: { name: string; size: number }[];
  removed: string[];
}

function listOf(entries: Map<string, Buffer>): FileList {
  return JSON.parse(entries.get('files.json')!.toString('utf8')) as FileList;
}

/** The page records of `entries`, per paged file. */
function pagesOf(entries: Map<string, Buffer>): Record<string, number> {
  const pages: Record<string, number> = {};
  for (const [name, bytes] of entries) {
    if (name.startsWith('pages/')) pages[name.slice('pages/'.length, -'.pages'.length)] = bytes.length / (4 + PAGE_SIZE);
  }
  return pages;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function names(fs: FileSystem, dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).map((entry) => entry.name);
}

let stagings = 0;

/** The dump of the database the chain in `dir` stages to (up to `upToIndex`). */
async function stagedDump(fs: FileSystem, dir = CHAIN, upToIndex?: number): Promise<string> {
  const staging = `/staging-${++stagings}`;
  await stageChain(dir, staging, { fs, ...(upToIndex === undefined ? {} : { upToIndex }) });
  const db = await openDatabase(fs, staging);
  return db.dump();
}

async function writeFile(fs: FileSystem, path: string, bytes: Buffer): Promise<void> {
  const handle = await fs.open(path, 'w');
  await handle.write(bytes, 0, bytes.length, 0);
  await handle.close();
}

/** Rewrites a chain file as a STORED ZIP after `change` edited its entries; the manifest's `files` are recomputed. */
async function rewriteChainFile(fs: FileSystem, path: string, change: (entries: Map<string, Buffer>) => void): Promise<void> {
  const entries = readZipEntries(await fs.readFile(path));
  const manifest = JSON.parse(entries.get('backup-manifest.json')!.toString('utf8')) as Record<string, unknown>;
  entries.delete('backup-manifest.json');
  change(entries);
  manifest.files = [...entries.keys()].sort().map((name) => ({ name, size: entries.get(name)!.length, sha256: sha256(entries.get(name)!) }));
  const list = [...entries.entries()].map(([name, data]) => ({ name, data }));
  list.push({ name: 'backup-manifest.json', data: Buffer.from(JSON.stringify(manifest), 'utf8') });
  await writeFile(fs, path, writeStoredZip(list));
}

/**
 * `base` with symbolic links emulated by `realpath`: `links` maps a path to its target, and a path
 * resolves when its mapped form exists on `base`.
 */
function withLinks(base: MemoryFileSystem, links: Record<string, string>): FileSystem {
  const mapped = (path: string): string => {
    for (const [link, target] of Object.entries(links)) {
      if (path === link || path.startsWith(`${link}/`)) return target + path.slice(link.length);
    }
    return path;
  };
  return overriding(base, {
    realpath: async (path: string): Promise<string> => {
      const real = mapped(path);
      await base.stat(real);
      return real;
    },
  });
}

describe('the first file of a chain', () => {
  it('is named after the database, index 0 and _full, and holds the file list, the metadata and every page', async () => {
    const { mem, db } = await fresh();
    const name = await db.incrementalBackup(CHAIN);
    expect(name).toMatch(/^db_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d_0_full\.ibu$/);
    expect(await names(mem, CHAIN)).toEqual([name]);
    const entries = await entriesOf(mem, name);
    expect([...entries.keys()].sort()).toEqual(['backup-manifest.json', 'database.ocf', 'files.json', 'pages/item.cpm.pages', 'pages/item.pcl.pages']);
    const list = listOf(entries);
    expect(list).toEqual({
      pageSize: PAGE_SIZE,
      files: [
        { name: 'item.cpm', size: (await mem.stat(`${DB}/item.cpm`)).size },
        { name: 'item.pcl', size: (await mem.stat(`${DB}/item.pcl`)).size },
      ],
      removed: [],
    });
    expect(entries.get('database.ocf')).toEqual(await mem.readFile(`${DB}/database.ocf`));
    expect(pagesOf(entries)).toEqual({ 'item.cpm': list.files[0]!.size / PAGE_SIZE, 'item.pcl': list.files[1]!.size / PAGE_SIZE });
    const manifest = manifestOf(entries);
    expect(manifest).toMatchObject({ kind: 'incremental', databaseName: 'db', index: 0, full: true, startLsn: 0, previous: null, lsn: db.currentLsn() });
    // The creation time is the one of the name (UTC) and of the archive's comment.
    const createdAt = manifest.createdAt as string;
    expect(createdAt.slice(0, 19).replace(/[T:]/g, '-')).toBe(/^db_(.{19})_/.exec(name)![1]);
    expect(readZip(await mem.readFile(`${CHAIN}/${name}`)).comment).toBe(`OrientDB Incremental Backup executed on ${createdAt}`);
    expect(await stagedDump(mem)).toBe(await db.dump());
  });

  it('leaves out all-zero pages (the file size in files.json brings them back)', async () => {
    const mem = new MemoryFileSystem();
    const first = await createDatabase(mem);
    await first.close();
    // A data file with a zero page at its end, as an extension that was never written leaves it.
    const size = (await mem.stat(`${DB}/item.pcl`)).size;
    const handle = await mem.open(`${DB}/item.pcl`, 'r+');
    await handle.write(Buffer.alloc(PAGE_SIZE), 0, PAGE_SIZE, size);
    await handle.close();
    const db = await openDatabase(mem);
    const entries = await entriesOf(mem, await db.incrementalBackup(CHAIN));
    expect(listOf(entries).files.find((file) => file.name === 'item.pcl')!.size).toBe(size + PAGE_SIZE);
    expect(pagesOf(entries)['item.pcl']).toBe(size / PAGE_SIZE);
    expect(await stagedDump(mem)).toBe(await db.dump());
  });
});

describe('later files', () => {
  it('hold the changed pages only, the metadata when it changed, and link to the file before by name and SHA-256', async () => {
    const { mem, db } = await fresh(40);
    const dumps: string[] = [];
    const first = await db.incrementalBackup(CHAIN);
    dumps.push(await db.dump());
    const full = await entriesOf(mem, first);
    const firstManifest = manifestOf(full);

    const rids = JSON.parse(dumps[0]!).classes[0].records.map((record: { rid: string }) => record.rid) as string[];
    await db.update(rids[20]!, { n: 20, text: 'changed' });
    const second = await db.incrementalBackup(CHAIN);
    dumps.push(await db.dump());
    expect(second).toMatch(/^db_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d_1\.ibu$/);
    const next = await entriesOf(mem, second);
    expect(next.has('database.ocf')).toBe(false);
    const pages = pagesOf(next);
    expect(pages['item.pcl']).toBeGreaterThanOrEqual(1);
    expect(Object.values(pages).reduce((sum, count) => sum + count, 0)).toBeLessThan(Object.values(pagesOf(full)).reduce((sum, count) => sum + count, 0));
    expect(listOf(next).removed).toEqual([]);
    expect(manifestOf(next)).toMatchObject({
      index: 1,
      full: false,
      startLsn: firstManifest.lsn,
      lsn: db.currentLsn(),
      previous: { name: first, sha256: sha256(await mem.readFile(`${CHAIN}/${first}`)) },
    });

    await db.createUser('late', 'secret', 'writer');
    const third = await db.incrementalBackup(CHAIN);
    dumps.push(await db.dump());
    const afterUser = await entriesOf(mem, third);
    expect(afterUser.get('database.ocf')).toEqual(await mem.readFile(`${DB}/database.ocf`));
    expect(manifestOf(afterUser)).toMatchObject({ index: 2, full: false, previous: { name: second, sha256: sha256(await mem.readFile(`${CHAIN}/${second}`)) } });

    // Nothing changed: the file list alone, starting and ending at the same LSN.
    const fourth = await db.incrementalBackup(CHAIN);
    dumps.push(await db.dump());
    expect(fourth).toMatch(/_3\.ibu$/);
    const idle = await entriesOf(mem, fourth);
    expect([...idle.keys()].sort()).toEqual(['backup-manifest.json', 'files.json']);
    expect(manifestOf(idle)).toMatchObject({ index: 3, startLsn: manifestOf(idle).lsn });

    expect((await names(mem, CHAIN)).sort()).toEqual([first, second, third, fourth].sort());
    for (let index = 0; index < dumps.length; index++) expect(await stagedDump(mem, CHAIN, index)).toBe(dumps[index]);
  });

  it('carry every page of a file the previous file does not list, and name the files it lists that are gone', async () => {
    const { mem, db } = await fresh(120);
    const first = await db.incrementalBackup(CHAIN);
    const idle = await db.incrementalBackup(CHAIN);
    // The newest file as if the database had then had 'ghost.pcl' and no 'item.pcl'.
    await rewriteChainFile(mem, `${CHAIN}/${idle}`, (entries) => {
      const list = listOf(entries);
      list.files = [...list.files.filter((file) => file.name !== 'item.pcl'), { name: 'ghost.pcl', size: PAGE_SIZE }];
      entries.set('files.json', Buffer.from(JSON.stringify(list), 'utf8'));
    });
    const rids = JSON.parse(await db.dump()).classes[0].records.map((record: { rid: string }) => record.rid) as string[];
    await db.update(rids[5]!, { n: 5, text: 'changed' });
    const entries = await entriesOf(mem, await db.incrementalBackup(CHAIN));
    expect(listOf(entries).removed).toEqual(['ghost.pcl']);
    expect(listOf(entries).files.map((file) => file.name)).toEqual(['item.cpm', 'item.pcl']);
    const everyPage = pagesOf(await entriesOf(mem, first));
    // Every page of item.pcl (new since the tip), only the changed ones of item.cpm.
    expect(pagesOf(entries)['item.pcl']).toBe(everyPage['item.pcl']);
    expect(everyPage['item.pcl']).toBeGreaterThan(2);
    expect(pagesOf(entries)['item.cpm'] ?? 0).toBeLessThan(everyPage['item.cpm']!);
  });
});

describe('refusals before anything is written', () => {
  it('a memory: database, and a directory that is not a non-empty path', async () => {
    const memory = await Database.create(`memory:incremental-unit-${process.pid}-${Date.now()}`, FAST);
    try {
      const error = await expectCode(memory.incrementalBackup(CHAIN), 'ERR_UNSUPPORTED_STORAGE');
      expect(error.message).toContain(`'${memory.name}'`);
    } finally {
      await Database.drop(memory.url, 'admin', 'admin');
    }
    const { mem, db } = await fresh();
    const before = await names(mem, '/');
    const refusals: [unknown, string][] = [['', 'string'], [null, 'null'], [42, 'number'], [undefined, 'undefined'], ['a\u0000b', 'string'], [{}, 'object']];
    for (const [bad, got] of refusals) {
      const error = await expectCode(db.incrementalBackup(bad as never), 'ERR_INVALID_OUTPUT');
      // The message says what was given instead.
      expect(error.message.endsWith(`got ${got}`)).toBe(true);
    }
    expect(await names(mem, '/')).toEqual(before);
  });

  it('a directory that is the database directory or lies inside it, however spelled', async () => {
    const { mem, db } = await fresh();
    const before = (await names(mem, DB)).sort();
    const spellings: [target: string, resolved: string][] = [
      [DB, DB],
      [`${DB}/`, DB],
      [`${DB}/sub`, `${DB}/sub`],
      [`${DB}/a/b/c`, `${DB}/a/b/c`],
      [`${DB}/x/../backups`, `${DB}/backups`],
      [`${DB}/..hidden`, `${DB}/..hidden`],
      ['/data/other/../db/z', `${DB}/z`],
    ];
    for (const [target, resolved] of spellings) {
      const error = await expectCode(db.incrementalBackup(target), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
      expect(error.details).toEqual({ directory: resolved, databaseDirectory: DB });
      expect(error.message).toContain(`'${resolved}'`);
      expect(error.message).toContain(`'${DB}'`);
    }
    expect((await names(mem, DB)).sort()).toEqual(before);
    expect(await names(mem, '/')).toEqual(['data']);
    // Beside it, or its parent, is not inside it.
    for (const target of ['/data/db-backups', '/data/dbx', '/data', '/']) {
      const name = await db.incrementalBackup(target);
      expect(await names(mem, target)).toContain(name);
    }
  });

  it('sees through symbolic links (realpath), for a target that exists or lies below one that does', async () => {
    const mem = new MemoryFileSystem();
    const fs = withLinks(mem, { '/links/alias': DB, '/x': '/data', '/db': '/data', [`${DB}/out`]: '/elsewhere' });
    const db = await createDatabase(fs);
    await mem.mkdir('/links');
    await mem.mkdir('/elsewhere');
    // (A link inside the database directory is inside it, wherever it points.)
    for (const target of ['/links/alias', '/links/alias/deeper', '/links/alias/a/b', '/x/db', '/x/db/new', `${DB}/out`, `${DB}/out/deeper`]) {
      const error = await expectCode(db.incrementalBackup(target), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
      expect(error.details).toEqual({ directory: target, databaseDirectory: DB });
    }
    // Below the link, the missing part keeps its order: /x/q/db is /data/q/db, not /data/db/q.
    const name = await db.incrementalBackup('/x/q/db');
    expect(await names(mem, '/x/q/db')).toEqual([name]);
    // Below a missing top directory, every missing part is kept: /zzz/data/db is not /data/db.
    expect(await names(mem, '/zzz/data/db').catch(() => [])).toEqual([]);
    const below = await db.incrementalBackup('/zzz/data/db');
    expect(await names(mem, '/zzz/data/db')).toEqual([below]);
    // The missing part is added to the real path of what exists, not spelled as given: /db/new is /data/new.
    const beside = await db.incrementalBackup('/db/new');
    expect(await names(mem, '/db/new')).toEqual([beside]);
    expect(await names(mem, '/elsewhere')).toEqual([]);
    expect(await names(mem, '/links')).toEqual([]);
  });

  it('compares resolved paths when realpath fails for every path', async () => {
    const mem = new MemoryFileSystem();
    const fs = overriding(mem, {
      realpath: async (path: string): Promise<string> => {
        throw Object.assign(new Error(`ENOENT: realpath '${path}'`), { code: 'ENOENT' });
      },
    });
    const db = await createDatabase(fs);
    await expectCode(db.incrementalBackup(`${DB}/inner`), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    const name = await db.incrementalBackup(CHAIN);
    expect(await names(mem, CHAIN)).toEqual([name]);
  });
});

describe('the backup directory', () => {
  it('is created with its parents when missing', async () => {
    const { mem, db } = await fresh();
    const name = await db.incrementalBackup('/a/b/c/d');
    expect(await names(mem, '/a/b/c/d')).toEqual([name]);
  });

  it('is used as it is when it exists (not created again)', async () => {
    const mem = new MemoryFileSystem();
    await mem.mkdir(CHAIN, { recursive: true });
    const fs = overriding(mem, {
      mkdir: async (path: string, options?: { recursive?: boolean }): Promise<void> => {
        if (path.startsWith('/backups')) throw Object.assign(new Error(`EROFS: mkdir '${path}'`), { code: 'EROFS' });
        return mem.mkdir(path, options);
      },
    });
    const db = await createDatabase(fs);
    const name = await db.incrementalBackup(CHAIN);
    expect(await names(mem, CHAIN)).toEqual([name]);
    // Where it is missing, the refused mkdir is ERR_INVALID_OUTPUT naming the directory.
    const error = await expectCode(db.incrementalBackup('/backups/other'), 'ERR_INVALID_OUTPUT');
    expect(error.details).toEqual({ directory: '/backups/other' });
    expect((error.cause as { code?: string }).code).toBe('EROFS');
    expect(error.message).toContain("'/backups/other'");
    expect(error.message).toContain("EROFS: mkdir '/backups/other'");
  });

  it('ERR_INVALID_OUTPUT for a file, a path below a file, and a directory that cannot be looked at', async () => {
    const mem = new MemoryFileSystem();
    const fs = overriding(mem, {
      stat: async (path: string) => {
        if (path === '/hidden') throw Object.assign(new Error(`EACCES: stat '${path}'`), { code: 'EACCES' });
        return mem.stat(path);
      },
    });
    const db = await createDatabase(fs);
    await writeFile(mem, '/plain', Buffer.from('x'));
    for (const target of ['/plain', '/plain/below', '/hidden']) {
      const error = await expectCode(db.incrementalBackup(target), 'ERR_INVALID_OUTPUT');
      expect(error.details).toEqual({ directory: target });
      expect(error.message).toContain(`'${target}'`);
    }
    const error = await expectCode(db.incrementalBackup('/hidden'), 'ERR_INVALID_OUTPUT');
    expect((error.cause as { code?: string }).code).toBe('EACCES');
    expect(error.message).toContain("EACCES: stat '/hidden'");
    expect(await mem.readFile('/plain')).toEqual(Buffer.from('x'));
    expect((await names(mem, '/')).sort()).toEqual(['data', 'plain']);
  });
});

describe('the chain is checked before it is extended', () => {
  async function expectRefused(mem: MemoryFileSystem, db: Database, code: string, details: Record<string, unknown>): Promise<void> {
    const before = (await names(mem, CHAIN)).sort();
    const error = await expectCode(db.incrementalBackup(CHAIN), code);
    expect(error.details).toEqual({ directory: CHAIN, ...details });
    expect((await names(mem, CHAIN)).sort()).toEqual(before);
  }

  it('refuses a gap, a duplicate, a damaged newest file; the lock is released after each refusal', async () => {
    const { mem, db } = await fresh();
    const files = [await db.incrementalBackup(CHAIN), await db.incrementalBackup(CHAIN), await db.incrementalBackup(CHAIN)];
    const bytes = await Promise.all(files.map((name) => mem.readFile(`${CHAIN}/${name}`)));
    await mem.unlink(`${CHAIN}/${files[1]}`);
    await expectRefused(mem, db, 'ERR_CHAIN_GAP', { file: files[2], index: 1 });
    await writeFile(mem, `${CHAIN}/${files[1]}`, bytes[1]!);
    await writeFile(mem, `${CHAIN}/copy.ibu`, bytes[2]!);
    await expectRefused(mem, db, 'ERR_CHAIN_DUPLICATE_INDEX', { file: 'copy.ibu', index: 2 });
    await mem.unlink(`${CHAIN}/copy.ibu`);
    const damaged = Buffer.from(bytes[2]!);
    damaged[60] = damaged[60]! ^ 0x08;
    await writeFile(mem, `${CHAIN}/${files[2]}`, damaged);
    const error = await expectCode(db.incrementalBackup(CHAIN), 'ERR_CHAIN_CORRUPT');
    expect(error.details).toMatchObject({ directory: CHAIN, file: files[2] });
    await writeFile(mem, `${CHAIN}/${files[2]}`, bytes[2]!);
    const next = await db.incrementalBackup(CHAIN);
    expect(next).toMatch(/_3\.ibu$/);
    expect(await names(mem, CHAIN)).not.toContain(CHAIN_LOCK_FILE);
  });

  it("refuses another database's chain, naming its first file", async () => {
    const { mem, db } = await fresh();
    const other = await createDatabase(mem, '/data/other', 2);
    const otherFiles = [await other.incrementalBackup(CHAIN), await other.incrementalBackup(CHAIN)];
    await expectRefused(mem, db, 'ERR_CHAIN_FOREIGN_DATABASE', { file: otherFiles[0], index: 0 });
  });

  it('refuses a database behind the chain it shares an instance with (an older copy of it)', async () => {
    const { mem, db } = await fresh();
    const files = [await db.incrementalBackup(CHAIN)];
    await db.insert('Item', { n: 100 });
    files.push(await db.incrementalBackup(CHAIN));
    await stageChain(CHAIN, '/old-copy', { fs: mem, upToIndex: 0 });
    const old = await openDatabase(mem, '/old-copy');
    await expectRefused(mem, old, 'ERR_CHAIN_BROKEN_LINK', { file: files[1], index: 1 });
    const error = await expectCode(old.incrementalBackup(CHAIN), 'ERR_CHAIN_BROKEN_LINK');
    expect(error.message).toContain(`'${files[1]}'`);
    expect(await names(mem, CHAIN)).not.toContain(CHAIN_LOCK_FILE);
  });
});

describe('the links between files', () => {
  it('are not checked before extending the chain (restore and verify check them)', async () => {
    const { mem, db } = await fresh();
    await db.incrementalBackup(CHAIN);
    const second = await db.incrementalBackup(CHAIN);
    // The second file claims to start at LSN 0, where the first ends later: a broken link.
    const entries = readZipEntries(await mem.readFile(`${CHAIN}/${second}`));
    const manifest = manifestOf(entries);
    manifest.startLsn = 0;
    entries.set('backup-manifest.json', Buffer.from(JSON.stringify(manifest), 'utf8'));
    await writeFile(mem, `${CHAIN}/${second}`, writeStoredZip([...entries.entries()].map(([name, data]) => ({ name, data }))));
    await db.insert('Item', { n: 100 });
    expect(await db.incrementalBackup(CHAIN)).toMatch(/_2\.ibu$/);
    await expectCode(stageChain(CHAIN, '/staging-broken', { fs: mem }), 'ERR_CHAIN_BROKEN_LINK');
  });
});

describe('after writing', () => {
  it('writes the file in large chunks: a file of a few kilobytes in one write', async () => {
    const mem = new MemoryFileSystem();
    let writes = 0;
    const fs = overriding(mem, {
      open: async (path: string, flags: 'wx', mode?: number): Promise<FileHandle> => {
        const handle = await mem.open(path, flags, mode);
        if (!path.includes('.ibu.')) return handle;
        // The temporary file the chain file is written to.
        return {
          read: (...args) => handle.read(...args),
          write: (...args) => (writes++, handle.write(...args)),
          sync: () => handle.sync(),
          truncate: (length) => handle.truncate(length),
          stat: () => handle.stat(),
          close: () => handle.close(),
        };
      },
    });
    const db = await createDatabase(fs);
    const name = await db.incrementalBackup(CHAIN);
    expect((await mem.stat(`${CHAIN}/${name}`)).size).toBeGreaterThan(1000);
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(2);
  });

  it('remembers the file written: the next backup does not check it in full again', async () => {
    const mem = new MemoryFileSystem();
    const opens = new Map<string, number>();
    const fs = overriding(mem, {
      open: async (path: string, flags: 'r', mode?: number): Promise<FileHandle> => {
        opens.set(path, (opens.get(path) ?? 0) + 1);
        return mem.open(path, flags, mode);
      },
    });
    const db = await createDatabase(fs, DB, 40);
    const first = await db.incrementalBackup(CHAIN);
    expect(await checkNewestChainFile(await readChainManifest(CHAIN, first, { fs }), { fs })).not.toBe('full');
    await db.insert('Item', { n: 1000 });
    opens.clear();
    await db.incrementalBackup(CHAIN);
    // Its manifest is read (one open), its bytes hashed at most (one more); a full check opens it a third time.
    expect(opens.get(`${CHAIN}/${first}`)).toBeGreaterThanOrEqual(1);
    expect(opens.get(`${CHAIN}/${first}`)).toBeLessThanOrEqual(2);
  });

  it('remembers nothing when the file cannot be looked at after writing (best effort)', async () => {
    const mem = new MemoryFileSystem();
    const looked = new Set<string>();
    const fs = overriding(mem, {
      stat: async (path: string) => {
        // The first look at each chain file fails: the one right after it was written.
        if (path.endsWith('.ibu') && !looked.has(path)) {
          looked.add(path);
          throw Object.assign(new Error(`EIO: stat '${path}'`), { code: 'EIO' });
        }
        return mem.stat(path);
      },
    });
    const db = await createDatabase(fs);
    const first = await db.incrementalBackup(CHAIN);
    expect(await checkNewestChainFile(await readChainManifest(CHAIN, first, { fs }), { fs })).toBe('full');
    await db.insert('Item', { n: 1000 });
    const second = await db.incrementalBackup(CHAIN);
    expect(manifestOf(await entriesOf(mem, second)).previous).toEqual({ name: first, sha256: sha256(await mem.readFile(`${CHAIN}/${first}`)) });
  });

  it('links the next file to the bytes found at the path, when another file replaced the one written before it was looked at', async () => {
    const mem = new MemoryFileSystem();
    const looked = new Set<string>();
    const fs = overriding(mem, {
      stat: async (path: string) => {
        if (path.endsWith('.ibu') && !looked.has(path)) {
          looked.add(path);
          // The same entries, STORED: a sound chain file of another size.
          await rewriteChainFile(mem, path, () => undefined);
        }
        const stat = await mem.stat(path);
        // Chain files look old, so that a record of them would be trusted without reading them.
        return path.endsWith('.ibu') ? { ...stat, mtimeMs: stat.mtimeMs - 10_000 } : stat;
      },
    });
    const db = await createDatabase(fs);
    const first = await db.incrementalBackup(CHAIN);
    await db.insert('Item', { n: 1000 });
    const second = await db.incrementalBackup(CHAIN);
    expect(manifestOf(await entriesOf(mem, second)).previous).toEqual({ name: first, sha256: sha256(await mem.readFile(`${CHAIN}/${first}`)) });
  });

  it('removes the stale temporary files of chain files and lock files, and only those', async () => {
    const { mem, db } = await fresh();
    await mem.mkdir(CHAIN, { recursive: true });
    const stale = [`.db_2026-01-01-00-00-00_0_full.ibu.${process.pid}-0123456789ab.tmp`, `.${CHAIN_LOCK_FILE}.${process.pid}-0123456789ab.tmp`];
    const kept = [`.notes.txt.${process.pid}-0123456789ab.tmp`, 'notes.txt'];
    for (const name of [...stale, ...kept]) await writeFile(mem, `${CHAIN}/${name}`, Buffer.from('partial'));
    const name = await db.incrementalBackup(CHAIN);
    expect((await names(mem, CHAIN)).sort()).toEqual([name, ...kept].sort());
  });
});
