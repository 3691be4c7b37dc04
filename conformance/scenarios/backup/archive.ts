/**
 * The reported size, the ZIP structure and what the archive holds (BACKUP-005 to BACKUP-007).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { ITEM, expectRestoresTo, expectStandardZip, fileOutput, fill, noise, sizeOf, streamOutput, text } from './_support/helpers.js';

/** The reported size is the archive's size, and the reported writes add up to it. */
const bytesReported = scenario({
  id: 'backup/bytes-reported',
  title: 'bytes equals the archive length; the reported writes sum to it in order',
  requirements: ['BACKUP-005'],
  features: ['stream-output'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 30, 300);
    const file = await conn.backup(fileOutput(ctx.path('file.zip')), null, null, null);
    assert.equal(file.bytes, await sizeOf(ctx.path('file.zip')), 'bytes should equal the size of the file written');
    const stream = await conn.backup(streamOutput(ctx.path('stream.zip')), null, null, null, undefined, 1000);
    assert.equal(stream.bytes, await sizeOf(ctx.path('stream.zip')), 'bytes should equal the size of the file behind the stream');
    const writes = stream.writes ?? [];
    assert.equal(writes.reduce((sum, length) => sum + length, 0), stream.bytes, 'the reported writes should add up to bytes');
    assert.ok(writes.slice(0, -1).every((length) => length > 0), 'every reported write should have a length');
  },
});

/** Every archive is a standard ZIP, at level 0 and level 9. */
const standardZip = scenario({
  id: 'backup/standard-zip',
  title: 'archives at levels 0, 1 and 9 are standard single-disk ZIPs that a conforming reader reads',
  requirements: ['BACKUP-006'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 30, 300);
    await conn.createClass('Empty');
    for (const level of [0, 1, 9]) {
      const path = ctx.path(`level-${level}.zip`);
      await conn.backup(fileOutput(path), null, null, null, level);
      const archive = await expectStandardZip(path);
      assert.ok(archive.entries.length >= 2, `level ${level}: the archive should hold the database's files and the manifest`);
    }
  },
});

/** An empty database round-trips. */
const emptyDatabase = scenario({
  id: 'backup/restores-empty-database',
  title: 'the backup of an empty database (no classes) restores to it',
  requirements: ['BACKUP-007'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    const atLock = await conn.dump();
    await conn.backup(fileOutput(ctx.path('b.zip')), null, null, null);
    await expectRestoresTo(conn, ctx.path('b.zip'), atLock);
  },
});

/** Records larger than a page, up to 1 MiB, and deleted records round-trip. */
const largeAndDeleted = scenario({
  id: 'backup/restores-large-and-deleted-records',
  title: 'records larger than a page (up to 1 MiB) and records deleted before the backup restore exactly',
  requirements: ['BACKUP-007'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await conn.createClass(ITEM);
    await conn.createClass('Other');
    const large = await conn.insert(ITEM, { kind: 'large', text: text(1_000_000, 1) });
    await conn.insert(ITEM, { kind: 'noise', data: noise(50_000, 2) });
    const rids: string[] = [];
    for (let i = 0; i < 20; i++) rids.push((await conn.insert('Other', { n: i, unicode: 'é漢字🙂', nested: { list: [i, null, true, 'x'] } })).rid);
    for (const rid of rids.filter((_rid, i) => i % 3 === 0)) await conn.delete(rid);
    await conn.update(large.rid, { kind: 'large', text: text(900_000, 3) });
    const atLock = await conn.dump();
    await conn.backup(fileOutput(ctx.path('b.zip')), null, null, null);
    await expectRestoresTo(conn, ctx.path('b.zip'), atLock);
  },
});

/** Users and their roles round-trip. */
const users = scenario({
  id: 'backup/restores-users',
  title: 'users and their roles restore exactly',
  requirements: ['BACKUP-007'],
  features: ['permissions'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 5);
    await conn.createUser('writer1', 'w', 'writer');
    await conn.createUser('reader1', 'r', 'reader');
    await conn.createUser('admin2', 'a', 'admin');
    const atLock = await conn.dump();
    await conn.backup(fileOutput(ctx.path('b.zip')), null, null, null);
    await conn.createUser('later', 'l', 'reader');
    await expectRestoresTo(conn, ctx.path('b.zip'), atLock);
  },
});

export default [bytesReported, standardZip, emptyDatabase, largeAndDeleted, users];
