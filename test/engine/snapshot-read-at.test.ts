import { describe, expect, it } from 'vitest';
import { Database, PAGE_SIZE, type StorageSnapshot } from '../../src/engine/index.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, documentOfSize, expectCode } from './_helpers.js';

/** `StorageSnapshot.readAt`: reads into the caller's buffer what `readFile` yields (the backup's sources use it). */

async function readAll(snapshot: StorageSnapshot, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of snapshot.readFile(name, 10_000)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function readAllAt(snapshot: StorageSnapshot, name: string, bufferSize: number): Promise<Buffer> {
  const buffer = Buffer.alloc(bufferSize, 0xee);
  const parts: Buffer[] = [];
  for (let position = 0; ; ) {
    const count = await snapshot.readAt(name, position, buffer);
    if (count === 0) break;
    parts.push(Buffer.from(buffer.subarray(0, count)));
    position += count;
  }
  return Buffer.concat(parts);
}

async function fresh() {
  const fs = new MemoryFileSystem();
  const db = await Database.create('plocal:/read-at', { fs, ...FAST, pageCacheBytes: 8 * PAGE_SIZE });
  await db.createClass('Item');
  const rids: string[] = [];
  for (let i = 0; i < 60; i++) rids.push((await db.insert('Item', documentOfSize(1500, i))).rid);
  return { db, rids };
}

describe('StorageSnapshot.readAt', () => {
  it('reads every file as readFile does, whatever the buffer size, and 0 at and past the end', async () => {
    const { db } = await fresh();
    const snapshot = await db.storage.beginSnapshot({ mode: 'freeze' });
    try {
      for (const file of snapshot.files) {
        const expected = await readAll(snapshot, file.name);
        for (const bufferSize of [1, 1000, PAGE_SIZE, 3 * PAGE_SIZE + 17, expected.length + 5]) {
          expect((await readAllAt(snapshot, file.name, bufferSize)).equals(expected), `${file.name} with ${bufferSize}`).toBe(true);
        }
        const buffer = Buffer.alloc(10);
        expect(await snapshot.readAt(file.name, file.size, buffer)).toBe(0);
        expect(await snapshot.readAt(file.name, file.size + 100, buffer)).toBe(0);
      }
    } finally {
      await snapshot.release();
    }
    await db.close();
  });

  it('reads the bytes as of the snapshot while writers change and write back the pages', async () => {
    const { db, rids } = await fresh();
    const snapshot = await db.storage.beginSnapshot({ mode: 'snapshot' });
    try {
      const before = await readAll(snapshot, 'item.pcl');
      for (const rid of rids.slice(0, 30)) await db.update(rid, documentOfSize(1500, 999));
      await db.storage.checkpoint();
      expect((await readAllAt(snapshot, 'item.pcl', 5000)).equals(before)).toBe(true);
    } finally {
      await snapshot.release();
    }
    await db.close();
  });

  it('refuses a bad position or target, an unknown file, and a released snapshot', async () => {
    const { db } = await fresh();
    const snapshot = await db.storage.beginSnapshot({ mode: 'snapshot' });
    await expectCode(snapshot.readAt('item.pcl', -1, Buffer.alloc(4)), 'ERR_INVALID_ARGUMENT');
    await expectCode(snapshot.readAt('item.pcl', 0.5, Buffer.alloc(4)), 'ERR_INVALID_ARGUMENT');
    await expectCode(snapshot.readAt('item.pcl', 0, 'buffer' as unknown as Buffer), 'ERR_INVALID_ARGUMENT');
    await expectCode(snapshot.readAt('nothing.pcl', 0, Buffer.alloc(4)), 'ERR_INVALID_ARGUMENT');
    await snapshot.release();
    await expectCode(snapshot.readAt('item.pcl', 0, Buffer.alloc(4)), 'ERR_DATABASE_CLOSED');
    await db.close();
  });
});
