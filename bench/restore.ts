/**
 * Restore and verify benchmark: the time to restore a backup of a database of 1 KiB documents
 * (into an open database, from a path and from a stream, and into a new database), to verify it,
 * and to refuse a few hostile archives, with the growth of resident memory while refusing them.
 * Prints a Markdown table and writes `reports/restore-bench.json`.
 *
 * Run: `npx tsc -p tsconfig.build.json && node dist/bench/restore.js [--quick] [--records=N]`.
 * `--quick` runs tiny sizes, for smoke tests; its figures mean nothing.
 */
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildZip, deflateRun } from '../conformance/support/zip-rewrite.js';
import { Database, type JsonObject } from '../src/engine/index.js';
import { restoreToNewDatabase } from '../src/restore/index.js';
import { verifyBackup } from '../src/verify/index.js';

interface Row {
  readonly case: string;
  readonly seconds: number;
  readonly megabytesPerSecond?: number;
  readonly peakRssGrowthMiB?: number;
  readonly outcome: string;
}

const MIB = 1024 * 1024;

/** A document of about 1 KiB whose text varies (a deterministic pseudo-random stream), so that it compresses like real data rather than like a repeated phrase. */
function document(n: number): JsonObject {
  let state = (n * 2654435761) >>> 0;
  let text = '';
  while (text.length < 900) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    text += 'abcdefghijklmnopqrstuvwxyz      '[state >>> 27];
  }
  return { n, name: `person-${n}`, text };
}

/** Runs `action`, timing it and sampling resident memory every 5 ms. */
async function measured(action: () => Promise<unknown>): Promise<{ seconds: number; peakGrowth: number; outcome: string }> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const start = process.hrtime.bigint();
  let outcome = 'ok';
  try {
    await action();
  } catch (error) {
    outcome = (error as { code?: string }).code ?? String(error);
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, peakGrowth: (peak - baseline) / MIB, outcome };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const recordsArgument = process.argv.find((argument) => argument.startsWith('--records='));
  const records = recordsArgument !== undefined ? Number(recordsArgument.slice('--records='.length)) : quick ? 500 : 50_000;
  const root = await mkdtemp(join(tmpdir(), 'restore-bench-'));
  const rows: Row[] = [];
  try {
    const source = await Database.create(`plocal:${join(root, 'source')}`, { durability: 'batch' });
    await source.createClass('Person');
    for (let i = 0; i < records; i++) await source.insert('Person', document(i));
    await source.flush();
    const archive = join(root, 'backup.zip');
    await source.backup(archive, null, null, null, 6, 1_048_576);
    const databaseBytes = (await Promise.all(['person.pcl', 'person.cpm', 'database.ocf'].map((name) => stat(join(root, 'source', name))))).reduce((sum, s) => sum + s.size, 0);
    await source.close();
    const archiveBytes = (await stat(archive)).size;
    const mb = databaseBytes / 1e6;
    console.log(`database: ${records} records, ${(databaseBytes / MIB).toFixed(1)} MiB of files; archive ${(archiveBytes / MIB).toFixed(1)} MiB (level 6)`);

    const target = await Database.create(`plocal:${join(root, 'target')}`);
    for (const [name, input] of [
      ['restore into an open database, from a path', () => archive],
      ['restore into an open database, from a stream', () => createReadStream(archive)],
    ] as const) {
      const run = await measured(() => target.restore(input()));
      rows.push({ case: name, seconds: run.seconds, megabytesPerSecond: mb / run.seconds, peakRssGrowthMiB: run.peakGrowth, outcome: run.outcome });
    }
    await target.close();
    const fresh = await measured(() => restoreToNewDatabase(archive, `plocal:${join(root, 'fresh')}`));
    rows.push({ case: 'restore into a new database', seconds: fresh.seconds, megabytesPerSecond: mb / fresh.seconds, peakRssGrowthMiB: fresh.peakGrowth, outcome: fresh.outcome });
    const verified = await measured(async () => {
      const report = await verifyBackup(archive);
      if (!report.valid) throw Object.assign(new Error('invalid'), { code: report.code });
    });
    rows.push({ case: 'verify', seconds: verified.seconds, megabytesPerSecond: mb / verified.seconds, peakRssGrowthMiB: verified.peakGrowth, outcome: verified.outcome });

    const hostile = join(root, 'hostile');
    await mkdir(hostile);
    const bombs: [string, Buffer][] = [
      ['entry inflating to 4 GiB, declaring 1 000 bytes', buildZip([{ name: 'item.pcl', raw: deflateRun(0x61, (quick ? 64 : 4096) * MIB), method: 8, declare: { size: 1000 } }])],
      ['entry declaring 8 GiB from 12 bytes', buildZip([{ name: 'item.pcl', raw: deflateRun(0x61, 1000), method: 8, declare: { size: 8 * 1024 * MIB, crc32: 0 }, zip64: true }])],
    ];
    const bombTarget = await Database.create(`plocal:${join(root, 'bomb-target')}`);
    for (const [name, bytes] of bombs) {
      const path = join(hostile, `${rows.length}.zip`);
      await writeFile(path, bytes);
      const run = await measured(() => bombTarget.restore(path));
      rows.push({ case: `refuse: ${name}`, seconds: run.seconds, peakRssGrowthMiB: run.peakGrowth, outcome: run.outcome });
    }
    await bombTarget.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  console.log('| case | seconds | MB/s of database | peak RSS growth (MiB) | outcome |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const row of rows) {
    console.log(`| ${row.case} | ${row.seconds.toFixed(3)} | ${row.megabytesPerSecond?.toFixed(1) ?? ''} | ${row.peakRssGrowthMiB?.toFixed(1) ?? ''} | ${row.outcome} |`);
  }
  await mkdir('reports', { recursive: true });
  await writeFile(join('reports', 'restore-bench.json'), `${JSON.stringify({ records, quick, node: process.version, rows }, null, 2)}\n`);
}

await main();
