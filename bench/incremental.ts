/**
 * Incremental backup benchmark (spec/incremental.md INCR-006): on a database of about 50 MB of
 * 1 KiB records of random text, the time and size of the chain's full file, then of the next file
 * after updating 1% and 10% of the records (a run of records inserted one after the other, new
 * content of the same size), and the time to rebuild the whole chain (`stageChain`). Prints a
 * Markdown table and writes `reports/incremental-bench.json`.
 *
 * Run: `npx tsc -p tsconfig.build.json && node dist/bench/incremental.js [--quick]`. `--quick`
 * uses a tiny database, for smoke tests; its figures mean nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/engine/index.js';
import { nodeFileSystem } from '../src/fs/index.js';
import { stageChain } from '../src/incremental/stage-chain.js';

interface Row {
  readonly case: string;
  readonly seconds: number;
  readonly fileBytes: number;
  /** The file's size as a percentage of the full file's. */
  readonly percentOfFull: number;
}

function text(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4)).toString('base64').slice(0, length);
}

async function timed<T>(action: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = process.hrtime.bigint();
  const value = await action();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) if (entry.isFile()) total += (await stat(join(dir, entry.name))).size;
  return total;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const records = quick ? 2_000 : 52_000;
  const root = await mkdtemp(join(tmpdir(), 'incremental-bench-'));
  const rows: Row[] = [];
  try {
    const db = await Database.create(`plocal:${join(root, 'db')}`, { durability: 'batch' });
    await db.createClass('Item');
    const rids: string[] = [];
    for (let n = 0; n < records; n++) rids.push((await db.insert('Item', { n, text: text(1000) })).rid);
    await db.flush();
    await db.storage.checkpoint(); // an empty log, so that the directory's size is the data's
    const databaseBytes = await directoryBytes(join(root, 'db'));
    const dir = join(root, 'chain');
    const full = await timed(() => db.incrementalBackup(dir));
    const fullBytes = (await stat(join(dir, full.value))).size;
    rows.push({ case: `full file (${(databaseBytes / 1e6).toFixed(1)} MB database, ${records} records)`, seconds: full.seconds, fileBytes: fullBytes, percentOfFull: 100 });
    for (const percent of [1, 10]) {
      const count = Math.ceil((records * percent) / 100);
      const start = Math.floor(records / 4);
      for (let i = start; i < start + count; i++) await db.update(rids[i]!, { n: i, text: text(1000) });
      await db.flush();
      const next = await timed(() => db.incrementalBackup(dir));
      const bytes = (await stat(join(dir, next.value))).size;
      rows.push({ case: `next file after updating ${percent}% of the records`, seconds: next.seconds, fileBytes: bytes, percentOfFull: (100 * bytes) / fullBytes });
    }
    await db.close();
    const staged = await timed(() => stageChain(dir, join(root, 'staged'), { fs: nodeFileSystem }));
    rows.push({ case: `stageChain of the ${staged.value.applied.length} files`, seconds: staged.seconds, fileBytes: 0, percentOfFull: 0 });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  console.log('| case | seconds | file bytes | % of the full file |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(`| ${row.case} | ${row.seconds.toFixed(2)} | ${row.fileBytes === 0 ? '' : row.fileBytes} | ${row.fileBytes === 0 ? '' : row.percentOfFull.toFixed(2)} |`);
  }
  if (!quick) {
    await mkdir('reports', { recursive: true });
    await writeFile(join('reports', 'incremental-bench.json'), `${JSON.stringify({ node: process.version, date: new Date().toISOString(), rows }, null, 2)}\n`);
  }
}

await main();
