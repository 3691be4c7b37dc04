/**
 * The callable: once, under the lock, awaited, and its failures (BACKUP-028 to BACKUP-036).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { codeOf, delay, settlesWithin } from '../../assertions.js';
import { scenario, type ScenarioContext } from '../../scenario.js';
import type { Connection, LockedCallable } from '../../adapter.js';
import {
  ITEM,
  expectErrorCode,
  expectHeld,
  expectRestoresTo,
  expectSettles,
  expectUnlocked,
  fileOutput,
  fill,
  namesIn,
  outcomeOf,
  probeWrite,
  sizeOf,
  streamOutput,
} from './_support/helpers.js';

/** A database `db` with records, and another connection to it (the *other client*). */
async function setUp(ctx: ScenarioContext): Promise<{ conn: Connection; other: Connection; rids: string[] }> {
  const conn = await ctx.newDatabase('db');
  const rids = await fill(conn, 20, 300);
  return { conn, other: await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin'), rids };
}

const CALLABLE_MESSAGE = 'the callable failed on purpose';

/** Callables that fail in each way. */
const FAILING: readonly { readonly how: 'throws' | 'rejects'; readonly callable: LockedCallable }[] = [
  {
    how: 'throws',
    callable: () => {
      throw new Error(CALLABLE_MESSAGE);
    },
  },
  { how: 'rejects', callable: async () => Promise.reject(new Error(CALLABLE_MESSAGE)) },
];

const calledOnce = scenario({
  id: 'backup/callable-called-once',
  title: 'the callable of a successful backup is called exactly once, before the backup resolves',
  requirements: ['BACKUP-028'],
  async run(ctx) {
    const { conn } = await setUp(ctx);
    let calls = 0;
    let callsAtResolution = -1;
    await conn.backup(fileOutput(ctx.path('b.zip')), null, () => void calls++, null).then(() => (callsAtResolution = calls));
    assert.equal(callsAtResolution, 1, 'the callable should have been called exactly once when the backup resolved');
    await delay(100);
    assert.equal(calls, 1, 'the callable should not be called again after the backup resolved');
  },
});

const writesHeld = scenario({
  id: 'backup/writes-held-during-callable',
  title: 'a probe write from another connection is held while the callable runs',
  requirements: ['BACKUP-029'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx);
    let probe: Promise<unknown> | undefined;
    await conn.backup(fileOutput(ctx.path('b.zip')), null, async () => {
      probe = probeWrite(other, { probe: 'inside the callable' });
      await expectHeld(probe, 'a probe write issued inside the callable');
    }, null);
    await outcomeOf(probe!);
  },
});

const readsProceed = scenario({
  id: 'backup/reads-proceed-during-callable',
  title: 'a load and a dump from another connection complete inside the callable',
  requirements: ['BACKUP-030'],
  async run(ctx) {
    const { conn, other, rids } = await setUp(ctx);
    await conn.backup(fileOutput(ctx.path('b.zip')), null, async () => {
      await expectSettles(other.load(rids[3]!), 'a load inside the callable');
      await expectSettles(other.dump(), 'a dump inside the callable');
    }, null);
  },
});

const stateAtCallable = scenario({
  id: 'backup/archive-holds-state-at-callable',
  title: 'the archive restores to the dump taken inside the callable, without the write issued there',
  requirements: ['BACKUP-031'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx);
    let atLock = '';
    let probe: Promise<unknown> | undefined;
    await conn.backup(fileOutput(ctx.path('b.zip')), null, async () => {
      if (atLock !== '') return;
      atLock = await other.dump();
      probe = probeWrite(other, { probe: 'issued inside the callable' });
      // Long enough for the write to complete, were the database not locked.
      await delay(100);
    }, null);
    const written = (await probe) as { rid: string };
    assert.deepEqual((await conn.load(written.rid)).content, { probe: 'issued inside the callable' }, 'the write issued inside the callable should be in the live database once the backup resolved');
    await expectRestoresTo(conn, ctx.path('b.zip'), atLock, 'the archive, restored,');
  },
});

const asyncAwaited = scenario({
  id: 'backup/async-callable-awaited',
  title: 'while an async callable is pending the backup stays pending, writers are held and nothing is at the target',
  requirements: ['BACKUP-032'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx);
    let release!: () => void;
    const pending = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const backup = conn.backup(fileOutput(ctx.path('b.zip')), null, () => {
      entered = true;
      return pending;
    }, null);
    for (let waited = 0; !entered && waited < 10_000; waited += 20) await delay(20);
    assert.ok(entered, 'the callable should have been called');
    // A slow callable: the backup must wait for it however long it takes.
    await delay(1200);
    const probe = probeWrite(other, { probe: 'while the callable is pending' });
    await expectHeld(probe, 'a probe write while the callable is pending');
    assert.equal(await settlesWithin(backup, 50), false, 'the backup should wait for its callable');
    assert.equal(await sizeOf(ctx.path('b.zip')), undefined, 'nothing should be at the target while the callable is pending');
    release();
    await backup;
    await probe;
    assert.ok(((await sizeOf(ctx.path('b.zip'))) ?? 0) > 0, 'the archive should be written once the callable resolved');
  },
});

const asyncAwaitedStream = scenario({
  id: 'backup/async-callable-awaited-stream',
  title: 'while an async callable is pending the file behind a stream output stays empty',
  requirements: ['BACKUP-032'],
  features: ['stream-output'],
  async run(ctx) {
    const { conn } = await setUp(ctx);
    const path = ctx.path('stream.zip');
    const backup = conn.backup(streamOutput(path), null, async () => {
      await delay(400);
      assert.equal((await sizeOf(path)) ?? 0, 0, 'the file behind the stream should be empty while the callable is pending');
    }, null, undefined, 512);
    await backup;
    assert.ok(((await sizeOf(path)) ?? 0) > 0, 'the archive should be written once the callable resolved');
  },
});

const failingUnlocks = FAILING.map(({ how, callable }) =>
  scenario({
    id: `backup/callable-${how}-unlocks`,
    title: `a callable that ${how} leaves the database unlocked and the connection usable`,
    requirements: ['BACKUP-033'],
    async run(ctx) {
      const { conn, other } = await setUp(ctx);
      await outcomeOf(conn.backup(fileOutput(ctx.path('b.zip')), null, callable, null));
      await expectUnlocked(other);
      assert.equal(await conn.count(ITEM), await other.count(ITEM), 'the connection that backed up should remain usable');
      await conn.insert(ITEM, { after: 'the failed callable' });
    },
  }),
);

const failureCode = scenario({
  id: 'backup/callable-failure-aborts',
  title: 'a callable that throws or rejects aborts the backup with ERR_CALLABLE_FAILED naming its error',
  requirements: ['BACKUP-034'],
  async run(ctx) {
    const { conn } = await setUp(ctx);
    for (const { how, callable } of FAILING) {
      const outcome = await outcomeOf(conn.backup(fileOutput(ctx.path(`${how}.zip`)), null, callable, null));
      assert.ok(!outcome.ok, `a backup whose callable ${how} should reject`);
      expectErrorCode(outcome.error, 'ERR_CALLABLE_FAILED', `a callable that ${how}`);
      assert.ok(String((outcome.error as Error).message).includes(CALLABLE_MESSAGE), `the error should carry the callable's message, it says ${JSON.stringify((outcome.error as Error).message)}`);
    }
  },
});

const noArchiveFile = scenario({
  id: 'backup/callable-failure-leaves-no-file',
  title: 'a backup aborted by its callable leaves nothing at its file target',
  requirements: ['BACKUP-035'],
  async run(ctx) {
    const { conn } = await setUp(ctx);
    for (const { how, callable } of FAILING) {
      const outcome = await outcomeOf(conn.backup(fileOutput(ctx.path(`${how}.zip`)), null, callable, null));
      if (outcome.ok || codeOf(outcome.error) !== 'ERR_CALLABLE_FAILED') {
        ctx.log(`the callable that ${how} did not abort the backup: the requirement does not apply`);
        continue;
      }
      assert.deepEqual(await namesIn(ctx.workdir), ['db'], `after a callable that ${how}, nothing should be beside the target`);
    }
  },
});

const noArchiveStream = scenario({
  id: 'backup/callable-failure-leaves-stream-empty',
  title: 'a backup aborted by its callable leaves the file behind its stream output empty',
  requirements: ['BACKUP-035'],
  features: ['stream-output'],
  async run(ctx) {
    const { conn } = await setUp(ctx);
    for (const { how, callable } of FAILING) {
      const path = ctx.path(`${how}.zip`);
      const outcome = await outcomeOf(conn.backup(streamOutput(path), null, callable, null));
      if (outcome.ok || codeOf(outcome.error) !== 'ERR_CALLABLE_FAILED') {
        ctx.log(`the callable that ${how} did not abort the backup: the requirement does not apply`);
        continue;
      }
      assert.equal((await sizeOf(path)) ?? 0, 0, `after a callable that ${how}, the file behind the stream should be empty`);
    }
  },
});

const mayComplete = scenario({
  id: 'backup/callable-failure-may-complete',
  title: "a backup that goes on after its callable failed archives the state at the lock and reports the callable's error",
  requirements: ['BACKUP-036'],
  async run(ctx) {
    const { conn, other } = await setUp(ctx);
    let atLock = '';
    const messages: string[] = [];
    const outcome = await outcomeOf(
      conn.backup(fileOutput(ctx.path('b.zip')), null, async () => {
        atLock ||= await other.dump();
        throw new Error(CALLABLE_MESSAGE);
      }, (message) => void messages.push(message)),
    );
    if (!outcome.ok) {
      expectErrorCode(outcome.error, 'ERR_CALLABLE_FAILED', 'a backup whose callable failed');
      ctx.log('the implementation aborts the backup (BACKUP-034): the alternative is not taken');
      return;
    }
    assert.ok(messages.some((message) => message.includes(CALLABLE_MESSAGE)), "the listener should have received the callable's error");
    await expectRestoresTo(conn, ctx.path('b.zip'), atLock, 'the archive, restored,');
  },
});

export default [calledOnce, writesHeld, readsProceed, stateAtCallable, asyncAwaited, asyncAwaitedStream, ...failingUnlocks, failureCode, noArchiveFile, noArchiveStream, mayComplete];
