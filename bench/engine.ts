/**
 * Engine benchmark: inserts per second of 1 KiB documents in `batch` and `sync` durability, and
 * scan throughput. Prints a Markdown table and writes `reports/engine-bench.json`.
 *
 * Run: `npm run bench:engine` (or `node dist/bench/engine.js [--quick]` after a build).
 * `--quick` runs tiny sizes, for smoke tests; its figures mean nothing.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database, type JsonObject } from '../src/engine/index.js';

interface Row {
  readonly case: string;
  readonly operations: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly megabytesPerSecond?: number;
}

/** A document of exactly `size` bytes of JSON, varied by `n`. */
function document(n: number, size = 1024): JsonObject {
  const base = { name: `person-${n}`, n, active: n % 2 === 0, tags: ['bench', `t${n % 17}`], address: { city: 'Turin', zip: 10100 + (n % 97) }, text: '' };
  const room = size - Buffer.byteLength(JSON.stringify(base));
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit ';
  base.text = words.repeat(Math.ceil(room / words.length)).slice(0, Math.max(0, room));
  return base;
}

async function timed<T>(action: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const value = await action();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const sizes = quick
    ? { batch: 2_000, sync: 100, concurrent: 200, writers: 8 }
    : { batch: 200_000, sync: 3_000, concurrent: 10_000, writers: 16 };
  const root = await mkdtemp(join(tmpdir(), 'engine-bench-'));
  const rows: Row[] = [];
  const docs = Array.from({ length: 1000 }, (_, i) => document(i));
  try {
    // Batch durability: one fsync per group of changed pages, plus the final flush.
    const batchUrl = `plocal:${join(root, 'batch')}`;
    const batch = await Database.create(batchUrl, { durability: 'batch' });
    await batch.createClass('Person');
    const batchRun = await timed(async () => {
      for (let i = 0; i < sizes.batch; i++) await batch.insert('Person', docs[i % docs.length]!);
      await batch.flush();
    });
    rows.push({ case: 'insert 1 KiB, batch durability', operations: sizes.batch, seconds: batchRun.seconds, perSecond: sizes.batch / batchRun.seconds });
    await batch.close();

    // Scan from a freshly opened storage (empty page cache; the OS cache is warm).
    const scanner = await Database.open(batchUrl, 'admin', 'admin');
    const scanRun = await timed(async () => {
      let records = 0;
      let checksum = 0;
      for await (const record of scanner.scan('Person')) {
        records++;
        checksum += (record.content.n as number) + (record.content.text as string).length;
      }
      // Every document is exactly 1024 bytes of JSON: the MB/s are of record content.
      return { records, bytes: records * 1024, checksum };
    });
    if (scanRun.value.records !== sizes.batch) throw new Error(`scan found ${scanRun.value.records} records, expected ${sizes.batch}`);
    rows.push({
      case: 'scan (records parsed)',
      operations: scanRun.value.records,
      seconds: scanRun.seconds,
      perSecond: scanRun.value.records / scanRun.seconds,
      megabytesPerSecond: scanRun.value.bytes / 1e6 / scanRun.seconds,
    });
    await scanner.close();

    // Sync durability, one writer: every insert waits for its own fsync.
    const sync = await Database.create(`plocal:${join(root, 'sync')}`);
    await sync.createClass('Person');
    const syncRun = await timed(async () => {
      for (let i = 0; i < sizes.sync; i++) await sync.insert('Person', docs[i % docs.length]!);
    });
    rows.push({ case: 'insert 1 KiB, sync durability, 1 writer', operations: sizes.sync, seconds: syncRun.seconds, perSecond: sizes.sync / syncRun.seconds });

    // Sync durability, concurrent writers: group commit shares fsyncs.
    const perWriter = Math.ceil(sizes.concurrent / sizes.writers);
    const concurrentRun = await timed(() =>
      Promise.all(
        Array.from({ length: sizes.writers }, async (_, writer) => {
          for (let i = 0; i < perWriter; i++) await sync.insert('Person', docs[(writer * perWriter + i) % docs.length]!);
        }),
      ),
    );
    const concurrentOps = perWriter * sizes.writers;
    rows.push({
      case: `insert 1 KiB, sync durability, ${sizes.writers} writers`,
      operations: concurrentOps,
      seconds: concurrentRun.seconds,
      perSecond: concurrentOps / concurrentRun.seconds,
    });
    await sync.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  const lines = [
    `Engine benchmark${quick ? ' (--quick: tiny sizes, figures not meaningful)' : ''} — Node ${process.version}`,
    '',
    '| case | operations | seconds | ops/s | MB/s |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.case} | ${row.operations} | ${row.seconds.toFixed(2)} | ${Math.round(row.perSecond).toLocaleString('en-US')} | ${
          row.megabytesPerSecond === undefined ? '' : row.megabytesPerSecond.toFixed(0)
        } |`,
    ),
  ];
  console.log(lines.join('\n'));
  await mkdir('reports', { recursive: true });
  await writeFile(join('reports', 'engine-bench.json'), `${JSON.stringify({ quick, node: process.version, rows }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
