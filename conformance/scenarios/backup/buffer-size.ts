/**
 * bufferSize: the size of the writes, their number, the range, the memory (BACKUP-019 to BACKUP-022).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { scenario, type Scenario } from '../../scenario.js';
import { expectCode } from '../../assertions.js';
import { ITEM, expectRestoresTo, fileOutput, fill, noise, streamOutput } from './_support/helpers.js';

/** The buffer sizes of BACKUP-019; `'larger'` is larger than the whole archive. */
const LIMIT_CASES: readonly (number | 'larger')[] = [1, 512, 2048, 1_048_576, 'larger'];

/** No write exceeds bufferSize, and each archive restores. */
const writeLimits: Scenario[] = LIMIT_CASES.map((bufferSize) =>
  scenario({
    id: `backup/writes-at-most-buffer-size-${bufferSize === 'larger' ? 'larger-than-archive' : bufferSize}`,
    title: `bufferSize ${bufferSize === 'larger' ? 'larger than the archive' : bufferSize}: no write exceeds it and the archive restores`,
    requirements: ['BACKUP-019'],
    features: ['stream-output'],
    async run(ctx) {
      const conn = await ctx.newDatabase('db');
      // bufferSize 1 makes one write per byte: keep that database small.
      await fill(conn, bufferSize === 1 ? 2 : 30, bufferSize === 1 ? 50 : 300);
      const atLock = await conn.dump();
      const size = bufferSize === 'larger' ? 64 * 1_048_576 : bufferSize;
      const path = ctx.path('b.zip');
      const result = await conn.backup(streamOutput(path), null, null, null, undefined, size);
      const writes = result.writes ?? [];
      assert.ok(writes.length > 0, 'the writes made to the stream should be reported');
      assert.ok(Math.max(...writes) <= size, `no write should exceed ${size} bytes (the largest was ${Math.max(...writes)})`);
      await expectRestoresTo(conn, path, atLock);
    },
  }),
);

/** The output is gathered into writes of up to bufferSize. */
const BUFFERED_CASES: readonly (number | 'larger')[] = [512, 2048, 65_536, 'larger'];

const buffered: Scenario[] = BUFFERED_CASES.map((bufferSize) =>
  scenario({
    id: `backup/buffered-up-to-buffer-size-${bufferSize === 'larger' ? 'larger-than-archive' : bufferSize}`,
    title: `bufferSize ${bufferSize === 'larger' ? 'larger than the archive: at most two writes' : `${bufferSize}: at most ceil(bytes / ${bufferSize}) + 1 writes`}`,
    requirements: ['BACKUP-020'],
    features: ['stream-output'],
    async run(ctx) {
      const conn = await ctx.newDatabase('db');
      await fill(conn, 40, 400);
      await conn.insert(ITEM, { data: noise(150_000, 7) });
      const size = bufferSize === 'larger' ? 64 * 1_048_576 : bufferSize;
      const result = await conn.backup(streamOutput(ctx.path('b.zip')), null, null, null, undefined, size);
      const writes = result.writes ?? [];
      const bound = bufferSize === 'larger' ? 2 : Math.ceil(result.bytes / size) + 1;
      assert.ok(writes.length > 0, 'the writes made to the stream should be reported');
      assert.ok(writes.length <= bound, `at most ${bound} writes expected for ${result.bytes} bytes with bufferSize ${size}, received ${writes.length}`);
    },
  }),
);

/** bufferSize accepts 1 to 1073741824 and nothing else. */
const range = scenario({
  id: 'backup/buffer-size-range',
  title: 'bufferSize 1 and 1073741824 are accepted; 0, -1, 1073741825, 2.5, NaN, Infinity and "1024" are refused with ERR_INVALID_BUFFER_SIZE',
  requirements: ['BACKUP-021'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await conn.backup(fileOutput(ctx.path('one.zip')), null, null, null, undefined, 1);
    await conn.backup(fileOutput(ctx.path('max.zip')), null, null, null, undefined, 1_073_741_824);
    for (const size of [0, -1, 1_073_741_825, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '1024']) {
      await expectCode(conn.backup(fileOutput(ctx.path('x.zip')), null, null, null, undefined, size), 'ERR_INVALID_BUFFER_SIZE', `bufferSize ${typeof size === 'string' ? JSON.stringify(size) : String(size)}`);
    }
  },
});

/** Memory follows bufferSize, not the database size (observable in-process only). */
const memory = scenario({
  id: 'backup/memory-follows-buffer-size',
  title: "backing up 64 MiB with bufferSize 65536 raises the process's resident memory by less than 64 MiB",
  requirements: ['BACKUP-022'],
  timeoutMs: 120_000,
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await conn.createClass(ITEM);
    for (let i = 0; i < 64; i++) await conn.insert(ITEM, { n: i, data: noise(1_040_000, i) });
    const base = process.memoryUsage.rss();
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    let bytes: number;
    try {
      bytes = (await conn.backup(fileOutput(ctx.path('b.zip')), null, null, null, 0, 65_536)).bytes;
    } finally {
      clearInterval(timer);
    }
    peak = Math.max(peak, process.memoryUsage.rss());
    ctx.log(`archive ${bytes} bytes; resident memory ${Math.round(base / 1_048_576)} MiB before, peak rise ${((peak - base) / 1_048_576).toFixed(1)} MiB`);
    assert.ok(bytes >= 64 * 1_000_000, `the archive should hold the 64 MiB database (it has ${bytes} bytes)`);
    assert.ok(peak - base < 64 * 1_048_576, `resident memory rose by ${((peak - base) / 1_048_576).toFixed(1)} MiB during the backup`);
  },
});

export default [...writeLimits, ...buffered, range, memory];
