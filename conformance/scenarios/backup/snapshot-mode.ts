/**
 * Snapshot mode (BACKUP-051 to BACKUP-053).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import type { JsonObject } from '../../adapter.js';
import { codeOf, delay, settlesWithin } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { ITEM, expectErrorCode, expectHeld, expectRestoresTo, fileOutput, fill, noise, outcomeOf, probeWrite, settlesIn, streamOutput } from './_support/helpers.js';

const callableUnderLock = scenario({
  id: 'backup/snapshot-callable-under-lock',
  title: 'in snapshot mode a probe write is held while the callable runs, and the archive holds the state at the callable',
  requirements: ['BACKUP-051'],
  features: ['snapshot-backup'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 20, 300);
    const other = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    let atLock = '';
    let probe: Promise<unknown> | undefined;
    await conn.backup(fileOutput(ctx.path('b.zip')), { mode: 'snapshot' }, async () => {
      if (probe !== undefined) return;
      probe = probeWrite(other, { probe: 'inside the callable' });
      atLock = await other.dump();
      await expectHeld(probe, 'a probe write inside the callable (snapshot mode)');
    }, null);
    await probe;
    await expectRestoresTo(conn, ctx.path('b.zip'), atLock, 'the snapshot archive, restored,');
  },
});

const writersProceed = scenario({
  id: 'backup/snapshot-writers-proceed',
  title: 'in snapshot mode a probe write completes while the backup is still writing',
  requirements: ['BACKUP-052'],
  features: ['snapshot-backup', 'stream-output'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 40, 300);
    const other = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    let locked = false;
    const backup = conn.backup(streamOutput(ctx.path('b.zip'), { stallAfterBytes: 2000 }), { mode: 'snapshot', stallTimeoutMs: 2000 }, () => void (locked = true), null, 0, 512);
    backup.catch(() => {});
    for (let waited = 0; !locked && waited < 10_000; waited += 20) await delay(20);
    assert.ok(locked, 'the callable should have been called');
    await delay(200);
    const probe = probeWrite(other, { probe: 'while the snapshot is copied' });
    assert.equal(await settlesIn(probe, 1500), true, 'a probe write should complete while a snapshot backup is still writing');
    assert.equal(await settlesWithin(backup, 0), false, 'the backup should still be writing to its stalled output when the probe completed');
    await probe;
    const outcome = await outcomeOf(backup);
    assert.ok(!outcome.ok, 'the backup to a stalled output should fail');
    expectErrorCode(outcome.error, 'ERR_OUTPUT_FAILED', 'the backup to a stalled output');
  },
});

const consistent = scenario({
  id: 'backup/snapshot-consistent-under-writes',
  title: 'a snapshot backup taken while other connections insert, update and delete without pause restores to the dump at the lock',
  requirements: ['BACKUP-053'],
  features: ['snapshot-backup'],
  timeoutMs: 60_000,
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    const rids = await fill(conn, 60, 500);
    await conn.insert(ITEM, { data: noise(400_000, 5) });
    const other = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    const writer = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    const expected = new Map<string, JsonObject | null>();
    let backupSettled = false;
    let duringBackup = 0;
    let writerFailure: unknown;
    const writeWithoutPause = async (): Promise<void> => {
      try {
        for (let i = 0; !backupSettled; i++) {
          const inserted = await writer.insert(ITEM, { during: i, text: noise(2000, i) });
          expected.set(inserted.rid, inserted.content);
          const target = rids[i % rids.length]!;
          const updated = await writer.update(target, { updated: i });
          expected.set(target, updated.content);
          if (i % 2 === 0) {
            await writer.delete(inserted.rid);
            expected.set(inserted.rid, null);
          }
          if (!backupSettled) duringBackup++;
        }
      } catch (error) {
        writerFailure = error;
      }
    };
    let atLock = '';
    let writing: Promise<void> | undefined;
    const backup = outcomeOf(
      conn.backup(fileOutput(ctx.path('b.zip')), { mode: 'snapshot' }, async () => {
        if (writing !== undefined) return;
        atLock = await other.dump();
        // Starts the writer as the callable returns: its first write waits for the snapshot.
        writing = delay(0).then(writeWithoutPause);
      }, null, 0, 64),
    );
    const outcome = await backup;
    backupSettled = true;
    await writing;
    assert.ok(outcome.ok, `the snapshot backup should succeed (${outcome.ok ? '' : (codeOf(outcome.error) ?? String(outcome.error))})`);
    assert.equal(writerFailure, undefined, `writes during a snapshot backup should succeed (${codeOf(writerFailure) ?? String(writerFailure)})`);
    ctx.log(`${duringBackup} rounds of insert, update and delete were acknowledged while the backup ran`);
    assert.ok(duringBackup > 0, 'the writers should have made progress while the snapshot backup ran (the backup ended before any write completed)');
    for (const [rid, content] of expected) {
      const loaded = await outcomeOf(conn.load(rid));
      if (content === null) assert.ok(!loaded.ok && codeOf(loaded.error) === 'ERR_RECORD_NOT_FOUND', `${rid} was deleted during the backup and should be gone`);
      else assert.deepEqual(loaded.ok ? loaded.value.content : loaded.error, content, `${rid} was written during the backup and should hold what was written`);
    }
    await expectRestoresTo(conn, ctx.path('b.zip'), atLock, 'the snapshot archive, restored,');
  },
});

export default [callableUnderLock, writersProceed, consistent];
