/**
 * Round trips: what a successful restore gives (RESTORE-001 to RESTORE-009).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { codeOf } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { CLASS, backupFile, changeDatabase, fixturesOf, manifestOf, namesIn, rejects, restoreFrom, seededDatabase, treeState } from './support.js';

export default [
  scenario({
    id: 'restore/replaces-content',
    title: 'a restore replaces the whole content of the open database with the backup’s',
    requirements: ['RESTORE-001'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const atLock = await db.conn.dump();
      await changeDatabase(db.conn);
      assert.notEqual(await db.conn.dump(), atLock);
      await restoreFrom(db.conn, archive);
      assert.equal(await db.conn.dump(), atLock, 'the dump after the restore is not the dump at the backup');
    },
  }),

  scenario({
    id: 'restore/from-stream',
    title: 'a restore from a stream gives what a restore from the path gives, refusals included',
    requirements: ['RESTORE-002'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const atLock = await db.conn.dump();
      await changeDatabase(db.conn);
      await restoreFrom(db.conn, archive, 'stream');
      assert.equal(await db.conn.dump(), atLock, 'a restore from a stream did not give the dump at the backup');
      for (const fixture of [...fixturesOf('ERR_NOT_A_ZIP').slice(0, 1), ...fixturesOf('ERR_ARCHIVE_CRC_MISMATCH').slice(0, 1), ...fixturesOf('ERR_MANIFEST_MISMATCH').slice(0, 1)]) {
        let fromFile: string | undefined;
        let fromStream: string | undefined;
        await restoreFrom(db.conn, fixture).catch((error: unknown) => void (fromFile = codeOf(error)));
        await restoreFrom(db.conn, fixture, 'stream').catch((error: unknown) => void (fromStream = codeOf(error)));
        assert.ok(fromFile !== undefined, `${fixture} was restored from its path`);
        assert.equal(fromStream, fromFile, `${fixture}: refused with ${fromFile} from its path but ${fromStream ?? 'not refused'} from a stream`);
      }
    },
  }),

  scenario({
    id: 'restore/connection-stays-usable',
    title: 'the restoring connection reads the restored content and writes afterwards',
    requirements: ['RESTORE-003'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const records = await db.conn.scan(CLASS);
      await changeDatabase(db.conn);
      await restoreFrom(db.conn, archive);
      assert.deepEqual(await db.conn.scan(CLASS), records, 'the restoring connection reads other records');
      const inserted = await db.conn.insert(CLASS, { after: 'the restore' });
      assert.deepEqual((await db.conn.load(inserted.rid)).content, { after: 'the restore' });
    },
  }),

  scenario({
    id: 'restore/other-connections-see-restored-content',
    title: 'connections open before a restore read the restored content or are closed, never the old content',
    requirements: ['RESTORE-004'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const atLock = await db.conn.dump();
      await changeDatabase(db.conn);
      const changed = await db.conn.dump();
      assert.equal(await db.other.dump(), changed);
      await restoreFrom(db.conn, archive);
      let seen: string | undefined;
      try {
        seen = await db.other.dump();
      } catch (error) {
        assert.equal(codeOf(error), 'ERR_DATABASE_CLOSED', 'another connection failed with another code than ERR_DATABASE_CLOSED');
        return;
      }
      assert.notEqual(seen, changed, 'another connection still reads the content from before the restore');
      assert.equal(seen, atLock, 'another connection reads neither the restored content nor fails');
    },
  }),

  scenario({
    id: 'restore/continues-from-backed-up-state',
    title: 'after a restore the next insert gets the record id it got after the backup, and updates continue versions',
    requirements: ['RESTORE-005'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const [first] = await db.conn.scan(CLASS);
      assert.ok(first !== undefined);
      const next = await db.conn.insert(CLASS, { n: 'next' });
      await db.conn.insert(CLASS, { n: 'one more' });
      await db.conn.update(first.rid, { bumped: 1 });
      await restoreFrom(db.conn, archive);
      assert.equal((await db.conn.insert(CLASS, { n: 'again' })).rid, next.rid, 'the next insert after the restore gets another record id');
      assert.equal((await db.conn.update(first.rid, { bumped: 2 })).version, first.version + 1, 'an update of a restored record does not give its restored version plus one');
    },
  }),

  scenario({
    id: 'restore/keeps-target-name',
    title: 'a backup of database a restored into database b leaves it named b',
    requirements: ['RESTORE-006'],
    async run(ctx) {
      const a = await seededDatabase(ctx, 'a');
      const archive = await backupFile(ctx, a.conn, 'a.zip');
      assert.equal((await manifestOf(archive)).databaseName, 'a');
      const b = await seededDatabase(ctx, 'b', 2);
      await restoreFrom(b.conn, archive);
      const after = await backupFile(ctx, b.conn, 'b-after.zip');
      assert.equal((await manifestOf(after)).databaseName, 'b', 'the restored database took the name of the backed-up one');
    },
  }),

  scenario({
    id: 'restore/fresh-instance-id',
    title: 'a restored database has an instance id of its own, stable from then on',
    requirements: ['RESTORE-007'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const before = (await manifestOf(await backupFile(ctx, db.conn, 'before.zip'))).instanceId;
      const other = await seededDatabase(ctx, 'other');
      const archive = await backupFile(ctx, other.conn, 'other.zip');
      const archived = (await manifestOf(archive)).instanceId;
      await restoreFrom(db.conn, archive);
      const first = (await manifestOf(await backupFile(ctx, db.conn, 'after-1.zip'))).instanceId;
      await db.conn.insert(CLASS, { between: true });
      const second = (await manifestOf(await backupFile(ctx, db.conn, 'after-2.zip'))).instanceId;
      assert.equal(first, second, 'the instance id changed between two backups after the restore');
      assert.notEqual(first, archived, 'the restored database kept the archive’s instance id');
      assert.notEqual(first, before, 'the restored database kept its instance id from before the restore');
    },
  }),

  scenario({
    id: 'restore/removes-stale-files',
    title: 'a file placed in the database directory before a restore is gone after it',
    requirements: ['RESTORE-008'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await writeFile(ctx.path('db', 'stale-file.bin'), 'left over from before the restore');
      await restoreFrom(db.conn, archive);
      assert.ok(!(await namesIn(db.directory)).includes('stale-file.bin'), 'stale-file.bin survived the restore');
      assert.ok(!Object.keys(await treeState(db.directory)).some((name) => name.endsWith('stale-file.bin')));
    },
  }),

  scenario({
    id: 'restore/reopen-gives-old-or-new',
    title: 'closing every connection and reopening gives the restored dump after a restore, the old one after a refusal',
    requirements: ['RESTORE-009'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const atLock = await db.conn.dump();
      await changeDatabase(db.conn);
      await restoreFrom(db.conn, archive);
      await db.conn.close();
      await db.other.close();
      const reopened = await ctx.impl.openDatabase(db.url, 'admin', 'admin');
      assert.equal(await reopened.dump(), atLock, 'after reopening, the database is not the restored one');
      await changeDatabase(reopened);
      const beforeRefusal = await reopened.dump();
      assert.ok(await rejects(restoreFrom(reopened, fixturesOf('ERR_ARCHIVE_CRC_MISMATCH')[0]!)), 'a damaged archive was restored');
      await reopened.close();
      const again = await ctx.impl.openDatabase(db.url, 'admin', 'admin');
      assert.equal(await again.dump(), beforeRefusal, 'after a refused restore and a reopen, the database is not the old one');
    },
  }),
];
