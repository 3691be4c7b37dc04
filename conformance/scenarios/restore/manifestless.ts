/**
 * Archives without a manifest, archives that are no full backup, format versions
 * (RESTORE-035 to RESTORE-038).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { buildZip } from '../../support/zip-rewrite.js';
import {
  CLASS,
  MANIFEST,
  archiveEntries,
  assertIntact,
  backupFile,
  changeDatabase,
  expectRefused,
  fixturesOf,
  refusalCode,
  restoreFrom,
  rezip,
  seededDatabase,
  treeState,
  withManifest,
} from './support.js';

export default [
  scenario({
    id: 'restore/archive-without-manifest',
    title: 'a backup re-zipped without its manifest, and a ZIP of a closed database’s directory, restore after structural checks',
    requirements: ['RESTORE-035'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const atLock = await db.conn.dump();
      const rezipped = await rezip(ctx, archive, 'no-manifest.zip', (entries) =>
        entries
          .filter((entry) => entry.name !== MANIFEST)
          .reverse()
          .map((entry, index) => ({ ...entry, method: index % 2 === 0 ? 0 : 8 })),
      );
      await changeDatabase(db.conn);
      await restoreFrom(db.conn, rezipped);
      assert.equal(await db.conn.dump(), atLock, 'a backup re-zipped without its manifest did not restore to the dump at the lock');

      await db.conn.insert(CLASS, { before: 'closing' });
      const atClose = await db.conn.dump();
      await db.conn.close();
      await db.other.close();
      const files = Object.keys(await treeState(db.directory)).filter((name) => !name.endsWith('/'));
      const zipped = ctx.path('directory.zip');
      await writeFile(zipped, buildZip(await Promise.all(files.map(async (name) => ({ name, data: await readFile(join(db.directory, name)) })))));
      const reopened = await ctx.impl.openDatabase(db.url, 'admin', 'admin');
      assert.equal(await reopened.dump(), atClose);
      await changeDatabase(reopened);
      await restoreFrom(reopened, zipped);
      assert.equal(await reopened.dump(), atClose, 'a ZIP of the closed database’s directory did not restore to the dump of that moment');
    },
  }),

  scenario({
    id: 'restore/not-a-backup-refused',
    title: 'a ZIP of other files, a backup moved under one directory and an incremental file are refused with ERR_NOT_A_BACKUP',
    requirements: ['RESTORE-036'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert(CLASS, { after: 'the backup' });
      const moved = await rezip(ctx, archive, 'moved.zip', (entries) => entries.map((entry) => ({ ...entry, name: `mydb/${entry.name}` })));
      const incremental = await rezip(ctx, archive, 'incremental.zip', (entries) =>
        withManifest(entries, (manifest) => ({ ...manifest, kind: 'incremental', index: 0, full: true, startLsn: 0, previous: null })),
      );
      for (const path of [...fixturesOf('ERR_NOT_A_BACKUP').filter((file) => file.includes('unrelated')), moved, incremental]) {
        const before = await db.conn.dump();
        await expectRefused(restoreFrom(db.conn, path), 'ERR_NOT_A_BACKUP', path);
        await assertIntact(db, before, `after ${path} was refused`);
      }
    },
  }),

  scenario({
    id: 'restore/manifestless-missing-entry',
    title: 'removing any one entry of a backup re-zipped without manifest gives ERR_NOT_A_BACKUP, ERR_CORRUPT_DATABASE or the same database, never another',
    requirements: ['RESTORE-037'],
    timeoutMs: 60_000,
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      await db.conn.createClass('Second');
      await db.conn.insert('Second', { second: true });
      const archive = await backupFile(ctx, db.conn);
      const atLock = await db.conn.dump();
      const all = await rezip(ctx, archive, 'all.zip', (entries) => entries.filter((entry) => entry.name !== MANIFEST));
      for (const removed of (await archiveEntries(all)).map((entry) => entry.name)) {
        await db.conn.insert(CLASS, { removed });
        const before = await db.conn.dump();
        const path = await rezip(ctx, archive, 'without-one.zip', (entries) => entries.filter((entry) => entry.name !== MANIFEST && entry.name !== removed));
        const code = await refusalCode(restoreFrom(db.conn, path));
        if (code === undefined) {
          assert.equal(await db.conn.dump(), atLock, `without ${removed}, the archive restored to another database`);
        } else {
          assert.ok(code === 'ERR_NOT_A_BACKUP' || code === 'ERR_CORRUPT_DATABASE', `without ${removed}, the archive was refused with ${code}`);
          assert.equal(await db.conn.dump(), before, `without ${removed}, the refused archive changed the database`);
        }
      }
    },
  }),

  scenario({
    id: 'restore/unsupported-format-version-refused',
    title: 'a backup whose manifest gives a database format version the implementation cannot open is refused up front',
    requirements: ['RESTORE-038'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert(CLASS, { after: 'the backup' });
      const future = await rezip(ctx, archive, 'future.zip', (entries) => withManifest(entries, (manifest) => ({ ...manifest, databaseFormatVersion: 999_999 })));
      for (const path of [future, ...fixturesOf('ERR_UNSUPPORTED_FORMAT_VERSION').filter((file) => !file.includes('reference-format'))]) {
        const before = await db.conn.dump();
        await expectRefused(restoreFrom(db.conn, path), 'ERR_UNSUPPORTED_FORMAT_VERSION', path);
        await assertIntact(db, before, `after ${path} was refused`);
      }
    },
  }),
];
