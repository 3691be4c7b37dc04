import { describe, expect, it } from 'vitest';
import { Database, PAGE_SIZE, type JsonObject } from '../../src/engine/index.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, documentOfSize, expectCode } from './_helpers.js';

let counter = 0;
async function fresh(options: { pageCacheBytes?: number } = {}): Promise<{ db: Database; fs: MemoryFileSystem; url: string }> {
  const fs = new MemoryFileSystem();
  const url = `plocal:/records-${counter++}`;
  const db = await Database.create(url, { fs, ...FAST, ...options });
  await db.createClass('Person');
  return { db, fs, url };
}

async function reopen(db: Database, fs: MemoryFileSystem): Promise<Database> {
  const { url } = db;
  await db.close();
  return Database.open(url, 'admin', 'admin', { fs, ...FAST });
}

describe('records', () => {
  it('inserts with consecutive positions and version 1, loads, counts and scans', async () => {
    const { db } = await fresh();
    await db.createClass('Other');
    const a = await db.insert('Person', { name: 'a' });
    const b = await db.insert('person', { name: 'b' }); // class names are case-insensitive
    const c = await db.insert('Other', { name: 'c' });
    expect([a.rid, b.rid, c.rid]).toEqual(['#1:0', '#1:1', '#2:0']);
    expect(a.version).toBe(1);
    expect(await db.load('#1:1')).toEqual({ rid: '#1:1', version: 1, content: { name: 'b' } });
    expect(await db.count('Person')).toBe(2);
    const scanned = [];
    for await (const record of db.scan('Person')) scanned.push(record);
    expect(scanned).toEqual([
      { rid: '#1:0', version: 1, content: { name: 'a' } },
      { rid: '#1:1', version: 1, content: { name: 'b' } },
    ]);
    await db.close();
  });

  it('keeps every JSON value type exactly', async () => {
    const { db, fs } = await fresh();
    const content = {
      s: 'text with "quotes", \\ and unicode: é € 𝄞 \u0000',
      n: -12.5e-7,
      big: Number.MAX_SAFE_INTEGER,
      t: true,
      f: false,
      z: null,
      a: [1, 'two', [3], { four: 4 }],
      o: { nested: { deeper: [] }, empty: {} },
    };
    const { rid } = await db.insert('Person', content);
    // A "__proto__" key is an ordinary own property in JSON and must stay one.
    const proto = await db.insert('Person', JSON.parse('{"__proto__":{"polluted":true},"x":1}') as JsonObject);
    const again = await reopen(db, fs);
    expect((await again.load(rid)).content).toEqual(content);
    const loaded = (await again.load(proto.rid)).content;
    expect(Object.keys(loaded)).toEqual(['__proto__', 'x']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await again.close();
  });

  it('updates in place and bumps the version, checking expectedVersion', async () => {
    const { db } = await fresh();
    const { rid } = await db.insert('Person', { v: 0 });
    expect((await db.update(rid, { v: 1 })).version).toBe(2);
    expect((await db.update(rid, { v: 2 }, 2)).version).toBe(3);
    const error = await expectCode(db.update(rid, { v: 'stale' }, 2), 'ERR_CONCURRENT_MODIFICATION');
    expect(error.details).toMatchObject({ expectedVersion: 2, actualVersion: 3 });
    await expectCode(db.delete(rid, 1), 'ERR_CONCURRENT_MODIFICATION');
    expect(await db.load(rid)).toEqual({ rid, version: 3, content: { v: 2 } });
    await expectCode(db.update(rid, { v: 3 }, 0), 'ERR_INVALID_ARGUMENT');
    await db.close();
  });

  it('relocates a growing record without changing its id, and survives reopen', async () => {
    const { db, fs } = await fresh();
    const rids = [];
    for (let i = 0; i < 7; i++) rids.push((await db.insert('Person', documentOfSize(1000, i))).rid);
    // The first page is nearly full: growing record 2 to 5 KiB must move it to another page.
    const grown = documentOfSize(5000, 99);
    await db.update(rids[2]!, grown);
    for (let i = 0; i < 7; i++) expect((await db.load(rids[i]!)).content).toEqual(i === 2 ? grown : documentOfSize(1000, i));
    const again = await reopen(db, fs);
    expect((await again.load(rids[2]!)).content).toEqual(grown);
    expect((await again.load(rids[2]!)).version).toBe(2);
    expect(await again.count('Person')).toBe(7);
    await again.close();
  });

  it.each([
    ['100 KiB', 100 * 1024],
    ['1 MiB', 1024 * 1024],
  ])('stores a %s record across chained pages, updates and deletes it', async (_label, size) => {
    const { db, fs } = await fresh({ pageCacheBytes: 16 * PAGE_SIZE });
    const small = await db.insert('Person', { small: true });
    const big = documentOfSize(size, 5);
    const { rid } = await db.insert('Person', big);
    expect((await db.load(rid)).content).toEqual(big);
    const bigger = documentOfSize(size + 20_000, 6);
    await db.update(rid, bigger);
    const again = await reopen(db, fs);
    expect(await again.load(rid)).toEqual({ rid, version: 2, content: bigger });
    const scanned = [];
    for await (const record of again.scan('Person')) scanned.push(record.rid);
    expect(scanned).toEqual([small.rid, rid]);
    // Shrinking to inline, then deleting, frees the chain's pages for reuse.
    await again.update(rid, { now: 'small' });
    const pagesBefore = (await fs.stat('/' + again.url.slice('plocal:/'.length) + '/person.pcl')).size;
    await again.insert('Person', documentOfSize(size, 7));
    await again.storage.checkpoint();
    const pagesAfter = (await fs.stat('/' + again.url.slice('plocal:/'.length) + '/person.pcl')).size;
    expect(pagesAfter - pagesBefore).toBeLessThan(size / 2);
    await again.delete(rid);
    await expectCode(again.load(rid), 'ERR_RECORD_NOT_FOUND');
    expect((await again.load(small.rid)).content).toEqual({ small: true });
    await again.close();
  });

  it('scans in record id order, each record once, after records moved and across map pages', async () => {
    const { db } = await fresh({ pageCacheBytes: 16 * PAGE_SIZE });
    const rids: string[] = [];
    for (let i = 0; i < 1500; i++) rids.push((await db.insert('Person', { i, pad: 'p'.repeat(i % 7 === 0 ? 900 : 40) })).rid);
    // Grow early records so they move behind later ones on disk; make one large.
    for (const i of [0, 3, 700, 1100]) await db.update(rids[i]!, { i, pad: 'g'.repeat(4000) });
    await db.update(rids[5]!, { i: 5, pad: 'L'.repeat(50_000) });
    await db.delete(rids[1]!);
    await db.storage.checkpoint();
    const seen: string[] = [];
    for await (const record of db.scan('Person')) {
      seen.push(record.rid);
      expect((record.content as { i: number }).i).toBe(Number(record.rid.split(':')[1]));
    }
    expect(seen).toEqual(rids.filter((rid) => rid !== rids[1]));
    await db.close();
  });

  it('deletes records and never reuses their positions', async () => {
    const { db, fs } = await fresh();
    const a = await db.insert('Person', { n: 0 });
    const b = await db.insert('Person', { n: 1 });
    await db.delete(a.rid);
    await expectCode(db.load(a.rid), 'ERR_RECORD_NOT_FOUND');
    await expectCode(db.update(a.rid, { n: 2 }), 'ERR_RECORD_NOT_FOUND');
    await expectCode(db.delete(a.rid), 'ERR_RECORD_NOT_FOUND');
    expect(await db.count('Person')).toBe(1);
    const again = await reopen(db, fs);
    const c = await again.insert('Person', { n: 3 });
    expect(c.rid).toBe('#1:2');
    expect((await again.load(b.rid)).content).toEqual({ n: 1 });
    await again.close();
  });

  it('reuses the pages of emptied data pages', async () => {
    const { db, fs, url } = await fresh();
    const rids = [];
    for (let i = 0; i < 60; i++) rids.push((await db.insert('Person', documentOfSize(1000, i))).rid);
    await db.storage.checkpoint();
    const file = url.slice('plocal:'.length) + '/person.pcl';
    const size = (await fs.stat(file)).size;
    for (const rid of rids.slice(0, 40)) await db.delete(rid);
    for (let i = 0; i < 35; i++) await db.insert('Person', documentOfSize(1000, 100 + i));
    await db.storage.checkpoint();
    expect((await fs.stat(file)).size).toBe(size);
    expect(await db.count('Person')).toBe(55);
    await db.close();
  });

  it('spans position map pages', async () => {
    const { db, fs } = await fresh();
    let last = '';
    for (let i = 0; i < 1100; i++) last = (await db.insert('Person', { i })).rid;
    expect(last).toBe('#1:1099');
    const again = await reopen(db, fs);
    expect((await again.load('#1:1050')).content).toEqual({ i: 1050 });
    expect(await again.count('Person')).toBe(1100);
    await again.close();
  });

  it('refuses contents that are not storable JSON objects', async () => {
    const { db } = await fresh();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const bad: unknown[] = [null, [], 'text', 5, { u: undefined }, { f: () => 1 }, { n: Number.NaN }, { i: Infinity }, { b: 1n }, { d: new Date(0) }, { m: new Map() }, circular, { h: [1, , 3] }];
    for (const content of bad) await expectCode(db.insert('Person', content as never), 'ERR_INVALID_DOCUMENT');
    expect(await db.count('Person')).toBe(0);
    expect(db.currentLsn()).toBeGreaterThan(0);
    await db.close();
  });

  it('refuses malformed record ids and unknown classes', async () => {
    const { db } = await fresh();
    for (const rid of ['1:0', '#1', '#a:0', '#1:-1', '', '#1:0 ', 5]) await expectCode(db.load(rid as string), 'ERR_INVALID_RID');
    await expectCode(db.load('#9:0'), 'ERR_RECORD_NOT_FOUND');
    await expectCode(db.load('#1:0'), 'ERR_RECORD_NOT_FOUND');
    await expectCode(db.insert('Nope', {}), 'ERR_CLASS_NOT_FOUND');
    await expectCode(db.count('Nope'), 'ERR_CLASS_NOT_FOUND');
    await db.close();
  });

  it('creates classes with OrientDB name rules and cluster ids from 1', async () => {
    const fs = new MemoryFileSystem();
    const db = await Database.create('plocal:/classes', { fs, ...FAST });
    expect(await db.createClass('Alpha')).toEqual({ name: 'Alpha', clusterId: 1, clusterName: 'alpha' });
    expect(await db.createClass('_beta_2')).toEqual({ name: '_beta_2', clusterId: 2, clusterName: '_beta_2' });
    await expectCode(db.createClass('ALPHA'), 'ERR_CLASS_EXISTS');
    for (const name of ['', '1abc', 'a-b', 'a b', 'x'.repeat(65), 'é']) await expectCode(db.createClass(name), 'ERR_INVALID_ARGUMENT');
    expect(await db.createClass('x'.repeat(64))).toMatchObject({ clusterId: 3 });
    expect(db.classes().map((info) => info.name)).toEqual(['Alpha', '_beta_2', 'x'.repeat(64)]);
    expect((await fs.readdir('/classes')).map((entry) => entry.name)).toEqual([
      '_beta_2.cpm',
      '_beta_2.pcl',
      'alpha.cpm',
      'alpha.pcl',
      'database.lock',
      'database.ocf',
      'database.wal',
      'x'.repeat(64) + '.cpm',
      'x'.repeat(64) + '.pcl',
    ]);
    await db.close();
  });

  it('produces a canonical dump independent of insertion history', async () => {
    const one = await fresh();
    const two = await fresh();
    await one.db.insert('Person', { b: 1, a: { y: 2, x: 1 } });
    await two.db.insert('Person', { a: { x: 1, y: 2 }, b: 1 });
    const dump = await one.db.dump();
    expect(dump).toBe(await two.db.dump());
    expect(dump).toBe(
      '{"classes":[{"name":"Person","records":[{"content":{"a":{"x":1,"y":2},"b":1},"rid":"#1:0","version":1}]}],' +
        '"format":"orientdb-backup-conformance/dump@1","users":[{"name":"admin","role":"admin"}]}',
    );
    await one.db.update('#1:0', { changed: true });
    expect(await one.db.dump()).not.toBe(await two.db.dump());
    await one.db.close();
    await two.db.close();
  });
});
