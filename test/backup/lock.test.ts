/**
 * The lock around a full backup: the callable runs once under it, writers wait (freeze) or go on
 * once the snapshot is taken (snapshot), and every way a backup can end releases it.
 */
import { mkdir, rm, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/engine/index.js';
import { MemorySink, createDatabase, expectCode, expectUnlocked, fillItems, namesIn, openDatabase, readZip, restoredDump, stillPending, tempDir } from './_helpers.js';

async function ridsOf(db: Database): Promise<string[]> {
  const rids: string[] = [];
  for await (const record of db.scan('Item')) rids.push(record.rid);
  return rids;
}

let dir: { path: string; cleanup: () => Promise<void> };
let db: Database;
let other: Database;

beforeEach(async () => {
  dir = await tempDir();
  db = await createDatabase(dir.path);
  await fillItems(db, 30, 300);
  other = await openDatabase(dir.path);
});

afterEach(async () => {
  await other.close();
  await db.close();
  await dir.cleanup();
});

describe('the callable', () => {
  it('runs once, under the lock: writes wait, reads go on, the archive holds that moment', async () => {
    let calls = 0;
    let atLock = '';
    let probe: Promise<unknown> | undefined;
    const path = join(dir.path, 'b.zip');
    await db.backup(path, null, async () => {
      calls++;
      atLock = await other.dump();
      const first = (await ridsOf(other))[0]!;
      expect((await other.load(first)).rid).toBe(first);
      probe = other.insert('Item', { probe: 'inside the callable' });
      expect(await stillPending(probe)).toBe(true);
    });
    expect(calls).toBe(1);
    await probe;
    expect(await restoredDump(path, dir.path)).toBe(atLock);
    expect(await db.dump()).not.toBe(atLock);
  });

  it('is awaited: nothing reaches the output while its promise is pending', async () => {
    const sink = new MemorySink();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const backup = db.backup(sink, null, () => gate);
    expect(await stillPending(backup)).toBe(true);
    expect(sink.writes).toEqual([]);
    release();
    await backup;
    expect(sink.writes.length).toBeGreaterThan(0);
  });

  it.each([
    ['throws', () => {
      throw new Error('callable broke');
    }],
    ['rejects', () => Promise.reject(new Error('callable broke'))],
  ])('that %s aborts with ERR_CALLABLE_FAILED, keeps the cause, writes nothing and releases the lock', async (_how, callable) => {
    const sink = new MemorySink();
    const error = await expectCode(db.backup(sink, null, callable), 'ERR_CALLABLE_FAILED');
    expect((error.cause as Error).message).toBe('callable broke');
    expect(error.message).toContain('callable broke');
    expect(sink.writes).toEqual([]);
    expect(sink.writableEnded || sink.destroyed).toBe(false);
    await expectCode(db.backup(join(dir.path, 'x.zip'), null, callable), 'ERR_CALLABLE_FAILED');
    expect(await namesIn(dir.path)).toEqual(['db']);
    await expectUnlocked(other);
  });
});

describe('modes', () => {
  it('freeze holds writers until the backup ends', async () => {
    const sink = new MemorySink({ stallAfterBytes: 1000 });
    let probe: Promise<unknown> | undefined;
    const backup = db.backup(sink, { stallTimeoutMs: 1500 }, null, null, null, 256);
    await new Promise((resolve) => setTimeout(resolve, 200));
    probe = other.insert('Item', { probe: 'during the copy' });
    expect(await stillPending(probe, 500)).toBe(true);
    await expectCode(backup, 'ERR_OUTPUT_FAILED');
    await probe;
  });

  it('snapshot lets writers go on during the copy and still archives the moment of the lock', async () => {
    const sink = new MemorySink({ stallAfterBytes: 1000 });
    const backup = db.backup(sink, { mode: 'snapshot', stallTimeoutMs: 1500 }, null, null, null, 256);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const probe = other.insert('Item', { probe: 'during the copy' });
    expect(await stillPending(probe, 1000)).toBe(false);
    await expectCode(backup, 'ERR_OUTPUT_FAILED');
  });

  it('snapshot archives exactly the state at the lock while writers change every page', async () => {
    let atLock = '';
    let writing = true;
    let acknowledged = 0;
    const rids = await ridsOf(other);
    const writer = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      for (let i = 0; writing; i++) {
        const record = await other.insert('Item', { during: i, text: 'y'.repeat(500) });
        await other.update(rids[i % rids.length]!, { updated: i });
        if (i % 3 === 0) await other.delete(record.rid);
        acknowledged++;
      }
    })();
    const path = join(dir.path, 'snapshot.zip');
    try {
      await db.backup(path, { mode: 'snapshot' }, async () => {
        atLock = await other.dump();
      }, null, 9, 64);
    } finally {
      writing = false;
      await writer;
    }
    expect(acknowledged).toBeGreaterThan(0);
    expect(await restoredDump(path, dir.path)).toBe(atLock);
  });
});

describe('failures release the lock', () => {
  it('a failing stream output: ERR_OUTPUT_FAILED', async () => {
    await expectCode(db.backup(new MemorySink({ failAfterBytes: 3000 }), null, null, null, 0, 512), 'ERR_OUTPUT_FAILED');
    await expectUnlocked(other);
    await db.backup(new MemorySink());
  });

  it('a file output whose directory vanishes: ERR_OUTPUT_FAILED, nothing left', async () => {
    await mkdir(join(dir.path, 'out'));
    await expectCode(db.backup(join(dir.path, 'out', 'b.zip'), null, () => rm(join(dir.path, 'out'), { recursive: true })), 'ERR_OUTPUT_FAILED');
    expect(await namesIn(dir.path)).toEqual(['db']);
    await expectUnlocked(other);
  });

  it('a directory appearing at the target: ERR_OUTPUT_FAILED, no temporary file left', async () => {
    await expectCode(db.backup(join(dir.path, 'b.zip'), null, () => mkdir(join(dir.path, 'b.zip'))), 'ERR_OUTPUT_FAILED');
    expect(await namesIn(dir.path)).toEqual(['b.zip', 'db']);
    expect(await namesIn(join(dir.path, 'b.zip'))).toEqual([]);
    await expectUnlocked(other);
  });

  it('concurrent backups wait for each other and both succeed', async () => {
    const dumps: string[] = [];
    const a = db.backup(join(dir.path, 'a.zip'), null, async () => void dumps.push(await other.dump()));
    const b = other.backup(join(dir.path, 'b.zip'), null, async () => void dumps.push(await db.dump()));
    await Promise.all([a, b]);
    expect(await restoredDump(join(dir.path, 'a.zip'), dir.path)).toBe(dumps[0]);
    expect(await restoredDump(join(dir.path, 'b.zip'), dir.path)).toBe(dumps[1]);
  });
});

describe('source files that change under the lock', () => {
  const largestDataFile = 'item.pcl';

  it('a data file truncated in the callable: ERR_SOURCE_CHANGED, nothing at the target', async () => {
    const error = await expectCode(db.backup(join(dir.path, 'b.zip'), null, () => truncate(join(dir.path, 'db', largestDataFile), 8192)), 'ERR_SOURCE_CHANGED');
    expect(error.message).toContain(largestDataFile);
    expect(await namesIn(dir.path)).toEqual(['db']);
    await expectUnlocked(other);
  });

  it('a data file deleted in the callable: ERR_SOURCE_CHANGED', async () => {
    const error = await expectCode(db.backup(new MemorySink(), null, () => unlink(join(dir.path, 'db', largestDataFile))), 'ERR_SOURCE_CHANGED');
    expect(error.message).toContain(largestDataFile);
    await expectUnlocked(other);
  });

  it('the metadata file deleted in the callable: ERR_SOURCE_CHANGED', async () => {
    await expectCode(db.backup(new MemorySink(), null, () => unlink(join(dir.path, 'db', 'database.ocf'))), 'ERR_SOURCE_CHANGED');
  });

  it('a data file truncated during the copy: ERR_SOURCE_CHANGED', async () => {
    const big = join(dir.path, 'db', largestDataFile);
    const sink = new MemorySink();
    let truncated = false;
    const listener = (message: string): void => {
      if (!truncated && message === '- Compressing file database.ocf...') {
        truncated = true;
        void truncate(big, 8192);
      }
    };
    await expectCode(db.backup(sink, null, null, listener, 0, 4096), 'ERR_SOURCE_CHANGED');
    expect(truncated).toBe(true);
  });
});

describe('the result', () => {
  it('reports what the archive holds', async () => {
    const sink = new MemorySink();
    const summary = await db.backup(sink);
    const zip = await readZip(sink.bytes);
    expect(summary).toMatchObject({ bytes: sink.bytes.length, entries: zip.entries.length, lsn: db.currentLsn() });
  });
});
