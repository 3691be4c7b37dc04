/**
 * Toy scenarios for the harness's own tests, covering test/harness/fixtures/toy-spec/toy.md.
 * They exercise what the harness must carry: records, files in the work directory, a callable
 * with a concurrent write on another connection, values JSON cannot carry, a throwing listener,
 * feature-gated skips.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { delay, expectCode, settlesWithin } from '../../conformance/assertions.js';
import { throwingListener } from '../../conformance/listeners.js';
import { scenario, type Scenario } from '../../conformance/scenario.js';

/** The toy spec directory. */
export const TOY_SPEC_DIR = fileURLToPath(new URL('./fixtures/toy-spec', import.meta.url));

export const toyScenarios: readonly Scenario[] = [
  scenario({
    id: 'toy/insert-load',
    title: 'an inserted record loads back with version 1',
    requirements: ['TOY-001'],
    async run(ctx) {
      const db = await ctx.newDatabase();
      await db.createClass('Item');
      const inserted = await db.insert('Item', { name: 'a', n: 1, nested: { list: [1, 'two', null] } });
      ctx.log(`inserted ${inserted.rid}`);
      assert.deepEqual(await db.load(inserted.rid), inserted);
      assert.equal(inserted.version, 1);
    },
  }),
  scenario({
    id: 'toy/backup-restore-round-trip',
    title: 'restoring a backup gives the dump taken at backup time',
    requirements: ['TOY-002', 'TOY-001'],
    async run(ctx) {
      const db = await ctx.newDatabase('source');
      await db.createClass('Item');
      for (let i = 0; i < 5; i++) await db.insert('Item', { i, text: 'é\u0000"' });
      const before = await db.dump();
      await db.backup({ kind: 'file', path: ctx.path('backup.json') }, null, null, null);
      await db.insert('Item', { i: 99 });
      await db.restore({ kind: 'file', path: ctx.path('backup.json') }, null, null, null);
      assert.equal(await db.dump(), before);
    },
  }),
  scenario({
    id: 'toy/invalid-compression-level',
    title: 'compression levels that are not integers 0-9 are refused; undefined, null and -0 accepted',
    requirements: ['TOY-003'],
    async run(ctx) {
      const db = await ctx.newDatabase();
      const out = { kind: 'file', path: ctx.path('b.json') } as const;
      for (const level of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 10, -1, 1.5, '5', { level: 5 }]) {
        await expectCode(db.backup(out, null, null, null, level), 'ERR_INVALID_COMPRESSION_LEVEL', `level ${String(level)}`);
      }
      for (const level of [undefined, null, -0, 0, 9]) {
        const result = await db.backup(out, null, null, null, level);
        assert.ok(result.bytes > 0, `level ${String(level)} wrote nothing`);
      }
    },
  }),
  scenario({
    id: 'toy/callable-locks-writes',
    title: 'the callable runs once while a write on another connection waits',
    requirements: ['TOY-004'],
    async run(ctx) {
      const db = await ctx.newDatabase('locked');
      await db.createClass('Item');
      const other = await ctx.impl.openDatabase(ctx.urlOf('locked'), 'admin', 'admin');
      let calls = 0;
      let write: Promise<unknown> | undefined;
      await db.backup(
        { kind: 'file', path: ctx.path('b.json') },
        null,
        async () => {
          calls++;
          write = other.insert('Item', { during: true });
          assert.equal(await settlesWithin(write, 150), false, 'a write completed while the database was locked');
        },
        null,
      );
      assert.equal(calls, 1);
      assert.ok(write !== undefined);
      await write;
      assert.equal(await db.count('Item'), 1);
    },
  }),
  scenario({
    id: 'toy/callable-throws',
    title: 'a throwing callable aborts the backup with ERR_CALLABLE_FAILED and releases the lock',
    requirements: ['TOY-005'],
    async run(ctx) {
      const db = await ctx.newDatabase();
      await db.createClass('Item');
      await expectCode(
        db.backup({ kind: 'file', path: ctx.path('b.json') }, null, () => Promise.reject(new Error('no')), null),
        'ERR_CALLABLE_FAILED',
      );
      const released = await Promise.race([db.insert('Item', {}).then(() => true), delay(5000).then(() => false)]);
      assert.equal(released, true, 'the lock was not released');
    },
  }),
  scenario({
    id: 'toy/stream-chunks',
    title: 'writes to a stream are at most bufferSize bytes',
    requirements: ['TOY-006'],
    features: ['stream-output'],
    async run(ctx) {
      const db = await ctx.newDatabase();
      await db.createClass('Item');
      await db.insert('Item', { text: 'x'.repeat(500) });
      const result = await db.backup({ kind: 'stream', path: ctx.path('b.json') }, null, null, null, 1, 64);
      assert.ok(result.writes !== undefined && result.writes.length > 1);
      for (const size of result.writes) assert.ok(size <= 64, `a write of ${size} bytes`);
    },
  }),
  scenario({
    id: 'toy/throwing-listener',
    title: 'a listener that throws does not break the backup',
    requirements: ['TOY-007'],
    async run(ctx) {
      const db = await ctx.newDatabase();
      await db.createClass('A');
      await db.createClass('B');
      const received: string[] = [];
      await db.backup({ kind: 'file', path: ctx.path('b.json') }, null, null, throwingListener({ throwFrom: 2, received }));
      assert.ok(received.length >= 2, `listener saw ${received.length} message(s)`);
      await db.restore({ kind: 'file', path: ctx.path('b.json') }, null, null, null);
      assert.equal(await db.count('B'), 0);
    },
  }),
  scenario({
    id: 'toy/restore-to-new',
    title: 'restoring into a new database gives the backed-up dump',
    requirements: ['TOY-008'],
    features: ['restore-to-new'],
    async run(ctx) {
      const db = await ctx.newDatabase('a');
      await db.createClass('Item');
      await db.insert('Item', { x: 1 });
      await db.backup({ kind: 'file', path: ctx.path('b.json') }, {}, null, null);
      await ctx.impl.restoreDatabase({ kind: 'file', path: ctx.path('b.json') }, ctx.urlOf('b'));
      const copy = await ctx.impl.openDatabase(ctx.urlOf('b'), 'admin', 'admin');
      assert.equal(await copy.dump(), await db.dump());
    },
  }),
];
export default toyScenarios;
