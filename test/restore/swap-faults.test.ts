/**
 * Crash safety of the swap, deterministically: a restore runs on a file system that fails at its
 * Nth call, for every N from the staging's last steps to the end of the reopen. A persistent
 * failure stands for a crash at that instant (nothing more reaches the disk); the database is
 * then opened afresh on a healthy disk. A one-off failure stands for a disk error. Either way the
 * database must be exactly the old one or exactly the restored one, open and writable, with no
 * staging directory left.
 */
import { cp, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { FaultyFileSystem, nodeFileSystem, type FileHandle, type FileSystem } from '../../src/fs/index.js';
import { backupToFile } from './_helpers/backup-file.js';
import { FAST, mutate, seededDatabase, tempDir } from './_helpers/databases.js';

let work: { path: string; cleanup: () => Promise<void> };
let archive: string;
let template: string;
let restored: string;
let old: string;
/** The calls of a fault-free restore, and the index (0-based) of the first one touching the commit marker. */
let calls: string[];
let commitAt: number;

beforeAll(async () => {
  work = await tempDir('restore-swap-faults-');
  template = join(work.path, 'template', 'db');
  const db = await seededDatabase(template);
  archive = join(work.path, 'backup.zip');
  await backupToFile(db, archive);
  restored = await db.dump();
  await mutate(db);
  old = await db.dump();
  await db.close();
  const probe = await copyTemplate('probe');
  const fs = new FaultyFileSystem(nodeFileSystem, undefined, { record: true });
  const session = await Database.open(`plocal:${probe}`, 'admin', 'admin', { ...FAST, fs });
  const before = fs.calls.length;
  await session.restore(archive);
  await session.close();
  calls = fs.calls.slice(before).map((call) => `${call.operation} ${call.paths.join(' ')}`);
  commitAt = calls.findIndex((call) => call.includes('COMMITTED'));
  expect(commitAt).toBeGreaterThan(0);
});

afterAll(async () => {
  await work.cleanup();
});

async function copyTemplate(name: string): Promise<string> {
  const directory = join(work.path, name, 'db');
  await mkdir(join(work.path, name));
  await cp(template, directory, { recursive: true });
  return directory;
}

/**
 * Node's file system, keeping the handles still open. After a simulated crash the session cannot
 * close its files (every call fails); a real crash would have the kernel close them, so the trial
 * does it through {@link OpenHandles.closeAll} rather than leave them to the garbage collector.
 */
interface OpenHandles {
  readonly fs: FileSystem;
  closeAll(): Promise<void>;
}

function openHandles(): OpenHandles {
  const open = new Set<FileHandle>();
  const fs: FileSystem = {
    ...nodeFileSystem,
    async open(...args) {
      const handle = await nodeFileSystem.open(...args);
      open.add(handle);
      return {
        read: (...a) => handle.read(...a),
        write: (...a) => handle.write(...a),
        sync: () => handle.sync(),
        truncate: (length) => handle.truncate(length),
        stat: () => handle.stat(),
        close: async () => {
          open.delete(handle);
          await handle.close();
        },
      };
    },
  };
  return {
    fs,
    async closeAll() {
      const left = [...open];
      open.clear();
      await Promise.all(left.map((handle) => handle.close().catch(() => undefined)));
    },
  };
}

/** Opens the database in `directory` on the healthy disk and returns its dump (after checking it takes a write). */
async function reopenedDump(directory: string): Promise<string> {
  const db = await Database.open(`plocal:${directory}`, 'admin', 'admin', FAST);
  try {
    const dump = await db.dump();
    await db.insert('Item', { after: 'reopen' });
    return dump;
  } finally {
    await db.close();
  }
}

async function trial(n: number, persistent: boolean): Promise<{ outcome: 'resolved' | 'rejected'; dump: string; leftovers: string[] }> {
  const directory = await copyTemplate(`trial-${persistent ? 'crash' : 'fault'}-${n}`);
  const disk = openHandles();
  const fs = new FaultyFileSystem(disk.fs);
  const session = await Database.open(`plocal:${directory}`, 'admin', 'admin', { ...FAST, fs });
  // Count from where the restore starts, as in the fault-free run (arming counts from zero).
  fs.arm({ failAt: n, persistent });
  let outcome: 'resolved' | 'rejected' = 'resolved';
  await session.restore(archive).catch(() => void (outcome = 'rejected'));
  await session.close().catch(() => undefined);
  fs.heal();
  await disk.closeAll();
  const dump = await reopenedDump(directory);
  const leftovers = (await readdir(join(directory, '..'))).filter((name) => name !== 'db');
  return { outcome, dump, leftovers };
}

describe('the swap under failures of the disk', () => {
  it('finds the commit marker among the calls of a restore', () => {
    expect(calls.slice(commitAt).some((call) => call.startsWith('rename') && call.includes('/new/'))).toBe(true);
  });

  it('a crash at any call from the end of the staging on leaves exactly the old or the new database', async () => {
    const outcomes = new Map<string, number>();
    for (let n = Math.max(1, commitAt - 8); n <= calls.length; n++) {
      const result = await trial(n, true);
      const which = result.dump === restored ? 'new' : result.dump === old ? 'old' : 'mixed';
      expect(which, `crash at call ${n}: ${calls[n - 1]}`).not.toBe('mixed');
      // Before the commit marker is durable the database is the old one; once it is, the new one.
      if (n <= commitAt) expect(which, `crash at call ${n} (${calls[n - 1]}), before the commit`).toBe('old');
      expect(result.leftovers, `crash at call ${n}: staging left`).toEqual([]);
      outcomes.set(which, (outcomes.get(which) ?? 0) + 1);
    }
    expect(outcomes.get('old')).toBeGreaterThan(0);
    expect(outcomes.get('new')).toBeGreaterThan(0);
  });

  it('a one-off disk error at any call of a restore gives the old database (rejected) or the new one (resolved)', async () => {
    for (let n = 1; n <= calls.length; n++) {
      const result = await trial(n, false);
      const which = result.dump === restored ? 'new' : result.dump === old ? 'old' : 'mixed';
      expect(which, `fault at call ${n}: ${calls[n - 1]}`).not.toBe('mixed');
      if (result.outcome === 'rejected' && n <= commitAt) expect(which, `fault at call ${n}: ${calls[n - 1]}`).toBe('old');
      if (result.outcome === 'resolved') expect(which, `fault at call ${n}: ${calls[n - 1]}`).toBe('new');
      expect(result.leftovers, `fault at call ${n}: staging left`).toEqual([]);
    }
  });
});
