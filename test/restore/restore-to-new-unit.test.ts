/**
 * restoreToNewDatabase (src/restore/restore-to-new.ts) on a MemoryFileSystem: what counts as a
 * free target (and that it is judged before the source is read), the source kinds and options,
 * and every failure of the disk around the final rename: each a coded error naming the path, with
 * nothing at the target and no staging directory left.
 *
 * The world (a database, a full backup, a chain of two incremental backups) is built once, lazily
 * in the first test that needs it (conformance/MUTANTS.md "Traps"); each test works on a copy.
 */
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { isCodedError } from '../../src/errors.js';
import { FaultyFileSystem, type FileStat, type FileSystem, MemoryFileSystem } from '../../src/fs/index.js';
import { restoreToNewDatabase } from '../../src/restore/index.js';
import { expectCode } from '../engine/_helpers.js';

const FAST = { scryptCost: 16 } as const;
const ROOT = '/n';
const ARCHIVE = '/n/backup.zip';
const CHAIN = '/n/chain';
const OUT = '/n/out';
const TARGET = '/n/out/copy';
const STAGING = /^\.copy\.restore-[0-9a-f]{12}$/;

interface World {
  readonly memory: MemoryFileSystem;
  readonly archiveDump: string;
  readonly chainDumps: readonly [string, string];
}

let built: Promise<World> | undefined;
/** The world, built on first use. */
function world(): Promise<World> {
  built ??= (async () => {
    const memory = new MemoryFileSystem();
    await memory.mkdir(OUT, { recursive: true });
    const db = await Database.create('plocal:/n/db', { ...FAST, fs: memory });
    await db.createClass('Item');
    const rids: string[] = [];
    for (let i = 0; i < 4; i++) rids.push((await db.insert('Item', { n: i })).rid);
    await db.backup(ARCHIVE, null, null, null, 6, 65536);
    const archiveDump = await db.dump();
    await db.update(rids[0]!, { n: 0, changed: true });
    await db.incrementalBackup(CHAIN);
    const first = await db.dump();
    await db.delete(rids[1]!);
    await db.incrementalBackup(CHAIN);
    const second = await db.dump();
    await db.close();
    return { memory, archiveDump, chainDumps: [first, second] };
  })();
  return built;
}

/** A fresh copy of the world's files. */
async function disk(): Promise<{ memory: MemoryFileSystem; w: World }> {
  const w = await world();
  return { memory: w.memory.processCrashCopy(), w };
}

async function names(fs: FileSystem, directory: string): Promise<string[]> {
  return (await fs.readdir(directory)).map((entry) => entry.name).sort();
}

async function writeText(fs: FileSystem, path: string, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const handle = await fs.open(path, 'wx');
  await handle.write(bytes, 0, bytes.length, 0);
  await handle.close();
}

/** The dump and name of the database at `directory`. */
async function opened(fs: FileSystem, directory: string): Promise<{ dump: string; name: string }> {
  const db = await Database.open(`plocal:${directory}`, 'admin', 'admin', { ...FAST, fs });
  try {
    return { dump: await db.dump(), name: db.name };
  } finally {
    await db.close();
  }
}

/** `base` with some calls replaced (the others delegate to it). */
function overriding(base: FileSystem, overrides: Partial<FileSystem>): FileSystem {
  return Object.assign(Object.create(base) as FileSystem, overrides);
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

describe('restoreToNewDatabase: sources and options', () => {
  it('restores an archive path into a new directory (parents created), named after it', async () => {
    const { memory, w } = await disk();
    await restoreToNewDatabase(ARCHIVE, 'plocal:/n/deep/er/copy', null, { fs: memory });
    expect(await opened(memory, '/n/deep/er/copy')).toEqual({ dump: w.archiveDump, name: 'copy' });
    expect(await names(memory, '/n/deep/er')).toEqual(['copy']);
  });

  it('restores a stream and a chain directory, and a chain up to an index', async () => {
    const { memory, w } = await disk();
    await restoreToNewDatabase(Readable.from([await memory.readFile(ARCHIVE)]), `plocal:${TARGET}`, undefined, { fs: memory });
    expect((await opened(memory, TARGET)).dump).toBe(w.archiveDump);
    await restoreToNewDatabase(CHAIN, 'plocal:/n/out/chain', {}, { fs: memory });
    expect((await opened(memory, '/n/out/chain')).dump).toBe(w.chainDumps[1]);
    await restoreToNewDatabase(CHAIN, 'plocal:/n/out/first', { upToIndex: 0 }, { fs: memory });
    expect((await opened(memory, '/n/out/first')).dump).toBe(w.chainDumps[0]);
    expect(await names(memory, OUT)).toEqual(['chain', 'copy', 'first']);
  });

  it('refuses upToIndex for an archive or a stream before creating anything', async () => {
    const { memory } = await disk();
    const error = await expectCode(restoreToNewDatabase(ARCHIVE, 'plocal:/n/missing/copy', { upToIndex: 0 }, { fs: memory }), 'ERR_INVALID_OPTIONS');
    expect(error.details).toEqual({ option: 'upToIndex' });
    const stream = Readable.from([await memory.readFile(ARCHIVE)]);
    await expectCode(restoreToNewDatabase(stream, 'plocal:/n/missing/copy', { upToIndex: 0 }, { fs: memory }), 'ERR_INVALID_OPTIONS');
    expect(await names(memory, ROOT)).toEqual(['backup.zip', 'chain', 'db', 'out']);
  });

  it('passes the archive limits on, leaving nothing behind when they refuse', async () => {
    const { memory, w } = await disk();
    const refused = await restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, { limits: { maxEntries: 1 } }, { fs: memory }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isCodedError(refused), String(refused)).toBe(true);
    expect(await names(memory, OUT)).toEqual([]);
    await restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, { limits: { maxEntries: 1000 } }, { fs: memory });
    expect((await opened(memory, TARGET)).dump).toBe(w.archiveDump);
  });

  it('refuses a memory: URL and bad options', async () => {
    const { memory } = await disk();
    const memoryUrl = await expectCode(restoreToNewDatabase(ARCHIVE, 'memory:rflow-new', null, { fs: memory }), 'ERR_UNSUPPORTED_STORAGE');
    expect(memoryUrl.message).toContain(`'memory:rflow-new'`);
    await expectCode(restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, { what: 1 }, { fs: memory }), 'ERR_INVALID_OPTIONS');
    expect(await names(memory, OUT)).toEqual([]);
  });

  it('uses the real disk without engine options (a missing archive, nothing written)', async () => {
    const target = join(tmpdir(), `rflow-never-created-${process.pid}`, 'copy');
    await expectCode(restoreToNewDatabase(join(tmpdir(), `rflow-missing-${process.pid}.zip`), `plocal:${target}`), 'ERR_ARCHIVE_NOT_FOUND');
    await expectCode(restoreToNewDatabase(join(tmpdir(), `rflow-missing-${process.pid}.zip`), `plocal:${target}`, null, {}), 'ERR_ARCHIVE_NOT_FOUND');
  });

  it('listens to a stream at once, even when the URL is refused before it is read', async () => {
    const stream = Object.assign(new EventEmitter(), { pipe: () => undefined });
    await expectCode(restoreToNewDatabase(stream as unknown as NodeJS.ReadableStream, 'nonsense'), 'ERR_INVALID_URL');
    expect(stream.listenerCount('error')).toBe(1);
    expect(() => stream.emit('error', new Error('late'))).not.toThrow();
  });

  it('does not listen to a source that is no stream (it is refused as an argument)', async () => {
    const { memory } = await disk();
    const calls: unknown[] = [];
    const notAStream = { on: (...args: unknown[]) => void calls.push(args) };
    await expectCode(restoreToNewDatabase(notAStream as unknown as string, `plocal:${TARGET}`, null, { fs: memory }), 'ERR_INVALID_ARGUMENT');
    expect(calls).toEqual([]);
    expect(await names(memory, OUT)).toEqual([]);
  });
});

describe('restoreToNewDatabase: the target must be free', () => {
  it('accepts an empty directory; refuses a database, a file or a non-empty directory before reading the source', async () => {
    const { memory, w } = await disk();
    await memory.mkdir(TARGET);
    await restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, null, { fs: memory });
    expect((await opened(memory, TARGET)).dump).toBe(w.archiveDump);
    // The source is missing: a refusal of the target must come first.
    const missing = '/n/none.zip';
    const database = await expectCode(restoreToNewDatabase(missing, `plocal:${TARGET}`, null, { fs: memory }), 'ERR_DATABASE_EXISTS');
    expect(database.details).toEqual({ directory: TARGET });
    expect(database.message).toContain(`Cannot restore into '${TARGET}'`);
    await writeText(memory, '/n/out/file', 'x');
    const file = await expectCode(restoreToNewDatabase(missing, 'plocal:/n/out/file', null, { fs: memory }), 'ERR_DATABASE_EXISTS');
    expect(file.details).toEqual({ directory: '/n/out/file' });
    await memory.mkdir('/n/out/full');
    await writeText(memory, '/n/out/full/notes.txt', 'mine');
    const full = await expectCode(restoreToNewDatabase(missing, 'plocal:/n/out/full', null, { fs: memory }), 'ERR_DATABASE_EXISTS');
    expect(full.details).toEqual({ directory: '/n/out/full' });
    await memory.mkdir('/n/out/only-metadata');
    await writeText(memory, '/n/out/only-metadata/database.ocf', '{}');
    await expectCode(restoreToNewDatabase(missing, 'plocal:/n/out/only-metadata', null, { fs: memory }), 'ERR_DATABASE_EXISTS');
    expect(await names(memory, '/n/out/full')).toEqual(['notes.txt']);
    expect(await names(memory, OUT)).toEqual(['copy', 'file', 'full', 'only-metadata']);
  });

  it('refuses a symbolic link, even to an empty directory', async () => {
    const { memory } = await disk();
    await memory.mkdir(TARGET);
    const fs = overriding(memory, {
      lstat: async (path) => {
        const stat = await memory.lstat(path);
        return path === TARGET ? ({ ...stat, isSymbolicLink: true } as FileStat) : stat;
      },
    });
    const error = await expectCode(restoreToNewDatabase('/n/none.zip', `plocal:${TARGET}`, null, { fs }), 'ERR_DATABASE_EXISTS');
    expect(error.details).toEqual({ directory: TARGET });
  });

  it('a target that appears during the staging is refused at the end, leaving it untouched', async () => {
    const { memory } = await disk();
    let planted = false;
    const fs = overriding(memory, {
      syncDir: async (path) => {
        if (!planted && path.endsWith('/new')) {
          planted = true;
          await memory.mkdir(TARGET);
          await writeText(memory, `${TARGET}/database.ocf`, 'someone else');
        }
        return memory.syncDir(path);
      },
    });
    await expectCode(restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, null, { fs }), 'ERR_DATABASE_EXISTS');
    expect(planted).toBe(true);
    expect(await names(memory, OUT)).toEqual(['copy']);
    expect((await memory.readFile(`${TARGET}/database.ocf`)).toString()).toBe('someone else');
  });
});

describe('restoreToNewDatabase: failures of the disk', () => {
  it('a failing lstat or listing of the target is ERR_IO naming it', async () => {
    const { memory } = await disk();
    const lstat = new FaultyFileSystem(memory, { failAt: 1, errno: 'EACCES', operations: ['lstat'], path: (path) => path === TARGET });
    const checking = await expectCode(restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, null, { fs: lstat }), 'ERR_IO');
    expect(checking.details).toEqual({ path: TARGET, errno: 'EACCES' });
    expect(checking.message).toContain(`Checking '${TARGET}' failed`);
    await memory.mkdir(TARGET);
    const readdir = new FaultyFileSystem(memory, { failAt: 1, errno: 'EIO', operations: ['readdir'], path: (path) => path === TARGET });
    const listing = await expectCode(restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, null, { fs: readdir }), 'ERR_IO');
    expect(listing.details).toEqual({ path: TARGET, errno: 'EIO' });
    expect(listing.message).toContain(`Listing '${TARGET}' failed`);
    expect(await names(memory, OUT)).toEqual(['copy']);
  });

  it('a file system rejecting with a non-error gives ERR_IO; one that breaks its contract, ERR_RESTORE_FAILED', async () => {
    const { memory } = await disk();
    const rejecting = overriding(memory, { lstat: () => Promise.reject(undefined) });
    await expectCode(restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, null, { fs: rejecting }), 'ERR_IO');
    const broken = overriding(memory, { lstat: () => Promise.resolve(null as unknown as FileStat) });
    await expectCode(restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, null, { fs: broken }), 'ERR_RESTORE_FAILED');
  });

  it('a failing creation of the parent directory is ERR_IO naming the target', async () => {
    const { memory } = await disk();
    const fs = new FaultyFileSystem(memory, { failAt: 1, errno: 'ENOSPC', operations: ['mkdir'] });
    const error = await expectCode(restoreToNewDatabase(ARCHIVE, 'plocal:/n/new-parent/copy', null, { fs }), 'ERR_IO');
    expect(error.details).toEqual({ path: '/n/new-parent/copy', errno: 'ENOSPC' });
    expect(error.message).toContain(`Creating the parent directory of '/n/new-parent/copy' failed`);
    expect(await names(memory, ROOT)).toEqual(['backup.zip', 'chain', 'db', 'out']);
  });

  it('a final rename refused with EEXIST or ENOTEMPTY is ERR_DATABASE_EXISTS, any other failure ERR_IO', async () => {
    const { memory, w } = await disk();
    for (const [code, expected] of [['EEXIST', 'ERR_DATABASE_EXISTS'], ['ENOTEMPTY', 'ERR_DATABASE_EXISTS'], ['EIO', 'ERR_IO']] as const) {
      const fs = overriding(memory, {
        rename: async (from, to) => {
          if (to === TARGET) throw errno(code);
          return memory.rename(from, to);
        },
      });
      const error = await expectCode(restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, null, { fs }), expected);
      expect(error.details, code).toEqual(expected === 'ERR_IO' ? { path: TARGET, errno: 'EIO' } : { directory: TARGET });
      if (expected === 'ERR_IO') expect(error.message).toContain(`Moving the restored database to '${TARGET}' failed`);
      expect(await names(memory, OUT), code).toEqual([]);
    }
    await restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, null, { fs: memory });
    expect((await opened(memory, TARGET)).dump).toBe(w.archiveDump);
  });

  it('a failing fsync of the parent after the rename takes the new database away: ERR_IO naming the parent', async () => {
    const { memory } = await disk();
    let renamed = false;
    const fs = overriding(memory, {
      rename: async (from, to) => {
        await memory.rename(from, to);
        if (to === TARGET) renamed = true;
      },
      syncDir: async (path) => {
        if (renamed && path === OUT) {
          renamed = false;
          throw errno('EIO');
        }
        return memory.syncDir(path);
      },
    });
    const error = await expectCode(restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, null, { fs }), 'ERR_IO');
    expect(error.details).toEqual({ path: OUT, errno: 'EIO' });
    expect(error.message).toContain(`Syncing '${OUT}' failed`);
    expect(await names(memory, OUT)).toEqual([]);
  });

  it('leaves no staging directory after a success', async () => {
    const { memory } = await disk();
    await restoreToNewDatabase(ARCHIVE, `plocal:${TARGET}`, null, { fs: memory });
    expect((await names(memory, OUT)).filter((name) => STAGING.test(name))).toEqual([]);
    expect(await names(memory, OUT)).toEqual(['copy']);
  });
});
