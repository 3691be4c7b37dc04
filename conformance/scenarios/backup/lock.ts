/**
 * The lock, failing outputs and concurrent writers and backups (BACKUP-042 to BACKUP-048,
 * BACKUP-064 and BACKUP-065), and writes in flight when a backup is called (BACKUP-031).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import type { BackupOptions, Connection } from '../../adapter.js';
import { codeOf, delay, expectCode, settlesWithin } from '../../assertions.js';
import { scenario, type ScenarioContext } from '../../scenario.js';
import {
  ITEM,
  expectErrorCode,
  expectHeld,
  expectRestoresTo,
  expectSettles,
  expectUnlocked,
  settlesIn,
  text,
  UNLOCKED_MS,
  fileOutput,
  fill,
  namesIn,
  outcomeOf,
  probeWrite,
  streamOutput,
} from './_support/helpers.js';

/** A database `db` with records, and another connection to it. */
async function setUp(ctx: ScenarioContext, records = 20): Promise<{ conn: Connection; other: Connection }> {
  const conn = await ctx.newDatabase('db');
  await fill(conn, records, 300);
  return { conn, other: await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin') };
}

const releasedOnSuccess = scenario({
  id: 'backup/lock-released-on-success',
  title: 'after a backup resolves the database is unlocked and a second backup succeeds',
  requirements: ['BACKUP-042'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx);
    await conn.backup(fileOutput(ctx.path('first.zip')), null, null, null);
    await expectUnlocked(other);
    await conn.backup(fileOutput(ctx.path('second.zip')), null, null, null);
    await expectUnlocked(other, 'a probe write after the second backup');
  },
});

const streamFailure = scenario({
  id: 'backup/stream-output-failure',
  title: 'a stream output that fails partway gives ERR_OUTPUT_FAILED and leaves the database unlocked',
  requirements: ['BACKUP-043'],
  features: ['stream-output'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx, 40);
    await expectCode(conn.backup(streamOutput(ctx.path('b.zip'), { failAfterBytes: 2000 }), null, null, null, 0, 512), 'ERR_OUTPUT_FAILED', 'a failing stream output');
    await expectUnlocked(other);
    assert.equal(await conn.count(ITEM), await other.count(ITEM), 'the connection that backed up should remain usable');
  },
});

const fileFailure = scenario({
  id: 'backup/file-output-failure',
  title: "a file output whose directory is removed under the lock gives ERR_OUTPUT_FAILED, the database unlocked and nothing left",
  requirements: ['BACKUP-044'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx);
    await mkdir(ctx.path('out'));
    await expectCode(
      conn.backup(fileOutput(ctx.path('out', 'b.zip')), null, () => rm(ctx.path('out'), { recursive: true, force: true }), null),
      'ERR_OUTPUT_FAILED',
      "a file output whose directory vanished",
    );
    await expectUnlocked(other);
    assert.deepEqual(await namesIn(ctx.workdir), ['db'], 'nothing should be left at or beside the target');
  },
});

const stalled = scenario({
  id: 'backup/stalled-output-times-out',
  title: 'an output that accepts nothing for stallTimeoutMs gives ERR_OUTPUT_FAILED and leaves the database unlocked',
  requirements: ['BACKUP-045'],
  features: ['stream-output'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx, 40);
    const started = Date.now();
    await expectCode(conn.backup(streamOutput(ctx.path('b.zip'), { stallAfterBytes: 2000 }), { stallTimeoutMs: 500 }, null, null, 0, 512), 'ERR_OUTPUT_FAILED', 'a stalled output');
    const elapsed = Date.now() - started;
    ctx.log(`the stalled backup failed after ${elapsed} ms`);
    // A generous bound: it catches a stall timeout that is not applied, not a slow machine.
    assert.ok(elapsed < 10_000, `with stallTimeoutMs 500 the backup should fail within 10 s, it took ${elapsed} ms`);
    await expectUnlocked(other);
  },
});

const stallOption = scenario({
  id: 'backup/stall-timeout-option-checked',
  title: 'a stallTimeoutMs that is not a positive integer is refused with ERR_INVALID_OPTIONS',
  requirements: ['BACKUP-045'],
  features: ['stream-output'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    for (const value of [0, -1, 1.5, '100', Number.NaN, Number.POSITIVE_INFINITY]) {
      await expectCode(conn.backup(fileOutput(ctx.path('b.zip')), { stallTimeoutMs: value }, null, null), 'ERR_INVALID_OPTIONS', `stallTimeoutMs ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`);
    }
    await conn.backup(fileOutput(ctx.path('b.zip')), { stallTimeoutMs: 5000 }, null, null);
  },
});

/** Writes from another connection issued while a backup holds the lock: all complete after it, none lost. */
const HELD_WRITES = 5;

function heldWritesScenario(outcome: 'succeeds' | 'fails') {
  return scenario({
    id: `backup/held-writes-complete-when-backup-${outcome}`,
    title: `writes issued while a backup holds the lock all complete once it ${outcome === 'succeeds' ? 'succeeded' : 'failed'}, none lost`,
    requirements: ['BACKUP-046'],
    async run(ctx) {
      const { conn, other } = await setUp(ctx);
      const writes: Promise<unknown>[] = [];
      const settled = await outcomeOf(
        conn.backup(fileOutput(ctx.path('b.zip')), null, async () => {
          if (writes.length > 0) return;
          for (let i = 0; i < HELD_WRITES; i++) writes.push(other.insert(ITEM, { held: i, text: `write ${i} issued under the lock` }));
          await delay(50);
          if (outcome === 'fails') throw new Error('the callable fails so that the backup fails');
        }, null),
      );
      assert.equal(settled.ok, outcome === 'succeeds', `the backup should have ${outcome === 'succeeds' ? 'succeeded' : 'failed'}`);
      const results = await Promise.all(writes.map((write) => outcomeOf(write)));
      for (const [i, result] of results.entries()) {
        assert.ok(result.ok, `held write ${i} should resolve, it rejected with ${result.ok ? '' : (codeOf(result.error) ?? String(result.error))}`);
        const record = result.value as { rid: string };
        assert.deepEqual((await conn.load(record.rid)).content, { held: i, text: `write ${i} issued under the lock` }, `held write ${i} should be in the database`);
      }
    },
  });
}

/** In freeze mode (the default) a probe write is held while the backup still writes. */
function freezeHoldsScenario(options: BackupOptions) {
  const label = options.mode === undefined ? 'default options {}' : 'mode "freeze"';
  return scenario({
    id: `backup/freeze-holds-writers-${options.mode === undefined ? 'by-default' : 'when-asked'}`,
    title: `with ${label} a probe write stays held while the backup is still writing`,
    requirements: ['BACKUP-047'],
    features: ['stream-output'],
    async run(ctx) {
      const { conn, other } = await setUp(ctx, 40);
      let locked = false;
      const backup = conn.backup(streamOutput(ctx.path('b.zip'), { stallAfterBytes: 2000 }), { ...options, stallTimeoutMs: 1500 }, () => void (locked = true), null, 0, 512);
      backup.catch(() => {});
      for (let waited = 0; !locked && waited < 10_000; waited += 20) await delay(20);
      assert.ok(locked, 'the callable should have been called');
      await delay(200);
      assert.equal(await settlesWithin(backup, 0), false, 'the backup should still be writing to its stalled output');
      const probe = probeWrite(other, { probe: 'while the backup writes' });
      await expectHeld(probe, 'a probe write while the backup writes');
      assert.equal(await settlesWithin(backup, 0), false, 'the backup should still be writing when the probe was found held');
      const outcome = await outcomeOf(backup);
      assert.ok(!outcome.ok, 'the backup to a stalled output should fail');
      expectErrorCode(outcome.error, 'ERR_OUTPUT_FAILED', 'the backup to a stalled output');
      await expectSettles(probe, 'the held probe write, once the backup failed');
    },
  });
}

const concurrent = scenario({
  id: 'backup/concurrent-backups-safe',
  title: 'two backups started at once from two connections each give a complete archive of the state at their lock (or ERR_BACKUP_IN_PROGRESS)',
  requirements: ['BACKUP-048'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx);
    const third = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    const dumps = new Map<string, string>();
    const start = (who: Connection, name: string) =>
      outcomeOf(who.backup(fileOutput(ctx.path(`${name}.zip`)), null, async () => {
        if (!dumps.has(name)) dumps.set(name, await third.dump());
      }, null));
    const [a, b] = await Promise.all([start(conn, 'a'), start(other, 'b')]);
    const outcomes = { a, b };
    assert.ok(a.ok || b.ok, 'at least one of two concurrent backups should succeed');
    for (const [name, outcome] of Object.entries(outcomes)) {
      if (outcome.ok) continue;
      expectErrorCode(outcome.error, 'ERR_BACKUP_IN_PROGRESS', `concurrent backup ${name}`);
      assert.ok(!(await namesIn(ctx.workdir)).includes(`${name}.zip`), `the refused backup ${name} should leave nothing at its target`);
    }
    for (const [name, outcome] of Object.entries(outcomes)) {
      if (!outcome.ok) continue;
      assert.ok(dumps.has(name), `backup ${name} should have called its callable`);
      await expectRestoresTo(conn, ctx.path(`${name}.zip`), dumps.get(name)!, `archive ${name}, restored,`);
    }
  },
});

const closedWhileHeld = scenario({
  id: 'backup/held-write-fails-when-its-connection-closes',
  title: 'closing a connection whose write a backup holds resolves under the lock and fails that write with ERR_DATABASE_CLOSED; other held writes complete',
  requirements: ['BACKUP-064'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx);
    const third = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    let abandoned: Promise<Awaited<ReturnType<typeof outcomeOf>>> | undefined;
    let kept: Promise<unknown> | undefined;
    const underLock = { closed: false, abandonedSettled: false };
    await conn.backup(fileOutput(ctx.path('b.zip')), null, async () => {
      if (abandoned !== undefined) return;
      abandoned = outcomeOf(other.insert(ITEM, { abandoned: true }));
      kept = probeWrite(third, { kept: true });
      // Long enough for the write to reach the lock; held writes are BACKUP-029's business.
      await delay(10);
      underLock.closed = await settlesIn(other.close(), UNLOCKED_MS);
      underLock.abandonedSettled = await settlesIn(abandoned, UNLOCKED_MS);
    }, null);
    assert.ok(abandoned !== undefined && kept !== undefined, 'the callable should have been called');
    assert.ok(underLock.closed, 'close() should resolve while the backup still holds the lock');
    assert.ok(underLock.abandonedSettled, 'the held write of the closed connection should settle while the backup still holds the lock');
    const outcome = await abandoned;
    assert.ok(!outcome.ok, 'the held write of the closed connection should be refused, it resolved');
    expectErrorCode(outcome.error, 'ERR_DATABASE_CLOSED', 'the held write of the closed connection');
    await expectSettles(kept, "another connection's held write, once the backup resolved");
    const contents = (await conn.scan(ITEM)).map((record) => record.content);
    assert.ok(!contents.some((content) => content['abandoned'] === true), 'the refused write should not be in the database');
    assert.ok(contents.some((content) => content['kept'] === true), "the other connection's held write should be in the database");
  },
});

/** Writes issued, not awaited, just before a backup is called. */
const IN_FLIGHT_WRITES = 12;

const writesInFlight = scenario({
  id: 'backup/writes-in-flight-at-call',
  title: 'writes still in progress when a backup is called all complete, none lands while the callable runs, and the archive holds exactly the dump at the lock',
  requirements: ['BACKUP-031', 'BACKUP-046'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx);
    const third = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    const writes = Array.from({ length: IN_FLIGHT_WRITES }, (_, i) => outcomeOf(other.insert(ITEM, { inFlight: i, text: text(6000, i) })));
    let atLock: string | undefined;
    let atEnd: string | undefined;
    await conn.backup(fileOutput(ctx.path('b.zip')), null, async () => {
      if (atLock !== undefined) return;
      atLock = await third.dump();
      await delay(100);
      atEnd = await third.dump();
    }, null);
    for (const [i, result] of (await Promise.all(writes)).entries()) {
      assert.ok(result.ok, `write ${i}, in flight when the backup was called, should resolve`);
    }
    assert.equal(await conn.count(ITEM), 20 + IN_FLIGHT_WRITES, 'every write in flight should be in the database');
    assert.ok(atLock !== undefined, 'the callable should have been called');
    assert.equal(atEnd, atLock, 'no write should land while the callable runs: the dump at its end should equal the dump at its start');
    await expectRestoresTo(conn, ctx.path('b.zip'), atLock, 'the archive, restored,');
  },
});

const closedDuringBackup = scenario({
  id: 'backup/database-closed-during-its-backup',
  title: 'closing the only connection inside its backup\'s callable resolves under the lock; the backup fails with ERR_DATABASE_CLOSED leaving nothing, or gives a whole archive; the database opens again unchanged',
  requirements: ['BACKUP-065'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 20, 300);
    const before = await conn.dump();
    let closedUnderLock: boolean | undefined;
    const outcome = await outcomeOf(
      conn.backup(fileOutput(ctx.path('b.zip')), null, async () => {
        closedUnderLock ??= await settlesIn(conn.close(), UNLOCKED_MS);
      }, null),
    );
    assert.equal(closedUnderLock, true, 'close() of the connection backing up should resolve while its backup holds the lock');
    const reopened = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    assert.equal(await reopened.dump(), before, 'the database should open again with the dump it had at the lock');
    if (outcome.ok) {
      await expectRestoresTo(reopened, ctx.path('b.zip'), before, 'the archive of the backup whose connection closed, restored,');
    } else {
      expectErrorCode(outcome.error, 'ERR_DATABASE_CLOSED', 'the backup whose connection closed under the lock');
      assert.deepEqual(await namesIn(ctx.workdir), ['db'], 'the failed backup should leave nothing at or beside its target');
    }
    await expectUnlocked(reopened, 'a write after the database was opened again');
  },
});

export default [
  releasedOnSuccess,
  streamFailure,
  fileFailure,
  stalled,
  stallOption,
  heldWritesScenario('succeeds'),
  heldWritesScenario('fails'),
  freezeHoldsScenario({}),
  freezeHoldsScenario({ mode: 'freeze' }),
  concurrent,
  closedWhileHeld,
  closedDuringBackup,
  writesInFlight,
];
