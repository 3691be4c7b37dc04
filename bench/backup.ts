/**
 * The full backup of the reference, end to end (`db.backup(...)`: lock, snapshot, read, ZIP,
 * manifest, output), on a database of records:
 * - throughput (MiB of database files per second) and archive size per level;
 * - the effect of `bufferSize` on the number of writes and on the time;
 * - the peak resident memory the backup adds (spec/backup.md BACKUP-022);
 * - how long a write from another connection waits when issued just after the lock is taken, in
 *   freeze mode (the whole backup) and in snapshot mode (only the snapshot): OrientDB issue #4602.
 *
 * Usage: `node dist/bench/backup.js [--size MiB] [--levels 0,1,6,9] [--runs N] [--json path]`.
 * Each cell is the best of `--runs` runs (default 3). Prints Markdown tables.
 *
 * @packageDocumentation
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { validateCompressionLevel } from '../src/archive/write/index.js';
import { Database, type JsonObject } from '../src/engine/index.js';

const MiB = 1024 * 1024;

interface Settings {
  sizeMiB: number;
  levels: number[];
  runs: number;
  json: string | undefined;
}

function parseArguments(argv: string[]): Settings {
  const settings: Settings = { sizeMiB: 64, levels: [0, 1, 6, 9], runs: 3, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--size') settings.sizeMiB = Number(value());
    else if (flag === '--levels') settings.levels = value().split(',').map((level) => validateCompressionLevel(Number(level)));
    else if (flag === '--runs') settings.runs = Number(value());
    else if (flag === '--json') settings.json = value();
    else throw new Error(`unknown argument ${flag}; usage: backup.js [--size MiB] [--levels 0,1,6,9] [--runs N] [--json path]`);
  }
  if (!(settings.sizeMiB > 0) || !(Number.isInteger(settings.runs) && settings.runs > 0)) throw new Error('--size and --runs must be positive');
  return settings;
}

/** A record of about 16 KiB of JSON that compresses about 4:1, like real documents. */
function record(i: number): JsonObject {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  let x = (i * 2654435761) >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
  const lines = Array.from({ length: 120 }, () => ({
    name: `user${next() % 100000}`,
    email: `u${next() % 1000000}@example.org`,
    balance: (next() % 10000000) / 100,
    note: Array.from({ length: 3 + (next() % 5) }, () => words[next() % words.length]).join(' '),
  }));
  return { n: i, lines };
}

/** A Writable that discards what it receives and counts the writes. */
function nullSink(): Writable & { writes: number } {
  const sink = new Writable({
    write(_chunk: Buffer, _encoding, callback) {
      sink.writes++;
      callback();
    },
  }) as Writable & { writes: number };
  sink.writes = 0;
  return sink;
}

/** Peak resident memory while `action` runs, sampled every 5 ms, minus the memory before it. */
async function withPeakRss<T>(action: () => Promise<T>): Promise<{ value: T; peakRiseMiB: number }> {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    const value = await action();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakRiseMiB: (peak - base) / MiB };
  } finally {
    clearInterval(timer);
  }
}

interface Row {
  readonly [column: string]: string | number;
}

function table(title: string, rows: Row[]): string {
  const columns = Object.keys(rows[0] ?? {});
  return [
    `### ${title}`,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((column) => String(row[column])).join(' | ')} |`),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const settings = parseArguments(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'bench-backup-'));
  try {
    const url = `plocal:${join(dir, 'db')}`;
    const db = await Database.create(url, { scryptCost: 16, durability: 'batch' });
    await db.createClass('Doc');
    let n = 0;
    const target = settings.sizeMiB * MiB;
    for (let written = 0; written < target; n++) {
      const content = record(n);
      await db.insert('Doc', content);
      written += JSON.stringify(content).length;
    }
    await db.flush();
    const other = await Database.open(url, 'admin', 'admin', { scryptCost: 16 });
    const files = (await db.backup(nullSink(), null, null, null, 0)).manifest.files;
    const databaseBytes = files.reduce((sum, file) => sum + file.size, 0);
    console.log(`Database: ${n} records, ${(databaseBytes / MiB).toFixed(1)} MiB of files; ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(1)}; best of ${settings.runs}\n`);

    const best = async (run: () => Promise<{ seconds: number; [key: string]: number }>): Promise<{ seconds: number; [key: string]: number }> => {
      let result: { seconds: number; [key: string]: number } | undefined;
      for (let i = 0; i < settings.runs; i++) {
        const measured = await run();
        if (result === undefined || measured.seconds < result.seconds) result = measured;
      }
      return result!;
    };

    const levels: Row[] = [];
    for (const level of settings.levels) {
      const path = join(dir, `level-${level}.zip`);
      const measured = await best(async () => {
        const started = performance.now();
        const { value, peakRiseMiB } = await withPeakRss(() => db.backup(path, null, null, null, level));
        return { seconds: (performance.now() - started) / 1000, bytes: value.bytes, peakRiseMiB };
      });
      levels.push({
        level,
        'MiB/s': (databaseBytes / MiB / measured.seconds).toFixed(1),
        seconds: measured.seconds.toFixed(2),
        'archive MiB': (measured.bytes! / MiB).toFixed(1),
        'ratio %': ((measured.bytes! / databaseBytes) * 100).toFixed(1),
        'peak RSS rise MiB': measured.peakRiseMiB!.toFixed(1),
      });
      await rm(path, { force: true });
    }

    const buffers: Row[] = [];
    for (const bufferSize of [512, 65_536, MiB, 16 * MiB]) {
      const measured = await best(async () => {
        const sink = nullSink();
        const started = performance.now();
        const { peakRiseMiB } = await withPeakRss(() => db.backup(sink, null, null, null, 1, bufferSize));
        return { seconds: (performance.now() - started) / 1000, writes: sink.writes, peakRiseMiB };
      });
      buffers.push({
        bufferSize,
        'MiB/s': (databaseBytes / MiB / measured.seconds).toFixed(1),
        writes: measured.writes!,
        'peak RSS rise MiB': measured.peakRiseMiB!.toFixed(1),
      });
    }

    const modes: Row[] = [];
    for (const mode of ['freeze', 'snapshot'] as const) {
      const measured = await best(async () => {
        let writeStarted = 0;
        let writeDone = 0;
        let write: Promise<unknown> | undefined;
        const started = performance.now();
        await db.backup(nullSink(), { mode }, () => {
          writeStarted = performance.now();
          write = other.insert('Doc', { probe: true }).then(() => (writeDone = performance.now()));
        }, null, 6);
        const backupSeconds = (performance.now() - started) / 1000;
        await write;
        return { seconds: backupSeconds, waitMs: writeDone - writeStarted };
      });
      modes.push({ mode, 'backup s': measured.seconds.toFixed(2), 'write issued at the lock waited ms': Math.round(measured.waitMs!) });
    }

    const output = [table('Levels (file output, bufferSize 1 MiB)', levels), table('bufferSize (level 1, stream output)', buffers), table('Writers during a backup (level 6)', modes)].join('\n');
    console.log(output);
    if (settings.json !== undefined) await writeFile(settings.json, `${JSON.stringify({ databaseBytes, records: n, levels, buffers, modes }, null, 2)}\n`);
    await other.close();
    await db.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
