/**
 * The callable, the listener and writes from other connections (RESTORE-018 to RESTORE-024).
 */
import assert from 'node:assert/strict';
import { codeOf, settlesWithin } from '../../assertions.js';
import { throwingListener } from '../../listeners.js';
import { scenario } from '../../scenario.js';
import {
  CLASS,
  MANIFEST,
  archiveEntries,
  assertIntact,
  assertProbeResolves,
  backupFile,
  expectRefused,
  fixturesOf,
  probingCallable,
  recordingListener,
  rejects,
  seededDatabase,
} from './support.js';

export default [
  scenario({
    id: 'restore/callable-once-under-lock',
    title: 'the callable is called exactly once before the restore resolves, and a probe write is held while it runs',
    requirements: ['RESTORE-018'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const probing = probingCallable(db.other);
      await db.conn.restore({ kind: 'file', path: archive }, null, probing.callable, null);
      assert.equal(probing.calls(), 1, `the callable was called ${probing.calls()} times`);
      assert.equal(probing.held(), true, 'a probe write issued inside the callable was not held while it ran');
      await probing.probe()?.catch(() => undefined);
    },
  }),

  scenario({
    id: 'restore/callable-not-called-on-refusal',
    title: 'the callable is not called when the archive is refused',
    requirements: ['RESTORE-019'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      for (const fixture of [fixturesOf('ERR_ARCHIVE_CRC_MISMATCH')[0]!, fixturesOf('ERR_MANIFEST_MISSING_FILE')[0]!, fixturesOf('ERR_NOT_A_BACKUP')[0]!]) {
        let calls = 0;
        assert.ok(await rejects(db.conn.restore({ kind: 'file', path: fixture }, null, () => void calls++, null)), `${fixture} was restored`);
        assert.equal(calls, 0, `the callable was called for ${fixture}, which was refused`);
      }
    },
  }),

  scenario({
    id: 'restore/failing-callable-unlocks',
    title: 'a callable that throws or rejects leaves the database unlocked and exactly old or exactly restored',
    requirements: ['RESTORE-020'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const restored = await db.conn.dump();
      const callables = [
        () => {
          throw new Error('thrown on purpose');
        },
        () => Promise.reject(new Error('rejected on purpose')),
      ];
      for (const [index, callable] of callables.entries()) {
        await db.conn.insert(CLASS, { round: index });
        const old = await db.conn.dump();
        await db.conn.restore({ kind: 'file', path: archive }, null, callable, null).catch(() => undefined);
        const after = await db.conn.dump();
        assert.ok(after === old || after === restored, 'after a failing callable the database is neither the old nor the restored one');
        await assertProbeResolves(db, `after failing callable ${index}`);
      }
    },
  }),

  scenario({
    id: 'restore/failing-callable-aborts',
    title: 'a callable that throws or rejects aborts the restore with ERR_CALLABLE_FAILED, the database intact',
    requirements: ['RESTORE-021'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert(CLASS, { after: 'the backup' });
      for (const callable of [
        () => {
          throw new Error('thrown on purpose');
        },
        () => Promise.reject(new Error('rejected on purpose')),
      ]) {
        const before = await db.conn.dump();
        await expectRefused(db.conn.restore({ kind: 'file', path: archive }, null, callable, null), 'ERR_CALLABLE_FAILED', 'a restore whose callable failed');
        await assertIntact(db, before, 'after a failing callable');
      }
    },
  }),

  scenario({
    id: 'restore/listener-messages',
    title: 'the listener receives a message naming each restored file and, last, the number of files restored',
    requirements: ['RESTORE-022'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const files = (await archiveEntries(archive)).filter((entry) => !entry.isDirectory && entry.name !== MANIFEST).map((entry) => entry.name);
      const { listener, messages } = recordingListener();
      await db.conn.restore({ kind: 'file', path: archive }, null, null, listener);
      for (const file of files) assert.ok(messages.some((message) => message.includes(file)), `no listener message names ${file}`);
      const last = messages.at(-1) ?? '';
      assert.match(last, new RegExp(`(^|\\D)${files.length}(\\D|$)`), `the last message "${last}" does not give the number of files restored (${files.length})`);
    },
  }),

  scenario({
    id: 'restore/throwing-listener',
    title: 'a throwing listener leaves the database unlocked and exactly old (ERR_LISTENER_FAILED) or exactly restored',
    requirements: ['RESTORE-023'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const restored = await db.conn.dump();
      for (const throwFrom of [1, 2, 1000]) {
        await db.conn.insert(CLASS, { throwFrom });
        const old = await db.conn.dump();
        let code: string | undefined;
        let rejected = false;
        await db.conn.restore({ kind: 'file', path: archive }, null, null, throwingListener({ throwFrom })).catch((error: unknown) => {
          rejected = true;
          code = codeOf(error);
        });
        const after = await db.conn.dump();
        if (rejected) {
          assert.equal(code, 'ERR_LISTENER_FAILED', `a restore whose listener threw (from call ${throwFrom}) rejected with ${code ?? 'no code'}`);
          assert.equal(after, old, `a restore rejected for its listener (from call ${throwFrom}) changed the database`);
        } else {
          assert.equal(after, restored, `a restore that resolved although its listener threw (from call ${throwFrom}) did not restore`);
        }
        await assertProbeResolves(db, `after a throwing listener (from call ${throwFrom})`);
      }
    },
  }),

  scenario({
    id: 'restore/writes-during-restore',
    title: 'a write issued while the restore holds the lock waits, then fails with a code or is present',
    requirements: ['RESTORE-024'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      let write: Promise<{ rid: string }> | undefined;
      let held: boolean | undefined;
      await db.conn.restore(
        { kind: 'file', path: archive },
        null,
        async () => {
          write = db.other.insert(CLASS, { written: 'during the restore' });
          write.catch(() => undefined);
          held = !(await settlesWithin(write, 300));
        },
        null,
      );
      assert.equal(held, true, 'a write issued during the restore was not held');
      assert.ok(write !== undefined);
      let outcome: { rid: string } | undefined;
      try {
        outcome = await write;
      } catch (error) {
        assert.ok(codeOf(error) !== undefined, 'the held write failed without a code');
        return;
      }
      const loaded = await db.conn.load(outcome.rid);
      assert.deepEqual(loaded.content, { written: 'during the restore' }, 'a write acknowledged after the restore is not in the database');
    },
  }),
];
