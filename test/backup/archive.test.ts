/**
 * What a full backup writes: the entries, the manifest (last, with the sizes and SHA-256 the
 * writer measured), the comment, the methods per level, the listener's messages and the summary.
 */
import { createHash } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_ENTRY, parseManifest } from '../../src/backup/manifest.js';
import type { Database } from '../../src/engine/index.js';
import { MemorySink, createDatabase, fillItems, openDatabase, readZip, restoredDump, tempDir } from './_helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
let db: Database;

beforeAll(async () => {
  dir = await tempDir();
  db = await createDatabase(dir.path, 'alpha');
  await fillItems(db, 60, 400);
  await db.createClass('Empty');
  await db.createUser('reader', 'secret', 'reader');
});

afterAll(async () => {
  await db.close();
  await dir.cleanup();
});

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('the archive', () => {
  it('holds every database file, then the manifest, and restores to the dump', async () => {
    const before = await db.dump();
    const path = join(dir.path, 'full.zip');
    const summary = await db.backup(path);
    const zip = await readZip(path);
    const names = zip.entries.map((entry) => entry.name);
    expect(names).toEqual(['database.ocf', 'database.wal', 'empty.cpm', 'empty.pcl', 'item.cpm', 'item.pcl', MANIFEST_ENTRY]);
    expect(summary).toMatchObject({ bytes: zip.size, entries: zip.entries.length });
    expect(await restoredDump(path, dir.path)).toBe(before);
  });

  it('writes a manifest that lists every other entry with its size and SHA-256', async () => {
    const started = Date.now();
    const sink = new MemorySink();
    const summary = await db.backup(sink);
    const ended = Date.now();
    const zip = await readZip(sink.bytes);
    const manifestEntry = zip.entries.at(-1)!;
    expect(manifestEntry.name).toBe(MANIFEST_ENTRY);
    const manifest = parseManifest(manifestEntry.data);
    expect(manifest).toEqual(summary.manifest);
    expect(manifest).toMatchObject({ kind: 'full', databaseName: 'alpha', instanceId: db.storage.instanceId, lsn: summary.lsn });
    expect(manifest.files).toEqual(zip.entries.slice(0, -1).map((entry) => ({ name: entry.name, size: entry.size, sha256: sha256(entry.data) })));
    const createdAt = Date.parse(manifest.createdAt);
    expect(createdAt).toBeGreaterThanOrEqual(started);
    expect(createdAt).toBeLessThanOrEqual(ended);
    expect(zip.comment).toBe(`OrientDB Backup executed on ${manifest.createdAt}`);
  });

  it('records a larger LSN after a write, the same instance id, and the database name', async () => {
    const first = await db.backup(new MemorySink());
    await db.insert('Item', { n: -1 });
    const second = await db.backup(new MemorySink());
    expect(second.lsn).toBeGreaterThan(first.lsn);
    expect(second.manifest.instanceId).toBe(first.manifest.instanceId);
  });

  it('never archives lock, temporary or foreign files beside the database files', async () => {
    await writeFile(join(dir.path, 'alpha', 'stray.tmp'), 'x');
    const other = await openDatabase(dir.path, 'alpha');
    try {
      const sink = new MemorySink();
      await db.backup(sink, { mode: 'snapshot' }, () => void other.insert('Item', { during: true }));
      const names = (await readZip(sink.bytes)).entries.map((entry) => entry.name);
      expect(names.filter((name) => name.endsWith('.lock') || name.endsWith('.tmp'))).toEqual([]);
      expect((await stat(join(dir.path, 'alpha', 'database.lock'))).isFile()).toBe(true);
    } finally {
      await other.close();
    }
  });
});

describe('compression levels', () => {
  it('writes STORED entries at level 0 and DEFLATE at 1 to 9, smaller as the level rises', async () => {
    const sizes: number[] = [];
    for (let level = 0; level <= 9; level++) {
      const sink = new MemorySink();
      const summary = await db.backup(sink, null, null, null, level);
      const zip = await readZip(sink.bytes);
      for (const entry of zip.entries) {
        if (level === 0) expect([entry.method, entry.compressedSize]).toEqual([0, entry.size]);
        else if (entry.size > 0) expect(entry.method).toBe(8);
      }
      sizes.push(summary.bytes);
    }
    expect(sizes[1]!).toBeLessThan(sizes[0]!);
    expect(sizes[9]!).toBeLessThanOrEqual(sizes[1]!);
  });

  it('defaults to 9: the data entries equal those of an explicit level 9', async () => {
    const nine = new MemorySink();
    const omitted = new MemorySink();
    await db.backup(nine, null, null, null, 9);
    await db.backup(omitted);
    const a = (await readZip(nine.bytes)).entries.slice(0, -1);
    const b = (await readZip(omitted.bytes)).entries.slice(0, -1);
    expect(b.map(({ name, method, compressedSize }) => ({ name, method, compressedSize }))).toEqual(a.map(({ name, method, compressedSize }) => ({ name, method, compressedSize })));
  });
});

describe('buffer sizes', () => {
  it.each([1, 512, 2048, 65_536])('delivers writes of exactly %i bytes, the last one smaller', async (bufferSize) => {
    const sink = new MemorySink();
    const summary = await db.backup(sink, null, null, null, bufferSize === 1 ? 1 : 6, bufferSize);
    expect(sink.writes.slice(0, -1).every((length) => length === bufferSize)).toBe(true);
    expect(sink.writes.at(-1)!).toBeLessThanOrEqual(bufferSize);
    expect(sink.writes.length).toBe(Math.ceil(summary.bytes / bufferSize));
    expect(sink.bytes.length).toBe(summary.bytes);
  });

  it('defaults to 1 MiB', async () => {
    const big = await createDatabase(dir.path, 'big');
    try {
      await big.createClass('Blob');
      for (let i = 0; i < 3; i++) await big.insert('Blob', { data: createHash('sha512').update(String(i)).digest('hex').repeat(6000) });
      const sink = new MemorySink();
      const summary = await big.backup(sink, null, null, null, 0);
      expect(summary.bytes).toBeGreaterThan(2 * 1_048_576);
      expect(sink.writes.slice(0, -1).every((length) => length === 1_048_576)).toBe(true);
    } finally {
      await big.close();
    }
  });
});

describe('listener messages', () => {
  it("follow OrientDB's wording per entry, then a summary with the entry count and the size", async () => {
    const messages: string[] = [];
    const sink = new MemorySink();
    const summary = await db.backup(sink, null, null, (message: string) => void messages.push(message), 6);
    const zip = await readZip(sink.bytes);
    expect(messages.length).toBe(2 * zip.entries.length + 1);
    zip.entries.forEach((entry, index) => {
      expect(messages[2 * index]).toBe(`- Compressing file ${entry.name}...`);
      const ok = /^ok size=(\d+) compressedSize=(\d+) ratio=(-?\d+)% elapsed=(\d+)ms$/.exec(messages[2 * index + 1]!);
      expect(ok, messages[2 * index + 1]).not.toBeNull();
      expect([Number(ok![1]), Number(ok![2])]).toEqual([entry.size, entry.compressedSize]);
      const ratio = entry.size === 0 ? 0 : 100 - (entry.compressedSize * 100) / entry.size;
      expect(Math.abs(Number(ok![3]) - ratio)).toBeLessThanOrEqual(1);
    });
    expect(messages.at(-1)).toMatch(new RegExp(`\\b${zip.entries.length} entries, ${summary.bytes} bytes\\b`));
  });

  it('ignores a listener that throws or rejects and still writes a complete archive', async () => {
    let calls = 0;
    const sink = new MemorySink();
    await db.backup(sink, null, null, () => {
      calls++;
      throw new Error('listener broke');
    });
    const rejecting = new MemorySink();
    await db.backup(rejecting, null, null, () => Promise.reject(new Error('async listener broke')));
    expect(calls).toBeGreaterThan(2);
    expect(await restoredDump(sink.bytes, dir.path)).toBe(await db.dump());
    expect((await readZip(rejecting.bytes)).entries.at(-1)!.name).toBe(MANIFEST_ENTRY);
  });
});
