/**
 * Refusals before anything is read: permissions, states, storage kinds, a missing archive,
 * options (RESTORE-025 to RESTORE-031).
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { codeOf } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { CLASS, assertIntact, backupFile, expectRefused, fileSource, seededDatabase, treeState } from './support.js';

export default [
  scenario({
    id: 'restore/reader-refused',
    title: 'a reader cannot restore: ERR_PERMISSION_DENIED, the database intact and its files byte-identical',
    requirements: ['RESTORE-025'],
    features: ['permissions'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert(CLASS, { after: 'the backup' });
      await db.conn.createUser('reading', 'secret', 'reader');
      const reader = await ctx.impl.openDatabase(db.url, 'reading', 'secret');
      const before = await db.conn.dump();
      const files = await treeState(db.directory);
      await expectRefused(reader.restore(fileSource(archive), null, null, null), 'ERR_PERMISSION_DENIED', 'a restore by a reader');
      assert.deepEqual(await treeState(db.directory), files, 'a refused restore by a reader changed the database files');
      await assertIntact(db, before, 'after a reader’s restore was refused');
    },
  }),

  scenario({
    id: 'restore/writer-refused',
    title: 'a writer cannot restore: ERR_PERMISSION_DENIED, the database intact',
    requirements: ['RESTORE-026'],
    features: ['permissions'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert(CLASS, { after: 'the backup' });
      await db.conn.createUser('writing', 'secret', 'writer');
      const writer = await ctx.impl.openDatabase(db.url, 'writing', 'secret');
      const before = await db.conn.dump();
      await expectRefused(writer.restore(fileSource(archive), null, null, null), 'ERR_PERMISSION_DENIED', 'a restore by a writer');
      await assertIntact(db, before, 'after a writer’s restore was refused');
    },
  }),

  scenario({
    id: 'restore/closed-connection-refused',
    title: 'a closed connection cannot restore: ERR_DATABASE_CLOSED, the database intact',
    requirements: ['RESTORE-027'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert(CLASS, { after: 'the backup' });
      const closing = await ctx.impl.openDatabase(db.url, 'admin', 'admin');
      await closing.close();
      const before = await db.conn.dump();
      await expectRefused(closing.restore(fileSource(archive), null, null, null), 'ERR_DATABASE_CLOSED', 'a restore through a closed connection');
      await assertIntact(db, before, 'after a closed connection’s restore was refused');
    },
  }),

  scenario({
    id: 'restore/memory-database-refused',
    title: 'a memory database cannot be restored, nor restored into: ERR_UNSUPPORTED_STORAGE',
    requirements: ['RESTORE-028'],
    features: ['memory-storage'],
    async run(ctx) {
      const source = await seededDatabase(ctx, 'source');
      const archive = await backupFile(ctx, source.conn);
      const name = `restore-${basename(ctx.workdir)}`;
      const memory = await ctx.impl.createDatabase(`memory:${name}`);
      await memory.createClass(CLASS);
      await memory.insert(CLASS, { in: 'memory' });
      const before = await memory.dump();
      await expectRefused(memory.restore(fileSource(archive), null, null, null), 'ERR_UNSUPPORTED_STORAGE', 'a restore into a memory database');
      assert.equal(await memory.dump(), before, 'the memory database changed');
      if (ctx.impl.supports.includes('restore-to-new')) {
        await expectRefused(ctx.impl.restoreDatabase(fileSource(archive), `memory:${name}-new`), 'ERR_UNSUPPORTED_STORAGE', 'restoreDatabase to a memory: URL');
      }
    },
  }),

  scenario({
    id: 'restore/remote-database-refused',
    title: 'a remote database cannot be restored: ERR_REMOTE_NOT_SUPPORTED (refusing to open remote: URLs satisfies this)',
    requirements: ['RESTORE-029'],
    async run(ctx) {
      const source = await seededDatabase(ctx, 'source');
      const archive = await backupFile(ctx, source.conn);
      let remote;
      try {
        remote = await ctx.impl.createDatabase('remote:localhost/restore-target');
      } catch (error) {
        assert.equal(codeOf(error), 'ERR_REMOTE_NOT_SUPPORTED', 'opening a remote: URL failed with another code');
        return;
      }
      await expectRefused(remote.restore(fileSource(archive), null, null, null), 'ERR_REMOTE_NOT_SUPPORTED', 'a restore into a remote database');
    },
  }),

  scenario({
    id: 'restore/missing-archive-refused',
    title: 'a restore from a path where nothing exists is refused with ERR_ARCHIVE_NOT_FOUND, the database intact',
    requirements: ['RESTORE-030'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      for (const kind of ['file', 'stream'] as const) {
        const before = await db.conn.dump();
        await expectRefused(db.conn.restore({ kind, path: ctx.path('no-such-backup.zip') }, null, null, null), 'ERR_ARCHIVE_NOT_FOUND', `a restore from a missing ${kind}`);
        await assertIntact(db, before, `after a restore from a missing ${kind}`);
      }
    },
  }),

  scenario({
    id: 'restore/invalid-options-refused',
    title: 'unknown option keys, non-object options, upToIndex with an archive and bad limits are refused with ERR_INVALID_OPTIONS',
    requirements: ['RESTORE-031'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert(CLASS, { after: 'the backup' });
      const cases: [string, unknown, 'file' | 'stream'][] = [
        ['an unknown key', { compressionLevel: 9 }, 'file'],
        ['a misspelled key', { uptoIndex: 0 }, 'file'],
        ['a string', 'limits', 'file'],
        ['a number', 42, 'file'],
        ['an array', [], 'file'],
        ['upToIndex with a file', { upToIndex: 0 }, 'file'],
        ['upToIndex with a stream', { upToIndex: 0 }, 'stream'],
        ['limits that are not an object', { limits: 5 }, 'file'],
        ['an unknown limit', { limits: { maxFiles: 10 } }, 'file'],
        ['a negative limit', { limits: { maxEntries: -1 } }, 'file'],
        ['a zero limit', { limits: { maxTotalBytes: 0 } }, 'file'],
        ['a fractional count', { limits: { maxEntries: 2.5 } }, 'file'],
        ['an infinite limit', { limits: { maxEntryBytes: Number.POSITIVE_INFINITY } }, 'file'],
        ['NaN as a limit', { limits: { maxRatio: Number.NaN } }, 'file'],
        ['a string as a limit', { limits: { maxRatio: '1000' } }, 'file'],
      ];
      for (const [what, options, kind] of cases) {
        const before = await db.conn.dump();
        await expectRefused(db.conn.restore({ kind, path: archive }, options as never, null, null), 'ERR_INVALID_OPTIONS', `options with ${what}`);
        assert.equal(await db.conn.dump(), before, `options with ${what}: the database changed`);
      }
      await assertIntact(db, await db.conn.dump(), 'after the refused options');
    },
  }),
];
