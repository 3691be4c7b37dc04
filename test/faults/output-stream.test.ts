/**
 * A backup whose output stream fails: it errors at its Nth write (for every N), it emits 'error'
 * on its own, it closes early, or it stalls. Each time the backup rejects with
 * ERR_OUTPUT_FAILED, the stream is never finished as if the archive were complete, a write that
 * waited for the freeze completes, and the database takes writes afterwards; in snapshot mode
 * writers never wait for the stalled output.
 */
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { isCodedError } from '../../src/errors.js';
import { within } from './_support/databases.js';
import { FAST } from './_support/databases.js';
import { WORLD, type WorldTemplate, buildWorld } from './_support/fault-world.js';
import { leftovers } from './_support/fault-trials.js';

let template: WorldTemplate;
beforeAll(async () => {
  template = await buildWorld();
});

async function open(): Promise<{ db: Database; memory: ReturnType<WorldTemplate['memory']['processCrashCopy']> }> {
  const memory = template.memory.processCrashCopy();
  return { db: await Database.open(WORLD.url, 'admin', 'admin', { ...FAST, fs: memory }), memory };
}

/** A stream that behaves until its `failAt`-th write, then does what `how` says. */
function failingStream(failAt: number, how: 'callback' | 'emit' | 'close' | 'stall'): Writable & { writes: number; finished: boolean } {
  const stream = new Writable({
    write(_chunk, _encoding, callback) {
      stream.writes++;
      if (stream.writes < failAt) return void callback();
      if (how === 'callback') return void callback(new Error('injected: the output refused a write'));
      if (how === 'emit') return void setImmediate(() => stream.destroy(new Error('injected: the output failed')));
      if (how === 'close') return void stream.destroy();
      // 'stall': never call back.
    },
  }) as Writable & { writes: number; finished: boolean };
  stream.writes = 0;
  stream.finished = false;
  stream.on('finish', () => (stream.finished = true)).on('error', () => undefined);
  return stream;
}

async function expectOutputFailed(promise: Promise<unknown>, what: string): Promise<void> {
  const error = await within(promise, 10_000, what).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isCodedError(error, 'ERR_OUTPUT_FAILED'), `${what}: ${String(error)}`).toBe(true);
}

describe('an output stream that fails', () => {
  it('failing at each write in turn (callback error, emitted error, early close) rejects cleanly and unfreezes', async () => {
    const { db } = await open();
    const counter = failingStream(Number.POSITIVE_INFINITY, 'callback');
    await db.backup(counter, null, null, null, 0, 4096);
    const writes = counter.writes;
    expect(writes).toBeGreaterThan(5);
    await db.close();
    let trials = 0;
    for (const how of ['callback', 'emit', 'close'] as const) {
      for (let failAt = 1; failAt <= writes; failAt++) {
        const { db: session, memory } = await open();
        const stream = failingStream(failAt, how);
        const held: Promise<unknown>[] = [];
        const backup = session.backup(stream, null, () => void held.push(session.insert('Item', { during: failAt })), null, 0, 4096);
        await expectOutputFailed(backup, `${how} at write ${failAt}`);
        expect(stream.finished, `${how} at write ${failAt}: finished as if complete`).toBe(false);
        await within(Promise.all(held), 5_000, `${how} at write ${failAt}: the write held by the freeze`);
        await within(session.insert('Item', { after: failAt }), 5_000, `${how} at write ${failAt}: a write after the backup`);
        expect(await leftovers(memory, true)).toEqual([]);
        await session.close();
        trials++;
      }
    }
    console.log(`[faults] output stream: ${trials} trials over ${writes} writes (callback error, emitted error, early close)`);
  });

  it.each(['freeze', 'snapshot'] as const)('a stalled output fails the backup after stallTimeoutMs (%s mode), and writers go on', async (mode) => {
    const { db } = await open();
    const stream = failingStream(3, 'stall');
    const started = Date.now();
    const backup = db.backup(stream, { mode, stallTimeoutMs: 300, bufferSize: 4096, compressionLevel: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const write = db.insert('Item', { during: 'stall' });
    if (mode === 'snapshot') {
      // Snapshot mode: the writer does not wait for the stalled output.
      await within(write, 250, 'a write during a stalled snapshot-mode backup');
    }
    await expectOutputFailed(backup, `a stalled output (${mode})`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await within(write, 5_000, 'the write held by the stalled backup');
    expect(stream.finished).toBe(false);
    expect(stream.destroyed).toBe(true);
    await within(db.insert('Item', { after: 'stall' }), 5_000, 'a write after the stalled backup');
    await db.close();
  });
});
