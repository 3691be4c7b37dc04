/**
 * The manifest, the comment and the files left out (BACKUP-008 to BACKUP-013).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { scenario } from '../../scenario.js';
import { dataEntries, fileOutput, fill, inspectArchive, manifestOf, probeWrite } from './_support/helpers.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The manifest's members. */
const members = scenario({
  id: 'backup/manifest-members',
  title: 'the archive holds exactly one backup-manifest.json with the documented members',
  requirements: ['BACKUP-008'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 10);
    await conn.backup(fileOutput(ctx.path('b.zip')), null, null, null);
    const manifest = manifestOf(await inspectArchive(ctx.path('b.zip')));
    assert.equal(manifest.format, 'orientdb-backup-conformance/backup', 'format');
    assert.equal(manifest.formatVersion, 1, 'formatVersion');
    assert.equal(manifest.kind, 'full', 'kind');
    assert.equal(typeof manifest.databaseName, 'string', 'databaseName should be a string');
    assert.ok(Number.isSafeInteger(manifest.databaseFormatVersion) && (manifest.databaseFormatVersion as number) > 0, 'databaseFormatVersion should be a positive integer');
    assert.ok(typeof manifest.instanceId === 'string' && manifest.instanceId.length > 0, 'instanceId should be a non-empty string');
    assert.ok(Number.isSafeInteger(manifest.lsn) && (manifest.lsn as number) >= 0, 'lsn should be a non-negative integer');
    assert.ok(typeof manifest.createdAt === 'string' && ISO_UTC.test(manifest.createdAt) && !Number.isNaN(Date.parse(manifest.createdAt)), 'createdAt should be YYYY-MM-DDTHH:mm:ss.sssZ');
    assert.ok(Array.isArray(manifest.files), 'files should be an array');
  },
});

/** The manifest lists every other entry with its size and SHA-256. */
const files = scenario({
  id: 'backup/manifest-lists-entries',
  title: 'the manifest lists every data entry, sorted by name, with its size and SHA-256',
  requirements: ['BACKUP-009'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 30, 400);
    await conn.createClass('Empty');
    await conn.backup(fileOutput(ctx.path('b.zip')), null, null, null);
    const archive = await inspectArchive(ctx.path('b.zip'));
    const listed = manifestOf(archive).files as { name: unknown; size: unknown; sha256: unknown }[];
    const expected = dataEntries(archive)
      .map((entry) => ({ name: entry.name, size: entry.data?.length ?? entry.size, sha256: createHash('sha256').update(entry.data ?? Buffer.alloc(0)).digest('hex') }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    assert.ok(expected.length > 0, 'the archive should hold data entries');
    assert.deepEqual(
      listed.map((file) => ({ name: file.name, size: file.size, sha256: file.sha256 })),
      expected,
      'files should list every entry but the manifest, sorted by name, with its uncompressed size and SHA-256',
    );
  },
});

/** The manifest identifies the database. */
const identity = scenario({
  id: 'backup/manifest-identity',
  title: 'databaseName is the name; instanceId is stable for one database and differs between databases, even at the same path',
  requirements: ['BACKUP-010'],
  async run(ctx) {
    const first = await ctx.newDatabase('alpha');
    await fill(first, 3);
    await first.backup(fileOutput(ctx.path('a1.zip')), null, null, null);
    await first.insert('Item', { n: 99 });
    await first.backup(fileOutput(ctx.path('a2.zip')), null, null, null);
    const a1 = manifestOf(await inspectArchive(ctx.path('a1.zip')));
    const a2 = manifestOf(await inspectArchive(ctx.path('a2.zip')));
    assert.equal(a1.databaseName, 'alpha', 'databaseName should be the name of the database');
    assert.equal(a2.instanceId, a1.instanceId, 'two backups of one database should carry the same instanceId');

    await first.close();
    await rm(ctx.path('alpha'), { recursive: true, force: true });
    const again = await ctx.impl.createDatabase(ctx.urlOf('alpha'));
    await again.backup(fileOutput(ctx.path('a3.zip')), null, null, null);
    const a3 = manifestOf(await inspectArchive(ctx.path('a3.zip')));
    assert.equal(a3.databaseName, 'alpha', 'databaseName of the database created again');
    assert.notEqual(a3.instanceId, a1.instanceId, 'a database created again at the same path should get another instanceId');
  },
});

/** The manifest's LSN grows with writes; createdAt is the time of the backup. */
const lsnAndTime = scenario({
  id: 'backup/manifest-lsn-and-time',
  title: 'lsn is greater after a write; createdAt lies between the call and its completion',
  requirements: ['BACKUP-011'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 5);
    const called = Date.now();
    await conn.backup(fileOutput(ctx.path('before.zip')), null, null, null);
    const resolved = Date.now();
    await probeWrite(conn, { n: 'after the first backup' });
    await conn.backup(fileOutput(ctx.path('after.zip')), null, null, null);
    const before = manifestOf(await inspectArchive(ctx.path('before.zip')));
    const after = manifestOf(await inspectArchive(ctx.path('after.zip')));
    assert.ok((after.lsn as number) > (before.lsn as number), `lsn should grow after a write (${String(before.lsn)} then ${String(after.lsn)})`);
    const createdAt = Date.parse(String(before.createdAt));
    assert.ok(createdAt >= called && createdAt <= resolved, `createdAt ${String(before.createdAt)} should lie between the call (${new Date(called).toISOString()}) and its completion (${new Date(resolved).toISOString()})`);
  },
});

/** The archive comment. */
const comment = scenario({
  id: 'backup/archive-comment',
  title: 'the archive comment begins with "OrientDB Backup executed on "',
  requirements: ['BACKUP-012'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await conn.backup(fileOutput(ctx.path('b.zip')), null, null, null);
    const archive = await inspectArchive(ctx.path('b.zip'));
    assert.ok(archive.comment?.startsWith('OrientDB Backup executed on '), `the comment should begin with "OrientDB Backup executed on ", it is ${JSON.stringify(archive.comment)}`);
    assert.ok((archive.comment ?? '').length > 'OrientDB Backup executed on '.length, 'the comment should give the date of the backup');
  },
});

/** No transient files. */
const transient = scenario({
  id: 'backup/no-transient-files',
  title: 'no entry ends in .lock or .tmp, also while other connections are open and writing',
  requirements: ['BACKUP-013'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 20);
    const other = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    const writes: Promise<unknown>[] = [];
    await conn.backup(fileOutput(ctx.path('b.zip')), null, () => {
      for (let i = 0; i < 5; i++) writes.push(probeWrite(other, { during: i }));
    }, null);
    await Promise.all(writes);
    const names = (await inspectArchive(ctx.path('b.zip'))).entries.map((entry) => entry.name);
    assert.ok(names.length > 0, 'the archive should hold entries');
    assert.deepEqual(names.filter((name) => name.endsWith('.lock') || name.endsWith('.tmp')), [], 'no lock or temporary file should be archived');
  },
});

export default [members, files, identity, lsnAndTime, comment, transient];
