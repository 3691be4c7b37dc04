/**
 * Well-formed archives in the forms other tools write (RESTORE-061).
 */
import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { backupFile, changeDatabase, restoreFrom, rezip, seededDatabase } from './support.js';

export default scenario({
  id: 'restore/accepts-zip64-descriptors-comments',
  title: 'a backup re-zipped with ZIP64 records, data descriptors (with and without signature) or any comment restores',
  requirements: ['RESTORE-061'],
  async run(ctx) {
    const db = await seededDatabase(ctx, 'db');
    const archive = await backupFile(ctx, db.conn);
    const atLock = await db.conn.dump();
    const forms: [string, Parameters<typeof rezip>[3], Parameters<typeof rezip>[4]][] = [
      ['zip64', (entries) => entries.map((entry) => ({ ...entry, zip64: true })), { zip64End: true }],
      ['zip64-stored', (entries) => entries.map((entry) => ({ ...entry, zip64: true, method: 0 })), { zip64End: true }],
      ['descriptors-signed', (entries) => entries.map((entry) => ({ ...entry, descriptor: 'signed' as const })), {}],
      ['descriptors-unsigned', (entries) => entries.map((entry) => ({ ...entry, descriptor: 'unsigned' as const })), {}],
      ['zip64-descriptors', (entries) => entries.map((entry, i) => ({ ...entry, zip64: true, descriptor: i % 2 === 0 ? ('signed' as const) : ('unsigned' as const) })), {}],
      ['empty-comment', (entries) => entries, { comment: '' }],
      ['longest-comment', (entries) => entries, { comment: 'c'.repeat(65_535) }],
      ['utf8-comment', (entries) => entries, { comment: 'Sauvegarde du 1er mai — ✓' }],
    ];
    for (const [name, transform, options] of forms) {
      const path = await rezip(ctx, archive, `${name}.zip`, transform, options);
      await changeDatabase(db.conn);
      await restoreFrom(db.conn, path);
      assert.equal(await db.conn.dump(), atLock, `the backup re-zipped as ${name} did not restore to the dump at the lock`);
    }
  },
});
