/**
 * The child process of the crash trials (`test/crash`): it opens a database, writes records in a
 * loop and, alongside, runs one kind of operation over and over (so that a kill at any moment
 * lands in one), reporting on stdout, one JSON line each, when it is ready, every write it begins
 * and every write acknowledged, and when each operation starts and ends. The parent kills it with
 * SIGKILL at a random moment and then checks what it left behind.
 *
 * Usage: `node crash-child.js <operation> <directory> <seed>`, where `<directory>` holds `db/`
 * (the database, with a class `Crash`), `backup.zip`, `chain/` and `out/`, and `<operation>` is
 * one of {@link CRASH_OPERATIONS}: full backups to `out/full.zip`, incremental backups into
 * `chain/`, or restores alternating between `backup.zip` and `chain/` (starting with the one the
 * operation names). The seed picks each backup's mode, level and buffer size.
 *
 * Standard output is a pipe, which Node writes synchronously on Linux: an `ack` line is in the
 * pipe before the next write begins, so the parent never misses an acknowledgement.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Database } from '../engine/database.js';
import { type SeededRandom, seededRandom } from './seeded-random.js';

/** The operations a crash trial can interrupt. */
export const CRASH_OPERATIONS = ['backup', 'incremental', 'restore-archive', 'restore-chain'] as const;

/** One of {@link CRASH_OPERATIONS}. */
export type CrashOperation = (typeof CRASH_OPERATIONS)[number];

/** The class the child's writer inserts into. */
export const CRASH_CLASS = 'Crash';

/** Engine options of the child (cheap password checks: it opens the database once per trial). */
export const CRASH_CHILD_OPTIONS = { scryptCost: 16 } as const;

/** A line the child prints. */
export type CrashChildReport =
  | { readonly t: 'ready' }
  | { readonly t: 'begin'; readonly seq: number }
  | { readonly t: 'ack'; readonly seq: number }
  | { readonly t: 'start'; readonly operation: CrashOperation; readonly detail: string }
  | { readonly t: 'done' }
  | { readonly t: 'failed'; readonly code: string; readonly message: string };

/** The content of the child's write number `seq`. */
export function crashRecord(seq: number): { seq: number; pad: string } {
  return { seq, pad: `${seq}:`.repeat(40) };
}

function report(line: CrashChildReport): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Writes records one after the other until `stop()` is called. */
function startWriter(db: Database, firstSeq: number): { stop: () => Promise<void> } {
  let running = true;
  const loop = (async () => {
    for (let seq = firstSeq; running; seq++) {
      report({ t: 'begin', seq });
      await db.insert(CRASH_CLASS, crashRecord(seq));
      report({ t: 'ack', seq });
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Reports the operation's start (with the parameters `random` chose), then runs it. */
async function runOperation(db: Database, operation: CrashOperation, directory: string, random: SeededRandom): Promise<void> {
  switch (operation) {
    case 'backup': {
      const mode = random.pick(['freeze', 'snapshot'] as const);
      const compressionLevel = random.int(0, 9);
      const bufferSize = random.pick([1024, 8192, 65536, 1048576]);
      report({ t: 'start', operation, detail: `${mode} mode, level ${compressionLevel}, buffer ${bufferSize}` });
      await db.backup(join(directory, 'out', 'full.zip'), { mode, compressionLevel, bufferSize });
      return;
    }
    case 'incremental':
      report({ t: 'start', operation, detail: 'into chain/' });
      await db.incrementalBackup(join(directory, 'chain'));
      return;
    case 'restore-archive':
      report({ t: 'start', operation, detail: 'from backup.zip' });
      await db.restore(join(directory, 'backup.zip'));
      return;
    case 'restore-chain':
      report({ t: 'start', operation, detail: 'from chain/' });
      await db.restore(`${join(directory, 'chain')}/`);
      return;
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [operation, directory, seedText] = argv;
  if (!(CRASH_OPERATIONS as readonly string[]).includes(operation ?? '') || directory === undefined || seedText === undefined) {
    process.stderr.write(`usage: crash-child <${CRASH_OPERATIONS.join('|')}> <directory> <seed>\n`);
    process.exit(2);
  }
  const seed = Number(seedText);
  const db = await Database.open(`plocal:${join(directory, 'db')}`, 'admin', 'admin', CRASH_CHILD_OPTIONS);
  report({ t: 'ready' });
  const writer = startWriter(db, 1);
  const random = seededRandom(seed);
  const restores: CrashOperation[] = operation === 'restore-chain' ? ['restore-chain', 'restore-archive'] : ['restore-archive', 'restore-chain'];
  for (let round = 0; ; round++) {
    // Let a few writes through first, so that each operation meets a log with something in it.
    await new Promise((resolve) => setTimeout(resolve, random.int(0, 5)));
    const next = operation.startsWith('restore') ? restores[round % 2]! : (operation as CrashOperation);
    try {
      await runOperation(db, next, directory, random);
      report({ t: 'done' });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      report({ t: 'failed', code: typeof code === 'string' ? code : 'UNCODED', message: error instanceof Error ? error.message : String(error) });
      await writer.stop();
      process.exit(1);
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`crash-child failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
