/**
 * Restoring into a new database (RESTORE-010 to RESTORE-012; feature `restore-to-new`).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { scenario } from '../../scenario.js';
import { backupFile, expectRefused, fileSource, fixturesOf, manifestOf, namesIn, seededDatabase } from './support.js';

export default [
  scenario({
    id: 'restore/into-new-database',
    title: 'restoreDatabase creates a database equal to the backup, named after its directory, opened with the backed-up users',
    requirements: ['RESTORE-010'],
    features: ['restore-to-new'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'source');
      const archive = await backupFile(ctx, db.conn);
      const atLock = await db.conn.dump();
      await db.conn.insert('Item', { after: 'the backup' });
      for (const kind of ['file', 'stream'] as const) {
        const url = ctx.urlOf(`copy-${kind}`);
        await ctx.impl.restoreDatabase({ kind, path: archive }, url);
        const copy = await ctx.impl.openDatabase(url, 'admin', 'admin');
        assert.equal(await copy.dump(), atLock, `the database restored from a ${kind} is not the dump at the backup`);
        const named = await backupFile(ctx, copy, `copy-${kind}.zip`);
        assert.equal((await manifestOf(named)).databaseName, `copy-${kind}`, 'the new database is not named after its directory');
        await copy.close();
      }
    },
  }),

  scenario({
    id: 'restore/into-existing-database-refused',
    title: 'restoreDatabase over an existing database is refused with ERR_DATABASE_EXISTS, that database intact',
    requirements: ['RESTORE-011'],
    features: ['restore-to-new'],
    async run(ctx) {
      const source = await seededDatabase(ctx, 'source');
      const archive = await backupFile(ctx, source.conn);
      const existing = await seededDatabase(ctx, 'existing', 2);
      const before = await existing.conn.dump();
      await expectRefused(ctx.impl.restoreDatabase(fileSource(archive), existing.url), 'ERR_DATABASE_EXISTS', 'a restore over an existing database');
      assert.equal(await existing.conn.dump(), before, 'the existing database changed');
      await existing.other.insert('Item', { probe: true });
    },
  }),

  scenario({
    id: 'restore/failed-new-database-leaves-nothing',
    title: 'a failed restoreDatabase leaves nothing at the URL and its parent directory as it was',
    requirements: ['RESTORE-012'],
    features: ['restore-to-new'],
    async run(ctx) {
      await mkdir(ctx.path('parent'));
      const failures = [
        ...fixturesOf('ERR_ARCHIVE_CRC_MISMATCH').slice(0, 1),
        ...fixturesOf('ERR_ARCHIVE_PATH_TRAVERSAL').slice(0, 1),
        ...fixturesOf('ERR_MANIFEST_MISMATCH').slice(0, 1),
        ...fixturesOf('ERR_NOT_A_BACKUP').slice(0, 1),
      ];
      for (const fixture of failures) {
        const before = await namesIn(ctx.path('parent'));
        let failed = false;
        await ctx.impl.restoreDatabase(fileSource(fixture), ctx.urlOf('parent/new')).catch(() => void (failed = true));
        assert.ok(failed, `${fixture} was restored`);
        assert.ok(!existsSync(ctx.path('parent', 'new')), `something is at the URL's path after ${fixture} was refused`);
        assert.deepEqual(await namesIn(ctx.path('parent')), before, `the parent directory changed after ${fixture} was refused`);
      }
    },
  }),
];
