/**
 * EXPORT DATABASE / IMPORT DATABASE through the engine API: a gzipped JSON export of the logical
 * content, and its import into an empty database reproducing the canonical dump exactly (record
 * ids, versions, deleted positions and users' password hashes included).
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { EXPORT_FORMAT, exportDatabase, importDatabase } from '../../src/export/export-database.js';
import { nodeFileSystem, type FileSystem } from '../../src/fs/index.js';
import { FAST, expectCode, tempDir } from '../engine/_helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const open: Database[] = [];

beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir('export-'));
});
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((db) => db.close()));
  await cleanup();
});

async function create(name: string): Promise<Database> {
  const db = await Database.create(`plocal:${join(dir, name)}`, { ...FAST, durability: 'batch' });
  open.push(db);
  return db;
}

/** A database with two classes, updated and deleted records (a gap spanning a whole position map page included), a large record and three users. */
async function sample(name = 'source'): Promise<Database> {
  const db = await create(name);
  await db.createClass('Item');
  await db.createClass('Empty');
  await db.createClass('Big');
  const items = [];
  for (let i = 0; i < 1200; i++) items.push(await db.insert('Item', { n: i, name: `item ${i}`, nested: { list: [i, 'x'] } }));
  for (let i = 5; i < 1150; i++) await db.delete(items[i]!.rid);
  await db.update(items[1]!.rid, { n: 1, changed: true });
  await db.update(items[1]!.rid, { n: 1, changed: 'twice', é: 'ü' });
  await db.delete(items[1199]!.rid); // a deleted last position: the next insert must not reuse it
  await db.insert('Big', { text: 'x'.repeat(100_000) });
  await db.createUser('reader1', 'secret-r', 'reader');
  await db.createUser('writer1', 'secret-w', 'writer');
  return db;
}

describe('exportDatabase', () => {
  it('writes a gzip file holding one JSON document of the logical content', async () => {
    const db = await sample();
    const path = join(dir, 'out.json.gz');
    await exportDatabase(db, path);
    const bytes = await readFile(path);
    expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    const document = JSON.parse(gunzipSync(bytes).toString('utf8'));
    expect(document.format).toBe(EXPORT_FORMAT);
    expect(document.classes.map((c: { name: string }) => c.name)).toEqual(['Item', 'Empty', 'Big']);
    const item = document.classes[0];
    expect(item).toMatchObject({ clusterId: 1, nextPosition: 1200 });
    expect(item.records[1]).toEqual({ rid: '#1:1', version: 3, content: { n: 1, changed: 'twice', é: 'ü' } });
    expect(item.records).toHaveLength(1200 - 1145 - 1);
    expect(document.users.map((u: { name: string; role: string }) => `${u.name}:${u.role}`)).toEqual(['admin:admin', 'reader1:reader', 'writer1:writer']);
    for (const user of document.users) expect(user.hash).toMatch(/^scrypt:/);
    expect(await readdir(dir)).toEqual(['out.json.gz', 'source']);
  });

  it('refuses a path in a missing directory, and a reader, writing nothing', async () => {
    const db = await sample();
    await expectCode(exportDatabase(db, join(dir, 'missing', 'out.gz')), 'ERR_INVALID_OUTPUT');
    const reader = await Database.open(db.url, 'reader1', 'secret-r', FAST);
    open.push(reader);
    await expectCode(exportDatabase(reader, join(dir, 'r.gz')), 'ERR_PERMISSION_DENIED');
    expect(await readdir(dir)).toEqual(['source']);
  });

  it('leaves nothing behind when writing fails midway', async () => {
    const db = await sample();
    const failing: FileSystem = {
      ...nodeFileSystem,
      open: async (path, flags, mode) => {
        const handle = await nodeFileSystem.open(path, flags, mode);
        let writes = 0;
        return {
          ...handle,
          read: handle.read.bind(handle),
          stat: handle.stat.bind(handle),
          sync: handle.sync.bind(handle),
          truncate: handle.truncate.bind(handle),
          close: handle.close.bind(handle),
          write: async (...args: Parameters<typeof handle.write>) => {
            if (++writes >= 1) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
            return handle.write(...args);
          },
        };
      },
    };
    await expectCode(exportDatabase(db, join(dir, 'out.gz'), { fs: failing }), 'ERR_IO');
    expect(await readdir(dir)).toEqual(['source']);
  });
});

describe('importDatabase', () => {
  it('reproduces the dump exactly, and the next record ids, in a database just created', async () => {
    const source = await sample();
    const path = join(dir, 'out.json.gz');
    await exportDatabase(source, path);
    const target = await create('target');
    await importDatabase(target, path);
    expect(await target.dump()).toBe(await source.dump());
    for (const db of [source, target]) expect((await db.insert('Item', { next: true })).rid).toBe('#1:1200');
    expect(await target.nextPosition('Empty')).toBe(0);
  });

  it('keeps every user with its password', async () => {
    const source = await sample();
    const path = join(dir, 'out.json.gz');
    await exportDatabase(source, path);
    const target = await create('target');
    await importDatabase(target, path);
    await target.close();
    for (const [user, password, role] of [['admin', 'admin', 'admin'], ['reader1', 'secret-r', 'reader'], ['writer1', 'secret-w', 'writer']] as const) {
      const session = await Database.open(target.url, user, password, FAST);
      open.push(session);
      expect(session.user).toEqual({ name: user, role });
    }
    await expectCode(Database.open(target.url, 'reader1', 'wrong', FAST), 'ERR_AUTH');
  });

  it('survives reopening: the imported pages are durable and consistent', async () => {
    const source = await sample();
    const path = join(dir, 'out.json.gz');
    await exportDatabase(source, path);
    const target = await create('target');
    await importDatabase(target, path);
    const expected = await source.dump();
    await target.close();
    const reopened = await Database.open(target.url, 'admin', 'admin', FAST);
    open.push(reopened);
    expect(await reopened.dump()).toBe(expected);
  });

  it('round-trips an empty database', async () => {
    const source = await create('source');
    const path = join(dir, 'empty.gz');
    await exportDatabase(source, path);
    const target = await create('target');
    await importDatabase(target, path);
    expect(await target.dump()).toBe(await source.dump());
  });

  it('refuses a database that holds a class, leaving it unchanged', async () => {
    const source = await sample();
    const path = join(dir, 'out.json.gz');
    await exportDatabase(source, path);
    const target = await create('target');
    await target.createClass('Other');
    const before = await target.dump();
    await expectCode(importDatabase(target, path), 'ERR_DATABASE_NOT_EMPTY');
    expect(await target.dump()).toBe(before);
  });

  it('refuses a missing file and a user without the restore permission', async () => {
    const target = await create('target');
    await expectCode(importDatabase(target, join(dir, 'nothing.gz')), 'ERR_ARCHIVE_NOT_FOUND');
    await target.createUser('w', 'w', 'writer');
    const writer = await Database.open(target.url, 'w', 'w', FAST);
    open.push(writer);
    await writeFile(join(dir, 'x.gz'), gzipSync('{}'));
    await expectCode(importDatabase(writer, join(dir, 'x.gz')), 'ERR_PERMISSION_DENIED');
  });

  describe('refuses a file that is not an export, leaving the database unchanged', async () => {
    const valid = {
      format: EXPORT_FORMAT,
      database: { name: 'x' },
      users: [{ name: 'admin', role: 'admin', salt: 'c2FsdA==', hash: 'scrypt:16:8:1:a2V5' }],
      classes: [{ name: 'A', clusterId: 1, nextPosition: 3, records: [{ rid: '#1:0', version: 1, content: { a: 1 } }, { rid: '#1:2', version: 2, content: {} }] }],
    };
    const mutate = (change: (doc: typeof valid & Record<string, unknown>) => void): Buffer => {
      const doc = structuredClone(valid) as typeof valid & Record<string, unknown>;
      change(doc);
      return gzipSync(JSON.stringify(doc));
    };
    const cases: Array<[string, Buffer]> = [
      ['plain text', Buffer.from('not gzip at all')],
      ['an empty file', Buffer.alloc(0)],
      ['a truncated gzip', gzipSync(JSON.stringify(valid)).subarray(0, 20)],
      ['gzip of text that is not JSON', gzipSync('{"format": ')],
      ['gzip of invalid UTF-8', gzipSync(Buffer.from([0x7b, 0xff, 0x7d]))],
      ['gzip of a JSON array', gzipSync('[]')],
      ['another format', mutate((d) => void (d.format = 'something/else@1'))],
      ['no users', mutate((d) => void (d.users = []))],
      ['no admin', mutate((d) => void (d.users[0]!.role = 'reader'))],
      ['an unknown role', mutate((d) => void (d.users[0]!.role = 'chief'))],
      ['a malformed hash', mutate((d) => void (d.users[0]!.hash = 'plain'))],
      ['a repeated user', mutate((d) => void d.users.push({ ...d.users[0]! }))],
      ['a bad class name', mutate((d) => void (d.classes[0]!.name = '1abc'))],
      ['cluster ids not 1..n', mutate((d) => void (d.classes[0]!.clusterId = 2))],
      ['a repeated class name', mutate((d) => void d.classes.push({ ...d.classes[0]!, name: 'a', clusterId: 2 }))],
      ['a record id of another cluster', mutate((d) => void (d.classes[0]!.records[0]!.rid = '#2:0'))],
      ['a malformed record id', mutate((d) => void (d.classes[0]!.records[0]!.rid = '1:0'))],
      ['positions out of order', mutate((d) => void d.classes[0]!.records.reverse())],
      ['a record at or beyond nextPosition', mutate((d) => void (d.classes[0]!.nextPosition = 2))],
      ['version 0', mutate((d) => void (d.classes[0]!.records[0]!.version = 0))],
      ['a version of 2^32', mutate((d) => void (d.classes[0]!.records[0]!.version = 2 ** 32))],
      ['content that is an array', mutate((d) => void ((d.classes[0]!.records[0] as { content: unknown }).content = [1]))],
      ['records that are not an array', mutate((d) => void ((d.classes[0] as { records: unknown }).records = {}))],
    ];
    for (const [name, bytes] of cases) {
      it(name, async () => {
        const target = await create('target');
        const path = join(dir, 'bad.gz');
        await writeFile(path, bytes);
        const before = await target.dump();
        const error = await expectCode(importDatabase(target, path), 'ERR_EXPORT_INVALID');
        expect(error.message.length).toBeGreaterThan(10);
        expect(await target.dump()).toBe(before);
      });
    }

    it('(the valid document of these cases imports)', async () => {
      const target = await create('target');
      const path = join(dir, 'good.gz');
      await mkdir(dir, { recursive: true });
      await writeFile(path, gzipSync(JSON.stringify(valid)));
      await importDatabase(target, path);
      const dump = JSON.parse(await target.dump());
      expect(dump.classes[0].records).toEqual([
        { content: { a: 1 }, rid: '#1:0', version: 1 },
        { content: {}, rid: '#1:2', version: 2 },
      ]);
    });
  });
});

describe('the engine import API (Database.importRecords, nextPosition, exportUsers, importUsers)', () => {
  it('stores records at given positions and versions, marking the positions between as deleted', async () => {
    const db = await create('api');
    await db.createClass('A');
    await db.importRecords('A', [
      { position: 2, version: 7, content: { a: 1 } },
      { position: 2000, version: 1, content: { b: 'x'.repeat(20_000) } },
    ], 2100);
    expect(await db.nextPosition('A')).toBe(2100);
    expect(await db.load('#1:2')).toEqual({ rid: '#1:2', version: 7, content: { a: 1 } });
    await expectCode(db.load('#1:3'), 'ERR_RECORD_NOT_FOUND');
    expect(await db.count('A')).toBe(2);
    expect((await db.insert('A', { next: true })).rid).toBe('#1:2100');
    expect((await db.update('#1:2', { a: 2 })).version).toBe(8);
  });

  it('refuses a position below the next one and a version out of range, changing nothing', async () => {
    const db = await create('api');
    await db.createClass('A');
    await db.insert('A', { first: true });
    await expectCode(db.importRecords('A', [{ position: 0, version: 1, content: {} }]), 'ERR_INVALID_ARGUMENT');
    await expectCode(db.importRecords('A', [{ position: 5, version: 0, content: {} }]), 'ERR_INVALID_ARGUMENT');
    await expectCode(db.importRecords('A', [{ position: 5, version: 2 ** 32, content: {} }]), 'ERR_INVALID_ARGUMENT');
    await expectCode(db.importRecords('A', [], 0), 'ERR_INVALID_ARGUMENT');
    expect(await db.nextPosition('A')).toBe(1);
    expect(await db.count('A')).toBe(1);
  });

  it('hands users over with their hashes, refusing a list without an admin', async () => {
    const source = await create('source');
    await source.createUser('r', 'pw', 'reader');
    const users = source.exportUsers();
    expect(users.map((u) => u.name)).toEqual(['admin', 'r']);
    const target = await create('target');
    await expectCode(target.importUsers(users.filter((u) => u.role !== 'admin')), 'ERR_INVALID_ARGUMENT');
    await target.importUsers(users);
    const session = await Database.open(target.url, 'r', 'pw', FAST);
    open.push(session);
    expect(session.user).toEqual({ name: 'r', role: 'reader' });
    expect(() => session.exportUsers()).toThrow(/permission/);
  });
});
