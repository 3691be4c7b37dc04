import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Database, PAGE_SIZE, type StorageSnapshot } from '../../src/engine/index.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, checkedDump, documentOfSize, expectCode } from './_helpers.js';

let counter = 0;
async function fresh(options: { pageCacheBytes?: number; snapshotMemoryBytes?: number } = {}) {
  const fs = new MemoryFileSystem();
  const url = `plocal:/snap-${counter++}`;
  const db = await Database.create(url, { fs, ...FAST, ...options });
  await db.createClass('Item');
  await db.createClass('Other');
  return { db, fs, url, directory: url.slice('plocal:'.length) };
}

async function readAll(snapshot: StorageSnapshot, name: string, chunkSize = 10_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of snapshot.readFile(name, chunkSize)) {
    expect(chunk.length).toBeLessThanOrEqual(chunkSize);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Writes a snapshot's files into a new file system and opens the copy. */
async function materialize(snapshot: StorageSnapshot): Promise<Database> {
  const fs = new MemoryFileSystem();
  await fs.mkdir('/copy', { recursive: true });
  for (const file of snapshot.files) {
    const bytes = await readAll(snapshot, file.name, 7777);
    expect(bytes.length).toBe(file.size);
    const handle = await fs.open(`/copy/${file.name}`, 'w');
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.close();
  }
  return Database.open('plocal:/copy', 'admin', 'admin', { fs });
}

function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('freeze-mode snapshots', () => {
  it('holds writers from the lock until release, and lists exactly the database files', async () => {
    const { db, fs, directory } = await fresh();
    for (let i = 0; i < 50; i++) await db.insert(i % 2 ? 'Item' : 'Other', documentOfSize(700, i));
    const expected = await db.dump();
    let duringLock: { readonly settled: boolean; readonly promise: Promise<unknown> } | undefined;
    const snapshot = await db.storage.beginSnapshot({
      mode: 'freeze',
      onLocked: async () => {
        duringLock = track(db.insert('Item', { late: true }));
        await sleep(20);
        expect(duringLock.settled).toBe(false);
        // Everything committed is in the data files: the log holds only its header.
        expect((await fs.readFile(`${directory}/database.wal`)).length).toBe(32);
      },
    });
    expect(snapshot.files.map((file) => file.name)).toEqual([
      'database.ocf',
      'database.wal',
      'item.cpm',
      'item.pcl',
      'other.cpm',
      'other.pcl',
    ]);
    expect(snapshot.name).toBe(db.name);
    expect(snapshot.instanceId).toBe(db.storage.instanceId);
    expect(snapshot.formatVersion).toBe(1);
    expect(snapshot.lsn).toBe(db.currentLsn());
    await sleep(20);
    expect(duringLock!.settled).toBe(false);
    const copy = await materialize(snapshot);
    expect(await checkedDump(copy)).toBe(expected);
    await copy.close();
    await snapshot.release();
    await snapshot.release(); // idempotent
    await duringLock!.promise;
    await expectCode(async () => {
      for await (const _ of snapshot.readFile('database.ocf', 100)) void _;
    }, 'ERR_DATABASE_CLOSED');
    await db.close();
  });

  it('releases everything when onLocked throws, and rethrows its error', async () => {
    const { db } = await fresh();
    const boom = new Error('callable failed');
    await expect(db.storage.beginSnapshot({ mode: 'freeze', onLocked: () => Promise.reject(boom) })).rejects.toBe(boom);
    await db.insert('Item', { after: 'failure' });
    const again = await db.storage.beginSnapshot({ mode: 'freeze' });
    await again.release();
    await expectCode(db.storage.beginSnapshot({ mode: 'copy' as never }), 'ERR_INVALID_ARGUMENT');
    await db.close();
  });

  it('runs one snapshot at a time: a second waits for the first release', async () => {
    const { db } = await fresh();
    const first = await db.storage.beginSnapshot({ mode: 'snapshot' });
    const second = track(db.storage.beginSnapshot({ mode: 'snapshot' }));
    await sleep(20);
    expect(second.settled).toBe(false);
    await first.release();
    await (await second.promise).release();
    await db.close();
  });
});

describe('snapshot-mode snapshots (copy-on-write)', () => {
  it.each([
    ['in memory', 64 * 1024 * 1024],
    ['spilled to a temporary file', 4 * PAGE_SIZE],
  ])('return exactly the state at the snapshot while writers rewrite pages (%s)', async (_label, snapshotMemoryBytes) => {
    const { db, fs, directory } = await fresh({ pageCacheBytes: 8 * PAGE_SIZE, snapshotMemoryBytes });
    const rids: string[] = [];
    for (let i = 0; i < 120; i++) rids.push((await db.insert('Item', documentOfSize(900, i))).rid);
    await db.insert('Other', documentOfSize(50_000, 1));
    const expected = await db.dump();
    const snapshot = await db.storage.beginSnapshot({ mode: 'snapshot' });
    // Writers go on: rewrite every record, delete some, add more, and force pages to disk.
    for (const [i, rid] of rids.entries()) {
      if (i % 5 === 0) await db.delete(rid);
      else await db.update(rid, documentOfSize(400 + (i % 3) * 900, 1000 + i));
    }
    for (let i = 0; i < 40; i++) await db.insert('Item', documentOfSize(1500, 2000 + i));
    await db.createClass('Newer');
    await db.storage.checkpoint();
    expect(await db.dump()).not.toBe(expected);
    const spills = (await fs.readdir(directory)).filter((entry) => entry.name.endsWith('.cow.tmp'));
    expect(spills.length).toBe(snapshotMemoryBytes < PAGE_SIZE * 100 ? 1 : 0);
    expect(snapshot.files.map((file) => file.name)).not.toContain('newer.pcl');
    const copy = await materialize(snapshot);
    expect(await checkedDump(copy)).toBe(expected);
    await copy.close();
    await snapshot.release();
    expect((await fs.readdir(directory)).some((entry) => entry.name.endsWith('.cow.tmp'))).toBe(false);
    await db.close();
  });

  it('lets writers go as soon as the snapshot is taken', async () => {
    const { db } = await fresh();
    const snapshot = await db.storage.beginSnapshot({ mode: 'snapshot' });
    await db.insert('Item', { during: 'snapshot' });
    await snapshot.release();
    await db.close();
  });

  it('ends with the storage: reads of a snapshot of a closed database fail', async () => {
    const { db } = await fresh();
    await db.insert('Item', { a: 1 });
    const snapshot = await db.storage.beginSnapshot({ mode: 'snapshot' });
    await db.close();
    await expectCode(readAll(snapshot, 'item.pcl'), 'ERR_DATABASE_CLOSED');
    await snapshot.release();
  });

  it('checks its arguments', async () => {
    const { db } = await fresh();
    const snapshot = await db.storage.beginSnapshot({ mode: 'snapshot' });
    await expectCode(readAll(snapshot, 'database.lock'), 'ERR_INVALID_ARGUMENT');
    await expectCode(readAll(snapshot, 'item.pcl', 0), 'ERR_INVALID_ARGUMENT');
    await expectCode(async () => {
      for await (const _ of snapshot.pagesNewerThan('database.ocf', 0)) void _;
    }, 'ERR_INVALID_ARGUMENT');
    await snapshot.release();
    await db.close();
  });
});

describe('pagesNewerThan', () => {
  it('returns exactly the pages changed after an LSN', async () => {
    const { db } = await fresh({ pageCacheBytes: 8 * PAGE_SIZE });
    const rids: string[] = [];
    for (let i = 0; i < 100; i++) rids.push((await db.insert('Item', documentOfSize(1000, i))).rid);
    const base = await db.storage.beginSnapshot({ mode: 'snapshot' });
    const before = new Map<string, Buffer>();
    for (const file of base.files) before.set(file.name, await readAll(base, file.name));
    const baseLsn = base.lsn;
    const everything: number[] = [];
    for await (const page of base.pagesNewerThan('item.pcl', 0)) everything.push(page.pageIndex);
    expect(everything.length).toBe(before.get('item.pcl')!.length / PAGE_SIZE);
    await base.release();

    await db.update(rids[3]!, { small: true });
    await db.update(rids[57]!, documentOfSize(6000, 9));
    await db.delete(rids[90]!);
    await db.insert('Item', documentOfSize(1000, 500));
    const next = await db.storage.beginSnapshot({ mode: 'freeze' });
    for (const name of ['item.pcl', 'item.cpm', 'other.pcl']) {
      const after = await readAll(next, name);
      const old = before.get(name)!;
      const expectedChanged: number[] = [];
      for (let page = 0; page * PAGE_SIZE < after.length; page++) {
        const slice = (bytes: Buffer): Buffer => bytes.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
        if (!slice(after).equals(slice(old))) expectedChanged.push(page);
      }
      const reported: { pageIndex: number; lsn: number; bytes: Buffer }[] = [];
      for await (const page of next.pagesNewerThan(name, baseLsn)) reported.push(page);
      expect(reported.map((page) => page.pageIndex)).toEqual(expectedChanged);
      for (const page of reported) {
        expect(page.lsn).toBeGreaterThan(baseLsn);
        expect(page.lsn).toBeLessThanOrEqual(next.lsn);
        expect(page.bytes).toEqual(after.subarray(page.pageIndex * PAGE_SIZE, (page.pageIndex + 1) * PAGE_SIZE));
      }
      if (name !== 'other.pcl') expect(expectedChanged.length).toBeGreaterThan(0);
    }
    await next.release();
    await db.close();
  });
});

describe('exclusive access', () => {
  it('swaps the files under the sessions, which see the new database afterwards', async () => {
    const { db, fs, url, directory } = await fresh();
    await db.insert('Item', { original: true });
    const other = await Database.open(url, 'admin', 'admin', { fs });
    // Another database whose files will replace this one's, as a restore would.
    const source = await Database.create('plocal:/source', { fs, ...FAST });
    await source.createClass('Restored');
    await source.insert('Restored', { from: 'backup' });
    const sourceDump = await source.dump();
    const sourceId = source.storage.instanceId;
    await source.close();
    let waiting: { settled: boolean; promise: Promise<unknown> } | undefined;
    const result = await db.storage.exclusive(async (dir) => {
      expect(dir).toBe(directory);
      expect((await fs.readdir(dir)).some((entry) => entry.name === 'database.lock')).toBe(false);
      waiting = track(other.insert('Restored', { queued: true }));
      for (const entry of await fs.readdir(dir)) await fs.unlink(`${dir}/${entry.name}`);
      for (const entry of await fs.readdir('/source')) {
        if (entry.name !== 'database.lock') await fs.rename(`/source/${entry.name}`, `${dir}/${entry.name}`);
      }
      await sleep(10);
      expect(waiting.settled).toBe(false);
      return 'swapped';
    });
    expect(result).toBe('swapped');
    expect(db.storage.instanceId).toBe(sourceId);
    // The name stays the directory's, though the metadata came from a database called 'source'.
    expect(db.name).toBe(directory.slice(1));
    await waiting!.promise;
    const afterDump = JSON.parse(await other.dump()) as { classes: { name: string; records: unknown[] }[] };
    expect(afterDump.classes.map((c) => [c.name, c.records.length])).toEqual([['Restored', 2]]);
    expect(JSON.parse(sourceDump).classes[0].records[0]).toEqual(afterDump.classes[0]!.records[0]);
    await other.close();
    await db.close();
  });

  it('reopens the untouched database when the action throws', async () => {
    const { db } = await fresh();
    await db.insert('Item', { kept: true });
    const before = await db.dump();
    const failure = new Error('restore failed');
    await expect(db.storage.exclusive(() => Promise.reject(failure))).rejects.toBe(failure);
    expect(await db.dump()).toBe(before);
    await db.insert('Item', { writable: true });
    await db.close();
  });

  it('is refused for memory databases', async () => {
    const db = await Database.create('memory:exclusive-test', FAST);
    await expectCode(db.storage.exclusive(async () => 1), 'ERR_UNSUPPORTED_STORAGE');
    await db.close();
    await Database.drop('memory:exclusive-test', 'admin', 'admin');
  });
});
