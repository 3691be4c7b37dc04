/**
 * The child process of the engine's crash test: opens a database in `sync` durability and writes
 * in a loop until it is killed, reporting every operation on stdout as one JSON line before it
 * starts (`begin`) and once it is acknowledged (`ack`). The parent kills it with SIGKILL at a
 * random moment and checks that every acknowledged operation survived.
 *
 * Usage: `node crash-writer.js <directory> <seed> <firstSequence>`. The database must exist and
 * hold the classes of {@link CRASH_CLASSES}, with `admin`/`admin`.
 *
 * Stdout on Linux is synchronous for pipes, so an `ack` line is in the pipe before the next
 * operation starts.
 *
 * @packageDocumentation
 */
import { pathToFileURL } from 'node:url';
import { Database } from '../database.js';
import { PAGE_SIZE } from '../constants.js';
import type { JsonObject } from '../documents.js';
import { seededRandom } from '../../testing/seeded-random.js';

/** One class per writer loop; the loops run concurrently, so their commits share fsyncs. */
export const CRASH_CLASSES = ['LoopA', 'LoopB'] as const;

/** Storage options of the writer: a tiny cache and log, so that evictions and checkpoints happen all the time. */
export const CRASH_WRITER_OPTIONS = {
  durability: 'sync',
  pageCacheBytes: 12 * PAGE_SIZE,
  walCheckpointBytes: 64 * PAGE_SIZE,
} as const;

/** A line the writer prints. */
export type CrashReport =
  | { readonly t: 'ready' }
  | {
      readonly t: 'begin' | 'ack';
      readonly loop: number;
      readonly op: 'insert' | 'update' | 'delete';
      readonly seq: number;
      /** The record id (for an insert, only in its `ack`). */
      readonly rid?: string;
      /** The version after the operation (in `ack` of inserts and updates). */
      readonly version?: number;
      /** The content size (inserts and updates). */
      readonly size?: number;
    };

/** The content written by operation `seq` with `size` padding bytes: the parent rebuilds it from the report. */
export function crashContent(loop: number, seq: number, size: number): JsonObject {
  const unit = `${loop}:${seq}|`;
  return { loop, seq, pad: unit.repeat(Math.ceil(size / unit.length)).slice(0, size) };
}

function report(line: CrashReport): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function liveRecords(db: Database, loop: number): Promise<string[]> {
  const live: string[] = [];
  for await (const record of db.scan(CRASH_CLASSES[loop]!)) live.push(record.rid);
  return live;
}

async function writerLoop(db: Database, loop: number, live: string[], random: () => number, firstSequence: number): Promise<never> {
  const className = CRASH_CLASSES[loop]!;
  for (let seq = firstSequence; ; seq++) {
    const dice = random();
    const size = dice < 0.05 ? 60_000 + Math.floor(random() * 60_000) : Math.floor(random() * 3000);
    if (live.length > 3 && dice > 0.9) {
      const rid = live.splice(Math.floor(random() * live.length), 1)[0]!;
      report({ t: 'begin', loop, op: 'delete', seq, rid });
      await db.delete(rid);
      report({ t: 'ack', loop, op: 'delete', seq, rid });
    } else if (live.length > 0 && dice > 0.55) {
      const rid = live[Math.floor(random() * live.length)]!;
      report({ t: 'begin', loop, op: 'update', seq, rid, size });
      const { version } = await db.update(rid, crashContent(loop, seq, size));
      report({ t: 'ack', loop, op: 'update', seq, rid, size, version });
    } else {
      report({ t: 'begin', loop, op: 'insert', seq, size });
      const { rid, version } = await db.insert(className, crashContent(loop, seq, size));
      live.push(rid);
      report({ t: 'ack', loop, op: 'insert', seq, rid, size, version });
    }
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [directory, seedText, firstText] = argv;
  if (directory === undefined || seedText === undefined || firstText === undefined) {
    process.stderr.write('usage: crash-writer <directory> <seed> <firstSequence>\n');
    process.exit(2);
  }
  const db = await Database.open(`plocal:${directory}`, 'admin', 'admin', CRASH_WRITER_OPTIONS);
  const live = await Promise.all(CRASH_CLASSES.map((_, loop) => liveRecords(db, loop)));
  report({ t: 'ready' });
  const random = seededRandom(Number(seedText) >>> 0).next;
  const first = Number(firstText);
  await Promise.all(CRASH_CLASSES.map((_, loop) => writerLoop(db, loop, live[loop]!, random, first + loop * 1_000_000)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`crash-writer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
