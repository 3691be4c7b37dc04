import { describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, countingFileSystem } from './_helpers.js';

async function setup(durability: 'sync' | 'batch') {
  const memory = new MemoryFileSystem();
  const { fs, counts } = countingFileSystem(memory);
  const db = await Database.create(`plocal:/durability-${durability}`, { fs, ...FAST, durability, batchFlushMs: 60_000 });
  await db.createClass('Item');
  const syncs = (): number => counts.get('sync') ?? 0;
  return { db, memory, fs, syncs };
}

describe('durability modes', () => {
  it('sync: each sequential operation waits for its own fsync', async () => {
    const { db, syncs } = await setup('sync');
    const before = syncs();
    for (let i = 0; i < 20; i++) await db.insert('Item', { i });
    expect(syncs() - before).toBe(20);
    await db.close();
  });

  it('sync: concurrent operations share fsyncs (group commit) and all are durable', async () => {
    const { db, memory, syncs } = await setup('sync');
    const before = syncs();
    const records = await Promise.all(Array.from({ length: 50 }, (_, i) => db.insert('Item', { i })));
    const used = syncs() - before;
    expect(used).toBeGreaterThanOrEqual(1);
    expect(used).toBeLessThanOrEqual(5);
    // Every acknowledged insert survives a power loss right now.
    const copy = memory.powerLossCopy();
    await copy.rm('/durability-sync/database.lock');
    const reopened = await Database.open('plocal:/durability-sync', 'admin', 'admin', { fs: copy });
    for (const record of records) expect((await reopened.load(record.rid)).content).toEqual(record.content);
    await reopened.close();
    await db.close();
  });

  it('batch: operations resolve without fsync; flush() makes them durable with one', async () => {
    const { db, memory, syncs } = await setup('batch');
    const before = syncs();
    for (let i = 0; i < 200; i++) await db.insert('Item', { i });
    expect(syncs() - before).toBe(0);
    await db.flush();
    expect(syncs() - before).toBe(1);
    const copy = memory.powerLossCopy();
    await copy.rm('/durability-batch/database.lock');
    const reopened = await Database.open('plocal:/durability-batch', 'admin', 'admin', { fs: copy });
    expect(await reopened.count('Item')).toBe(200);
    await reopened.close();
    await db.close();
  });

  it('batch: flushes on its own after batchFlushMs', async () => {
    const memory = new MemoryFileSystem();
    const db = await Database.create('plocal:/timed', { fs: memory, ...FAST, durability: 'batch', batchFlushMs: 20 });
    await db.createClass('Item');
    await db.insert('Item', { timed: true });
    await new Promise((resolve) => setTimeout(resolve, 80));
    const copy = memory.powerLossCopy();
    await copy.rm('/timed/database.lock');
    const reopened = await Database.open('plocal:/timed', 'admin', 'admin', { fs: copy });
    expect(await reopened.count('Item')).toBe(1);
    await reopened.close();
    await db.close();
  });

  it('sessions choose their own durability on one storage', async () => {
    const { db, fs, syncs } = await setup('batch');
    const syncSession = await Database.open('plocal:/durability-batch', 'admin', 'admin', { fs, durability: 'sync' });
    expect(syncSession.storage).toBe(db.storage);
    const before = syncs();
    await db.insert('Item', { batch: true });
    expect(syncs() - before).toBe(0);
    await syncSession.insert('Item', { sync: true });
    expect(syncs() - before).toBe(1);
    await syncSession.close();
    await db.close();
  });
});
