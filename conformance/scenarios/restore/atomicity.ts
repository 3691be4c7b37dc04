/**
 * Atomicity and isolation (RESTORE-014 to RESTORE-017): a failed restore leaves the database as
 * it was, its files byte-identical, no staging file behind, nothing outside it touched.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { throwingListener } from '../../listeners.js';
import { scenario } from '../../scenario.js';
import {
  assertIntact,
  backupFile,
  captureState,
  fixtureCode,
  namesIn,
  portableFixtures,
  rejects,
  restoreFrom,
  seededDatabase,
  treeState,
} from './support.js';

/** One fixture per code: the refusals a restore makes, one of each kind. */
function onePerCode(): string[] {
  const seen = new Set<string>();
  return portableFixtures().filter((file) => {
    const code = fixtureCode(file);
    if (seen.has(code)) return false;
    seen.add(code);
    return true;
  });
}

/** Names that hostile fixtures try to create. */
const HOSTILE_NAMES = ['evil.txt', 'target_evil', 'evil.pc', 'link', 'pipe', 'tty'];

async function findNamed(root: string, names: readonly string[]): Promise<string[]> {
  return Object.keys(await treeState(root)).filter((path) => path.split('/').some((segment) => names.includes(segment)));
}

export default [
  scenario({
    id: 'restore/failure-leaves-database-intact',
    title: 'after any failed restore (refused archive, failing callable, throwing listener) the database is intact',
    requirements: ['RESTORE-014'],
    timeoutMs: 60_000,
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert('Item', { after: 'the backup' });
      for (const fixture of onePerCode()) {
        const before = await db.conn.dump();
        assert.ok(await rejects(restoreFrom(db.conn, fixture)), `${fixture} was restored`);
        await assertIntact(db, before, `after ${fixture} was refused`);
      }
      const failures: [string, Parameters<typeof db.conn.restore>[2], Parameters<typeof db.conn.restore>[3]][] = [
        ['a callable that throws', () => {
          throw new Error('callable failed on purpose');
        }, null],
        ['a callable that rejects', () => Promise.reject(new Error('callable rejected on purpose')), null],
        ['a listener that throws', null, throwingListener()],
      ];
      for (const [what, callable, listener] of failures) {
        const before = await db.conn.dump();
        let failed = false;
        await db.conn.restore({ kind: 'file', path: archive }, null, callable, listener).catch(() => void (failed = true));
        if (failed) await assertIntact(db, before, `after a restore with ${what} failed`);
      }
    },
  }),

  scenario({
    id: 'restore/refusal-leaves-files-identical',
    title: 'a refused archive leaves every file of the database directory byte-identical',
    requirements: ['RESTORE-015'],
    timeoutMs: 60_000,
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      await db.other.close();
      for (const fixture of onePerCode()) {
        const before = await treeState(db.directory);
        assert.ok(await rejects(restoreFrom(db.conn, fixture)), `${fixture} was restored`);
        assert.deepEqual(await treeState(db.directory), before, `the database directory changed although ${fixture} was refused`);
      }
    },
  }),

  scenario({
    id: 'restore/no-staging-left',
    title: 'after a restore settles, successful or not, the database directory’s parent lists the same names',
    requirements: ['RESTORE-016'],
    property: true,
    timeoutMs: 60_000,
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const before = await namesIn(ctx.workdir);
      await restoreFrom(db.conn, archive);
      assert.deepEqual(await namesIn(ctx.workdir), before, 'a successful restore left names beside the database directory');
      await restoreFrom(db.conn, archive, 'stream');
      assert.deepEqual(await namesIn(ctx.workdir), before, 'a successful restore from a stream left names beside the database directory');
      for (const [index, fixture] of onePerCode().entries()) {
        await rejects(restoreFrom(db.conn, fixture));
        assert.deepEqual(await namesIn(ctx.workdir), before, `a refused restore of ${fixture} left names beside the database directory`);
        // From streams too: every code from 10 runs on (the default is 25), every fifth below that.
        if (ctx.runs < 10 && index % 5 !== 0) continue;
        await rejects(restoreFrom(db.conn, fixture, 'stream'));
        assert.deepEqual(await namesIn(ctx.workdir), before, `a refused restore of ${fixture} from a stream left names beside the database directory`);
      }
      let failed = false;
      await db.conn.restore({ kind: 'file', path: archive }, null, () => Promise.reject(new Error('on purpose')), null).catch(() => void (failed = true));
      assert.ok(failed, 'a restore whose callable rejected succeeded');
      assert.deepEqual(await namesIn(ctx.workdir), before, 'a restore whose callable failed left names beside the database directory');
    },
  }),

  scenario({
    id: 'restore/nothing-written-outside-target',
    title: 'no archive, hostile or not, creates, changes or deletes anything outside the database directory',
    requirements: ['RESTORE-017'],
    // Every portable fixture from 10 runs on (the default is 25); one fixture per code below that.
    property: true,
    timeoutMs: 120_000,
    async run(ctx) {
      // Named "target": the sibling-prefix fixture aims at ../target_evil/.
      const db = await seededDatabase(ctx, 'target');
      await backupFile(ctx, db.conn, 'backup.zip');
      await writeFile(ctx.path('bystander.txt'), 'must stay as it is');
      const before = await captureState(ctx, db);
      const tmpEvil = existsSync('/tmp/evil.txt');
      for (const fixture of ctx.runs >= 10 ? portableFixtures() : onePerCode()) {
        await rejects(restoreFrom(db.conn, fixture));
        assert.deepEqual(await treeState(ctx.workdir, [db.name]), before.outside, `restoring ${fixture} changed files outside the database directory`);
        assert.deepEqual(await findNamed(ctx.workdir, HOSTILE_NAMES), [], `restoring ${fixture} created a file its hostile entries name`);
        assert.equal(existsSync('/tmp/evil.txt'), tmpEvil, `restoring ${fixture} created /tmp/evil.txt`);
        assert.ok(!existsSync(join(ctx.workdir, '..', 'target_evil')), `restoring ${fixture} created a sibling of the work directory`);
      }
    },
  }),
];
