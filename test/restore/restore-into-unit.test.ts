/**
 * db.restore(...) (src/restore/restore-into.ts) on a MemoryFileSystem: the argument checks made
 * before anything is created, the source kinds (archive, stream, chain directory with and without
 * `upToIndex`), the options reaching the stager, the callable and the listener (the exact progress
 * and summary messages), and the failures around the commit marker: one before it leaves the old
 * database and no staging directory, one after it still resolves and the next open finishes it
 * (which is the recovery hook's work).
 *
 * The world (a database, a full backup, a chain of two incremental backups) is built once,
 * lazily in the first test that needs it (a fixture built in `beforeAll` would hide a mutant
 * that breaks it, conformance/MUTANTS.md "Traps"), and each test works on a copy of it.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { isCodedError } from '../../src/errors.js';
import { FaultyFileSystem, type FileSystem, MemoryFileSystem } from '../../src/fs/index.js';
import { expectCode } from '../engine/_helpers.js';

const FAST = { scryptCost: 16 } as const;
const ROOT = '/r';
const DB = '/r/db';
const URL = 'plocal:/r/db';
const ARCHIVE = '/r/backup.zip';
const CHAIN = '/r/chain';
const STAGING = /^\.db\.restore-[0-9a-f]{12}$/;

interface World {
  readonly memory: MemoryFileSystem;
  /** The dump the full backup holds. */
  readonly archiveDump: string;
  /** The dumps after the first and the second incremental backup. */
  readonly chainDumps: readonly [string, string];
  /** The database's dump (what a failed restore must leave). */
  readonly oldDump: string;
}

let built: Promise<World> | undefined;
/** The world, built on first use. */
function world(): Promise<World> {
  built ??= (async () => {
    const memory = new MemoryFileSystem();
    await memory.mkdir(ROOT, { recursive: true });
    const db = await Database.create(URL, { ...FAST, fs: memory });
    await db.createClass('Item');
    const rids: string[] = [];
    for (let i = 0; i < 4; i++) rids.push((await db.insert('Item', { n: i })).rid);
    await db.backup(ARCHIVE, null, null, null, 6, 65536);
    const archiveDump = await db.dump();
    await db.update(rids[0]!, { n: 0, changed: 'first' });
    await db.incrementalBackup(CHAIN);
    const first = await db.dump();
    await db.delete(rids[1]!);
    await db.insert('Item', { n: 'chain' });
    await db.incrementalBackup(CHAIN);
    const second = await db.dump();
    await db.createClass('Later');
    await db.insert('Later', { late: true });
    const oldDump = await db.dump();
    await db.close();
    return { memory, archiveDump, chainDumps: [first, second], oldDump };
  })();
  return built;
}

/** A session on a fresh copy of the world, through a fault harness. */
async function session(): Promise<{ db: Database; memory: MemoryFileSystem; fs: FaultyFileSystem; w: World }> {
  const w = await world();
  const memory = w.memory.processCrashCopy();
  const fs = new FaultyFileSystem(memory);
  const db = await Database.open(URL, 'admin', 'admin', { ...FAST, fs });
  return { db, memory, fs, w };
}

/** The names in the world's root (the database, backups and any staging directory). */
async function rootNames(fs: FileSystem): Promise<string[]> {
  return (await fs.readdir(ROOT)).map((entry) => entry.name).sort();
}

/** The dump of the database when opened afresh on `memory`. */
async function reopenedDump(memory: FileSystem): Promise<string> {
  const db = await Database.open(URL, 'admin', 'admin', { ...FAST, fs: memory });
  try {
    return await db.dump();
  } finally {
    await db.close();
  }
}

const ROOT_NAMES = ['backup.zip', 'chain', 'db'];

describe('db.restore: checks before anything is created', () => {
  it('accepts null and undefined for options, callable and listener, and at most four arguments', async () => {
    const { db, w } = await session();
    await db.restore(ARCHIVE, null, null, null);
    expect(await db.dump()).toBe(w.archiveDump);
    await db.restore(ARCHIVE, undefined, undefined, undefined);
    await db.restore(ARCHIVE);
    expect(await db.dump()).toBe(w.archiveDump);
    const error = await expectCode(db.restore(ARCHIVE, null, null, null, null), 'ERR_INVALID_ARGUMENT');
    expect(error.message).toContain('got 5');
    expect(await rootNames(db.storage.fs)).toEqual(ROOT_NAMES);
    await db.close();
  });

  it('refuses a callable or a listener that is not a function, before staging', async () => {
    const { db, w } = await session();
    for (const bad of [42, 'run', {}, true]) {
      const callable = await expectCode(db.restore(ARCHIVE, null, bad, null), 'ERR_INVALID_ARGUMENT');
      expect(callable.message).toContain(`callable must be a function or null, got ${typeof bad}`);
      const listener = await expectCode(db.restore(ARCHIVE, null, null, bad), 'ERR_INVALID_ARGUMENT');
      expect(listener.message).toContain(`listener must be a function or null, got ${typeof bad}`);
    }
    await expectCode(db.restore(ARCHIVE, { what: 1 }, 'not a function', null), 'ERR_INVALID_OPTIONS');
    expect(await rootNames(db.storage.fs)).toEqual(ROOT_NAMES);
    expect(await db.dump()).toBe(w.oldDump);
    await db.close();
  });

  it('refuses a memory database with ERR_UNSUPPORTED_STORAGE', async () => {
    const url = `memory:rflow-restore-into-${process.pid}`;
    const db = await Database.create(url, FAST);
    try {
      const error = await expectCode(db.restore(ARCHIVE), 'ERR_UNSUPPORTED_STORAGE');
      expect(error.message).toContain(`'rflow-restore-into-${process.pid}'`);
    } finally {
      await db.close();
      await Database.drop(url, 'admin', 'admin', FAST);
    }
  });

  it('refuses upToIndex for an archive or a stream, never for a chain directory', async () => {
    const { db, memory, w } = await session();
    await expectCode(db.restore(ARCHIVE, { upToIndex: 0 }), 'ERR_INVALID_OPTIONS');
    await expectCode(db.restore(Readable.from([await memory.readFile(ARCHIVE)]), { upToIndex: 0 }), 'ERR_INVALID_OPTIONS');
    expect(await rootNames(memory)).toEqual(ROOT_NAMES);
    expect(await db.dump()).toBe(w.oldDump);
    await db.restore(CHAIN, { upToIndex: 0 });
    expect(await db.dump()).toBe(w.chainDumps[0]);
    await db.restore(CHAIN, { upToIndex: 1 });
    expect(await db.dump()).toBe(w.chainDumps[1]);
    await db.close();
  });

  it('listens to a stream at once, even when a check refuses the restore before reading it', async () => {
    const { db } = await session();
    const stream = Object.assign(new EventEmitter(), { pipe: () => undefined });
    await expectCode(db.restore(stream, { what: 1 }), 'ERR_INVALID_OPTIONS');
    expect(stream.listenerCount('error')).toBe(1);
    // The guard keeps the late failure: emitting it does not throw (no unhandled 'error').
    expect(() => stream.emit('error', new Error('late'))).not.toThrow();
    await db.close();
  });
  it('does not listen to an input that is no stream (it is refused as an argument)', async () => {
    const { db } = await session();
    const calls: unknown[] = [];
    const notAStream = { on: (...args: unknown[]) => void calls.push(args) };
    await expectCode(db.restore(notAStream), 'ERR_INVALID_ARGUMENT');
    expect(calls).toEqual([]);
    await db.close();
  });
});

describe('db.restore: sources and options', () => {
  it('restores from an archive path, a stream and a chain directory, keeping the name', async () => {
    const { db, memory, w } = await session();
    await db.restore(Readable.from([await memory.readFile(ARCHIVE)]));
    expect(await db.dump()).toBe(w.archiveDump);
    await db.restore(CHAIN);
    expect(await db.dump()).toBe(w.chainDumps[1]);
    await db.restore(`${CHAIN}/`, null, null, null);
    expect(await db.dump()).toBe(w.chainDumps[1]);
    await db.restore(ARCHIVE);
    expect(await db.dump()).toBe(w.archiveDump);
    expect(db.name).toBe('db');
    expect(await rootNames(memory)).toEqual(ROOT_NAMES);
    await db.close();
    expect(await reopenedDump(memory)).toBe(w.archiveDump);
  });

  it('passes the archive limits to the stager', async () => {
    const { db, memory, w } = await session();
    const refused = await db.restore(ARCHIVE, { limits: { maxEntries: 1 } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isCodedError(refused), String(refused)).toBe(true);
    expect(await db.dump()).toBe(w.oldDump);
    expect(await rootNames(memory)).toEqual(ROOT_NAMES);
    await db.restore(ARCHIVE, { limits: { maxEntries: 1000 } });
    expect(await db.dump()).toBe(w.archiveDump);
    await db.close();
  });
});

describe('db.restore: callable and listener', () => {
  it('reports each file, then the summary, in the manual’s wording', async () => {
    const { db, memory } = await session();
    const messages: string[] = [];
    const before = performance.now();
    await db.restore(ARCHIVE, null, null, (message: string) => void messages.push(message));
    const elapsed = (performance.now() - before) / 1000;
    const files = messages.slice(0, -1);
    expect(files.length).toBeGreaterThan(2);
    const sizes = new Map<string, number>();
    for (const line of files) {
      const match = /^- Restoring file (\S+)\.\.\. ok size=(\d+)$/.exec(line);
      expect(match, line).not.toBeNull();
      sizes.set(match![1]!, Number(match![2]));
    }
    for (const entry of await memory.readdir(DB)) {
      if (sizes.has(entry.name)) expect(sizes.get(entry.name), entry.name).toBe((await memory.stat(join(DB, entry.name))).size);
    }
    expect(sizes.has('database.ocf')).toBe(true);
    const summary = /^Database restored in (\d+\.\d\d) seconds: (\d+) files restored$/.exec(messages.at(-1)!);
    expect(summary, messages.at(-1)).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThanOrEqual(0);
    expect(Number(summary![1])).toBeLessThanOrEqual(elapsed + 0.01);
    expect(Number(summary![2])).toBe(files.length);
    await db.close();
  });

  it('runs the callable once, after the staging and before the commit marker, awaiting it', async () => {
    const { db, memory, w } = await session();
    const seen: string[][] = [];
    let finished = false;
    await db.restore(ARCHIVE, null, async () => {
      const staging = (await rootNames(memory)).filter((name) => STAGING.test(name));
      expect(staging).toHaveLength(1);
      seen.push((await memory.readdir(join(ROOT, staging[0]!))).map((entry) => entry.name).sort());
      await new Promise((resolve) => setTimeout(resolve, 5));
      finished = true;
    });
    expect(seen).toEqual([['new', 'owner']]);
    expect(finished).toBe(true);
    expect(await db.dump()).toBe(w.archiveDump);
    await db.close();
  });

  it('a throwing or rejecting callable aborts with ERR_CALLABLE_FAILED: old database, no staging', async () => {
    const { db, memory, w } = await session();
    const cause = new Error('not now');
    const thrown = await expectCode(db.restore(ARCHIVE, null, () => { throw cause; }), 'ERR_CALLABLE_FAILED');
    expect(thrown.cause).toBe(cause);
    expect(thrown.message).toContain('not now');
    const rejected = await expectCode(db.restore(ARCHIVE, null, () => Promise.reject(new Error('later'))), 'ERR_CALLABLE_FAILED');
    expect(rejected.message).toContain('later');
    expect(await db.dump()).toBe(w.oldDump);
    expect(await rootNames(memory)).toEqual(ROOT_NAMES);
    await db.close();
    expect(await reopenedDump(memory)).toBe(w.oldDump);
  });

  it('a throwing listener aborts with ERR_LISTENER_FAILED (its error the cause): old database, no staging', async () => {
    const { db, memory, w } = await session();
    const cause = new Error('listener broke');
    const error = await expectCode(db.restore(ARCHIVE, null, null, () => { throw cause; }), 'ERR_LISTENER_FAILED');
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('listener broke');
    expect(await db.dump()).toBe(w.oldDump);
    expect(await rootNames(memory)).toEqual(ROOT_NAMES);
    await db.close();
  });

  it('a listener throwing at the summary no longer changes anything (RESTORE-023)', async () => {
    const { db, memory, w } = await session();
    let summaries = 0;
    await db.restore(ARCHIVE, null, null, (message: string) => {
      if (message.startsWith('Database restored')) {
        summaries++;
        throw new Error('too late');
      }
    });
    expect(summaries).toBe(1);
    expect(await db.dump()).toBe(w.archiveDump);
    expect(await rootNames(memory)).toEqual(ROOT_NAMES);
    await db.close();
  });
});

describe('db.restore: failures around the commit marker', () => {
  it('a failure before the commit (a bad archive) leaves the old database and no staging directory', async () => {
    const { db, memory, w } = await session();
    const handle = await memory.open('/r/bad.zip', 'wx');
    await handle.write(Buffer.from('PK\u0003\u0004 cut short'), 0, 15, 0);
    await handle.close();
    await expectCode(db.restore('/r/bad.zip'), 'ERR_ARCHIVE_TRUNCATED');
    expect(await db.dump()).toBe(w.oldDump);
    expect(await rootNames(memory)).toEqual([...ROOT_NAMES, 'bad.zip'].sort());
    await db.close();
  });

  it('a file system that rejects with a non-error while staging gives ERR_IO; one that breaks its contract, ERR_RESTORE_FAILED', async () => {
    const w = await world();
    // [what lstat of the staged database gives, the code the restore fails with]
    const broken: Array<[() => Promise<unknown>, string]> = [
      [() => Promise.reject(undefined), 'ERR_IO'],
      [() => Promise.resolve(null), 'ERR_RESTORE_FAILED'],
    ];
    for (const [lstat, code] of broken) {
      const memory = w.memory.processCrashCopy();
      let failed = 0;
      const fs: FileSystem = Object.assign(Object.create(memory) as FileSystem, {
        lstat: (path: string) => {
          if (/\/\.db\.restore-[0-9a-f]{12}\/new$/.test(path)) {
            failed++;
            return lstat();
          }
          return memory.lstat(path);
        },
      });
      const db = await Database.open(URL, 'admin', 'admin', { ...FAST, fs });
      await expectCode(db.restore(ARCHIVE), code);
      expect(failed).toBeGreaterThan(0);
      expect(await db.dump()).toBe(w.oldDump);
      expect(await rootNames(memory)).toEqual(ROOT_NAMES);
      await db.close();
    }
  });

  it('a disk failure while the marker is made durable takes the marker back: rejected, old database', async () => {
    const { db, memory, fs, w } = await session();
    // The call after the marker's rename into place (the directory's fsync) fails once.
    const stop = fs.observe((call) => {
      if (call.operation === 'rename' && call.paths[1]?.endsWith('/COMMITTED') === true) fs.arm({ failAt: 1 });
    });
    const error = await expectCode(db.restore(ARCHIVE), 'ERR_IO');
    stop();
    expect(fs.injected).toBe(1);
    expect(await db.dump()).toBe(w.oldDump);
    expect(await rootNames(memory)).toEqual(ROOT_NAMES);
    await db.close();
    expect(await reopenedDump(memory)).toBe(w.oldDump);
    expect(error.details).toMatchObject({ errno: 'EIO' });
  });

  it('once the marker is durable the restore resolves even if the disk then fails for good; the next open finishes it', async () => {
    const { db, memory, fs, w } = await session();
    let renamed = false;
    const stop = fs.observe((call) => {
      if (call.operation === 'rename' && call.paths[1]?.endsWith('/COMMITTED') === true) renamed = true;
      else if (renamed && call.operation === 'syncDir') {
        renamed = false;
        fs.arm({ failAt: 1, persistent: true });
      }
    });
    // Observers see a call before it fails: the syncDir above succeeds, every later call fails.
    await db.restore(ARCHIVE);
    stop();
    expect(fs.injected).toBeGreaterThan(0);
    fs.heal();
    // This storage could not reopen: its sessions report that until it is closed.
    await expectCode(db.dump(), 'ERR_IO');
    await db.close().catch(() => undefined);
    expect((await rootNames(memory)).some((name) => STAGING.test(name))).toBe(true);
    expect(await reopenedDump(memory)).toBe(w.archiveDump);
    expect(await rootNames(memory)).toEqual(ROOT_NAMES);
  });
});
