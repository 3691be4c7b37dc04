import { describe, expect, it } from 'vitest';
import { Database, PAGE_SIZE, WAL_FILE } from '../../src/engine/index.js';
import { type FileHandle, type FileSystem, MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, checkedDump, documentOfSize, expectCode } from './_helpers.js';

/**
 * Wraps a memory file system and, before every mutating call once armed, records what a power
 * loss and what a kill -9 at that instant would leave behind, with how many operations were
 * acknowledged by then.
 */
function powerLossRecorder(memory: MemoryFileSystem): {
  fs: FileSystem;
  arm: () => void;
  disarm: () => void;
  acknowledged: { count: number };
  losses: { copy: MemoryFileSystem; acknowledged: number }[];
} {
  const losses: { copy: MemoryFileSystem; acknowledged: number }[] = [];
  const acknowledged = { count: 0 };
  let armed = false;
  const point = (): void => {
    if (!armed) return;
    losses.push({ copy: memory.powerLossCopy(), acknowledged: acknowledged.count });
    losses.push({ copy: memory.processCrashCopy(), acknowledged: acknowledged.count });
  };
  const wrap = (handle: FileHandle): FileHandle => ({
    read: (...args) => handle.read(...args),
    write: (...args) => (point(), handle.write(...args)),
    sync: () => (point(), handle.sync()),
    truncate: (length) => (point(), handle.truncate(length)),
    stat: () => handle.stat(),
    close: () => handle.close(),
  });
  const fs: FileSystem = {
    open: async (path, flags, mode) => (point(), wrap(await memory.open(path, flags, mode))),
    readFile: (path) => memory.readFile(path),
    stat: (path) => memory.stat(path),
    lstat: (path) => memory.lstat(path),
    readdir: (path) => memory.readdir(path),
    mkdir: (path, options) => (point(), memory.mkdir(path, options)),
    rename: (from, to) => (point(), memory.rename(from, to)),
    unlink: (path) => (point(), memory.unlink(path)),
    rm: (path, options) => (point(), memory.rm(path, options)),
    syncDir: (path) => (point(), memory.syncDir(path)),
  };
  return { fs, arm: () => (armed = true), disarm: () => (armed = false), acknowledged, losses };
}

/** Opens what a power loss left (the dead process's lock file stays behind, as it would). */
async function openAfterLoss(copy: MemoryFileSystem, url: string): Promise<Database> {
  const lock = `${url.slice('plocal:'.length)}/database.lock`;
  // The pid in the lock is our own; after a real power loss it would be a dead process's.
  await copy.rm(lock, { force: true });
  return Database.open(url, 'admin', 'admin', { fs: copy, ...FAST });
}

describe('crash safety at every I/O call (simulated power loss and kill -9)', () => {
  it.each([
    ['sync', 'sync'],
    ['batch + flush', 'batch'],
  ] as const)('reopens consistent with every acknowledged operation: %s', async (_label, durability) => {
    const memory = new MemoryFileSystem();
    const recorder = powerLossRecorder(memory);
    const url = `plocal:/loss-${durability}`;
    // A tiny cache and log force evictions and checkpoints in the middle of the workload.
    const db = await Database.create(url, {
      fs: recorder.fs,
      ...FAST,
      durability,
      pageCacheBytes: 8 * PAGE_SIZE,
      walCheckpointBytes: 24 * PAGE_SIZE,
    });
    await db.createClass('Item');
    const states = [await db.dump()];
    const acknowledge = async (): Promise<void> => {
      if (durability === 'batch') await db.flush();
      recorder.acknowledged.count++;
      states.push(await db.dump());
    };
    recorder.arm();
    const rids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const kind = i % 6;
      if (kind === 5 && rids.length > 2) {
        await db.delete(rids.splice(1, 1)[0]!);
      } else if (kind === 3 && rids.length > 0) {
        await db.update(rids[0]!, documentOfSize(300 + i * 400, i));
      } else if (kind === 4) {
        rids.push((await db.insert('Item', documentOfSize(20_000, i))).rid);
      } else {
        rids.push((await db.insert('Item', documentOfSize(900, i))).rid);
      }
      await acknowledge();
      if (i === 12) {
        await db.createClass('Later');
        await acknowledge();
        await db.insert('Later', { i });
        await acknowledge();
      }
    }
    recorder.disarm();
    await db.close();
    expect(recorder.losses.length).toBeGreaterThan(80);
    for (const [index, loss] of recorder.losses.entries()) {
      const reopened = await openAfterLoss(loss.copy, url);
      const dump = await checkedDump(reopened);
      const expected = [states[loss.acknowledged], states[loss.acknowledged + 1]];
      if (!expected.includes(dump)) {
        throw new Error(`power loss #${index} (after ${loss.acknowledged} acknowledged operations) reopened in an unexpected state`);
      }
      await reopened.close();
    }
  });

  it('reopens at a prefix of unflushed batch operations, never a mix', async () => {
    const memory = new MemoryFileSystem();
    const recorder = powerLossRecorder(memory);
    const db = await Database.create('plocal:/prefix', {
      fs: recorder.fs,
      ...FAST,
      durability: 'batch',
      batchFlushBytes: 64 * PAGE_SIZE,
      pageCacheBytes: 8 * PAGE_SIZE,
      walCheckpointBytes: 40 * PAGE_SIZE,
    });
    await db.createClass('Item');
    await db.flush();
    const states = [await db.dump()];
    recorder.arm();
    const rids: string[] = [];
    for (let i = 0; i < 80; i++) {
      if (i % 7 === 6) await db.update(rids[rids.length - 3]!, documentOfSize(5000, i));
      else rids.push((await db.insert('Item', documentOfSize(3000, i))).rid);
      recorder.disarm();
      states.push(await db.dump());
      recorder.arm();
    }
    recorder.disarm();
    await db.close();
    expect(recorder.losses.length).toBeGreaterThan(20);
    let latest = 0;
    for (const loss of recorder.losses) {
      const reopened = await openAfterLoss(loss.copy, 'plocal:/prefix');
      const at = states.indexOf(await checkedDump(reopened));
      await reopened.close();
      expect(at).toBeGreaterThanOrEqual(0);
      latest = Math.max(latest, at);
    }
    // Background flushes made some of the operations durable before the end.
    expect(latest).toBeGreaterThan(10);
  });

  it('loses only unflushed batch operations, and keeps whole operations', async () => {
    const memory = new MemoryFileSystem();
    const db = await Database.create('plocal:/batch', { fs: memory, ...FAST, durability: 'batch', batchFlushMs: 60_000 });
    await db.createClass('Item');
    for (let i = 0; i < 5; i++) await db.insert('Item', { i });
    await db.flush();
    const flushed = await db.dump();
    for (let i = 5; i < 10; i++) await db.insert('Item', { i });
    const lost = await openAfterLoss(memory.powerLossCopy(), 'plocal:/batch');
    expect(await lost.dump()).toBe(flushed);
    await lost.close();
    await db.close(); // close flushes
    const kept = await openAfterLoss(memory.powerLossCopy(), 'plocal:/batch');
    expect(await kept.count('Item')).toBe(10);
    await kept.close();
  });

  it('repairs a torn data page from the log', async () => {
    const memory = new MemoryFileSystem();
    const db = await Database.create('plocal:/torn', { fs: memory, ...FAST, pageCacheBytes: 8 * PAGE_SIZE });
    await db.createClass('Item');
    for (let i = 0; i < 40; i++) await db.insert('Item', documentOfSize(1000, i));
    const expected = await db.dump();
    const copy = memory.powerLossCopy();
    // Half of page 1 overwritten with garbage, as a crash in the middle of its write would leave it.
    const handle = await copy.open('/torn/item.pcl', 'r+');
    await handle.write(Buffer.alloc(PAGE_SIZE / 2, 0xab), 0, PAGE_SIZE / 2, PAGE_SIZE);
    await handle.close();
    const reopened = await openAfterLoss(copy, 'plocal:/torn');
    expect(await reopened.dump()).toBe(expected);
    await reopened.close();
    await db.close();
  });
});

describe('damaged files', () => {
  async function closedDatabase(): Promise<{ memory: MemoryFileSystem; rids: string[] }> {
    const memory = new MemoryFileSystem();
    const db = await Database.create('plocal:/damaged', { fs: memory, ...FAST });
    await db.createClass('Item');
    const rids: string[] = [];
    for (let i = 0; i < 30; i++) rids.push((await db.insert('Item', documentOfSize(1000, i))).rid);
    await db.close();
    return { memory, rids };
  }

  it('reports a page failing its checksum as ERR_CORRUPT_PAGE naming file and page, and reads the rest', async () => {
    const { memory, rids } = await closedDatabase();
    const handle = await memory.open('/damaged/item.pcl', 'r+');
    await handle.write(Buffer.from([0x42]), 0, 1, 2 * PAGE_SIZE + 4000);
    await handle.close();
    const db = await Database.open('plocal:/damaged', 'admin', 'admin', { fs: memory });
    const results = await Promise.allSettled(rids.map((rid) => db.load(rid)));
    const failures = results.filter((result) => result.status === 'rejected');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.length).toBeLessThan(10);
    for (const failure of failures) {
      const error = (failure as PromiseRejectedResult).reason as { code: string; details: unknown; message: string };
      expect(error.code).toBe('ERR_CORRUPT_PAGE');
      expect(error.details).toEqual({ file: 'item.pcl', page: 2 });
      expect(error.message).toMatch(/page 2 .*item\.pcl/i);
    }
    await expectCode(db.dump(), 'ERR_CORRUPT_PAGE');
    await db.close();
  });

  it('refuses a damaged log, metadata or a missing cluster file', async () => {
    const { memory } = await closedDatabase();
    const open = (): Promise<Database> => Database.open('plocal:/damaged', 'admin', 'admin', { fs: memory });
    const wal = await memory.readFile(`/damaged/${WAL_FILE}`);
    const write = async (name: string, bytes: Buffer): Promise<void> => {
      const handle = await memory.open(`/damaged/${name}`, 'w');
      await handle.write(bytes, 0, bytes.length, 0);
      await handle.close();
    };
    await write(WAL_FILE, Buffer.from('garbage that is not a log header'));
    await expectCode(open(), 'ERR_CORRUPT_WAL');
    await write(WAL_FILE, wal);
    const metadata = await memory.readFile('/damaged/database.ocf');
    await write('database.ocf', Buffer.from('{ not json'));
    await expectCode(open(), 'ERR_CORRUPT_DATABASE');
    await write('database.ocf', Buffer.from(JSON.stringify({ ...JSON.parse(metadata.toString()), formatVersion: 99 })));
    await expectCode(open(), 'ERR_CORRUPT_DATABASE');
    await write('database.ocf', metadata);
    await memory.rename('/damaged/item.cpm', '/damaged/moved.cpm');
    const missing = await expectCode(open(), 'ERR_CORRUPT_DATABASE');
    expect(missing.details).toEqual({ file: 'item.cpm' });
    await memory.rename('/damaged/moved.cpm', '/damaged/item.cpm');
    await (await open()).close();
  });
});
