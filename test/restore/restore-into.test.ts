/**
 * db.restore(...): round trips, what a restored database is (name, instance id, counters), the
 * callable and the listener, and the checks before anything is touched.
 */
import { createReadStream } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { backupToFile } from './_helpers/backup-file.js';
import { FAST, mutate, seededDatabase, tempDir, treeState } from './_helpers/databases.js';

let work: { path: string; cleanup: () => Promise<void> };
const open: Database[] = [];
beforeEach(async () => {
  work = await tempDir();
});
afterEach(async () => {
  for (const db of open.splice(0)) await db.close().catch(() => undefined);
  await work.cleanup();
});

async function seeded(name = 'db'): Promise<Database> {
  const db = await seededDatabase(join(work.path, name));
  open.push(db);
  return db;
}

describe('restore round trip', () => {
  it('gives back the dump at the backup whatever happened since, from a path and from a stream', async () => {
    const db = await seeded();
    const archive = join(work.path, 'backup.zip');
    await backupToFile(db, archive);
    const atBackup = await db.dump();
    await mutate(db);
    expect(await db.dump()).not.toBe(atBackup);
    await db.restore(archive, null, null, null);
    expect(await db.dump()).toBe(atBackup);
    await mutate(db);
    await db.restore(createReadStream(archive), null, null, null);
    expect(await db.dump()).toBe(atBackup);
    await db.restore(Readable.from([await import('node:fs/promises').then((fs) => fs.readFile(archive))]), undefined, undefined, undefined);
    expect(await db.dump()).toBe(atBackup);
  });

  it('keeps sessions valid, continues counters and versions, and survives a reopen', async () => {
    const db = await seeded();
    const other = await Database.open(db.url, 'admin', 'admin', FAST);
    open.push(other);
    const archive = join(work.path, 'backup.zip');
    await backupToFile(db, archive);
    const atBackup = await db.dump();
    const next = await db.insert('Item', { n: 'next' });
    const [first] = JSON.parse(atBackup).classes[0].records as { rid: string; version: number }[];
    await db.update(first!.rid, { bumped: 1 });
    await db.restore(archive);
    expect(await other.dump()).toBe(atBackup);
    expect((await db.insert('Item', { n: 'again' })).rid).toBe(next.rid);
    expect((await other.update(first!.rid, { bumped: 2 })).version).toBe(first!.version + 1);
    const expected = await db.dump();
    await db.close();
    await other.close();
    const reopened = await Database.open(db.url, 'admin', 'admin', FAST);
    open.push(reopened);
    expect(await reopened.dump()).toBe(expected);
  });

  it('keeps the target name, gives a fresh instance id and removes stale files and the staging directory', async () => {
    const source = await seeded('a');
    const archive = join(work.path, 'backup.zip');
    await backupToFile(source, archive);
    const target = await seeded('b');
    const instanceBefore = target.storage.instanceId;
    await writeFile(join(work.path, 'b', 'stale-file.bin'), 'stale');
    const parentBefore = (await readdir(work.path)).sort();
    await target.restore(archive);
    expect(target.name).toBe('b');
    expect(target.storage.instanceId).not.toBe(instanceBefore);
    expect(target.storage.instanceId).not.toBe(source.storage.instanceId);
    expect((await readdir(work.path)).sort()).toEqual(parentBefore);
    const files = Object.keys(await treeState(join(work.path, 'b')));
    expect(files).not.toContain('stale-file.bin');
    expect(files).not.toContain('backup-manifest.json');
    expect(files).toContain('database.ocf');
    expect(basename(dirname(join(work.path, 'b', 'x')))).toBe('b');
  });

  it('two restores racing on one database both complete, one after the other, leaving one of the two backups', async () => {
    const db = await seeded('db');
    const first = join(work.path, 'first.zip');
    await backupToFile(db, first);
    const firstDump = await db.dump();
    await mutate(db);
    const second = join(work.path, 'second.zip');
    await backupToFile(db, second);
    const secondDump = await db.dump();
    const before = (await readdir(work.path)).sort();
    await Promise.all([db.restore(first), db.restore(second)]);
    expect([firstDump, secondDump]).toContain(await db.dump());
    expect((await readdir(work.path)).sort()).toEqual(before);
  });
});
