/**
 * One measured operation of `bench/run.ts`, run in a child process of its own so that its peak
 * resident memory (`process.resourceUsage().maxRSS`) is the operation's alone:
 * `node dist/bench/operation.js '<JSON of an Operation>'`. Prints one JSON line (an
 * {@link OperationResult}) on stdout. Times cover the operation only (not opening the database).
 *
 * @packageDocumentation
 */
import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw } from 'node:zlib';
import { openArchive } from '../src/archive/read/index.js';
import { Database } from '../src/engine/index.js';
import { PAGE_RECORD_SIZE, pagedFileOfEntry } from '../src/incremental/chain-format.js';
import { BENCH_USER, type GeneratedDatabase, updatePersons } from './generate-database.js';

/** What a child can be asked to do. */
export type Operation =
  | { readonly op: 'backup'; readonly db: string; readonly level: number; readonly out: string | null; readonly concurrency?: number }
  | { readonly op: 'zlib'; readonly files: readonly string[]; readonly level: number; readonly tuned: boolean }
  | { readonly op: 'restore'; readonly archive: string; readonly target: string }
  | { readonly op: 'export'; readonly db: string; readonly out: string }
  | { readonly op: 'import'; readonly file: string; readonly target: string }
  | {
      readonly op: 'stall';
      readonly db: string;
      readonly mode: 'freeze' | 'snapshot';
      readonly durability: 'sync' | 'batch';
      readonly level: number;
      readonly out: string;
      readonly idleMs: number;
    }
  | { readonly op: 'incremental'; readonly db: string; readonly chain: string; readonly full: boolean; readonly percents: readonly number[]; readonly seed: number };

/** What a child prints. */
export interface OperationResult {
  readonly seconds: number;
  /** Peak resident set size of the child, bytes. */
  readonly maxRssBytes: number;
  readonly [key: string]: unknown;
}

/** A Writable that discards what it receives and counts it. */
function nullSink(): Writable & { bytes: number } {
  const sink = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      sink.bytes += chunk.length;
      callback();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

async function timed<T>(action: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const value = await action();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function openDatabase(db: string, durability: 'sync' | 'batch' = 'sync'): Promise<Database> {
  return Database.open(`plocal:${db}`, BENCH_USER.user, BENCH_USER.password, { durability });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Pause between a writer's inserts: about a thousand writes a second, a busy but not saturated writer. */
const WRITER_PAUSE_MS = 1;

/**
 * A writer inserting one small record at a time, each awaited, with a short pause between them,
 * until `stop()`; resolves each insert's latency in ms, counted from when it was due (the end of
 * the pause): a write delayed because this thread was busy elsewhere counts as waiting too.
 */
function writerLoop(db: Database): { stop: () => Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let n = 0; running; n++) {
      const due = performance.now() + WRITER_PAUSE_MS;
      await new Promise((resolve) => setTimeout(resolve, WRITER_PAUSE_MS));
      // A timer may fire a fraction of a millisecond early: then the write counts from when it began.
      const began = Math.min(due, performance.now());
      await db.insert('Probe', { n, at: Date.now(), text: 'a small write from another connection' });
      latencies.push(performance.now() - began);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return latencies;
    },
  };
}

function latencyStats(latencies: number[]): Record<string, number> {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { writes: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? Number.NaN };
}

async function run(operation: Operation): Promise<Record<string, unknown> & { seconds: number }> {
  switch (operation.op) {
    case 'backup': {
      const db = await openDatabase(operation.db);
      try {
        const options = { compressionLevel: operation.level, bufferSize: 1024 * 1024 };
        if (operation.out === null) {
          const sink = nullSink();
          const { value, seconds } = await timed(() => db.backup(sink, options));
          return { seconds, archiveBytes: value.bytes, entries: value.entries };
        }
        const { value, seconds } = await timed(() => db.backup(operation.out!, options));
        return { seconds, archiveBytes: value.bytes, entries: value.entries };
      } finally {
        await db.close();
      }
    }
    case 'zlib': {
      const { value, seconds } = await timed(async () => {
        let bytes = 0;
        for (const file of operation.files) {
          const sink = nullSink();
          const deflate = operation.tuned ? createDeflateRaw({ level: operation.level, chunkSize: 256 * 1024 }) : createDeflateRaw({ level: operation.level });
          await pipeline(createReadStream(file, operation.tuned ? { highWaterMark: 1024 * 1024 } : {}), deflate, sink);
          bytes += sink.bytes;
        }
        return bytes;
      });
      return { seconds, outputBytes: value };
    }
    case 'restore': {
      const db = await Database.create(`plocal:${operation.target}`, { ...BENCH_USER, scryptCost: 1024 });
      try {
        const { seconds } = await timed(() => db.restore(operation.archive));
        return { seconds };
      } finally {
        await db.close();
      }
    }
    case 'export': {
      const db = await openDatabase(operation.db);
      try {
        const { seconds } = await timed(() => db.exportDatabase(operation.out));
        return { seconds, exportBytes: (await stat(operation.out)).size };
      } finally {
        await db.close();
      }
    }
    case 'import': {
      const db = await Database.create(`plocal:${operation.target}`, { ...BENCH_USER, scryptCost: 1024 });
      try {
        const { seconds } = await timed(() => db.importDatabase(operation.file));
        return { seconds };
      } finally {
        await db.close();
      }
    }
    case 'stall': {
      const db = await openDatabase(operation.db);
      const writer = await openDatabase(operation.db, operation.durability);
      try {
        if (!writer.classes().some((info) => info.name === 'Probe')) await writer.createClass('Probe');
        // The writer alone first: what a write costs when no backup runs.
        const alone = writerLoop(writer);
        await new Promise((resolve) => setTimeout(resolve, operation.idleMs));
        const idle = latencyStats(await alone.stop());
        const during = writerLoop(writer);
        const { seconds } = await timed(() => db.backup(operation.out, { compressionLevel: operation.level, bufferSize: 1024 * 1024, mode: operation.mode }));
        const stats = latencyStats(await during.stop());
        await rm(operation.out, { force: true });
        return { seconds, idle, ...stats };
      } finally {
        await writer.close();
        await db.close();
      }
    }
    case 'incremental': {
      const generated = JSON.parse(await readFile(`${operation.db}.json`, 'utf8')) as GeneratedDatabase;
      const db = await openDatabase(operation.db);
      try {
        const files: Record<string, unknown>[] = [];
        const backupOnce = async (label: string): Promise<void> => {
          const { value: name, seconds } = await timed(() => db.incrementalBackup(operation.chain));
          const path = join(operation.chain, name);
          const archive = await openArchive(path);
          const pageBytes = archive.index.entries.filter((entry) => pagedFileOfEntry(entry.name) !== undefined).reduce((sum, entry) => sum + entry.uncompressedSize, 0);
          await archive.close();
          files.push({ label, name, seconds, bytes: (await stat(path)).size, pages: pageBytes / PAGE_RECORD_SIZE });
        };
        if (operation.full) await backupOnce('full');
        for (const [index, percent] of operation.percents.entries()) {
          // As many documents as 'percent' of the pages: each update rewrites one page in place
          // (two documents may share a page; the file's page count says how many changed).
          await updatePersons(db, generated, Math.max(1, Math.round((generated.pages * percent) / 100)), operation.seed + index);
          // Not timed: the deferred writes of the updates, which a checkpoint would do anyway.
          await db.storage.checkpoint();
          await backupOnce(`${percent}%`);
        }
        return { seconds: files.reduce((sum, file) => sum + (file.seconds as number), 0), files };
      } finally {
        await db.close();
      }
    }
  }
}

const operation = JSON.parse(process.argv[2] ?? 'null') as Operation | null;
if (operation === null || typeof operation !== 'object') {
  console.error('usage: operation.js <JSON of an operation>');
  process.exit(2);
}
run(operation).then(
  (result) => {
    process.stdout.write(`${JSON.stringify({ ...result, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? `${(error as { code?: string }).code ?? ''} ${error.stack ?? error.message}` : error);
    process.exit(1);
  },
);
