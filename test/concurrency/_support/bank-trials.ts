/**
 * The concurrency trials' runner: writers run the bank-transfer workload (`bank.ts`, where the
 * invariant and why it needs no multi-record transaction are explained) while full backups run in
 * freeze and snapshot modes and incremental backups extend a chain. Each trial checks:
 * - every restored state keeps the invariant (the archive; the chain at every index), and holds
 *   every transfer completed before the backup was called;
 * - every write acknowledged during the backup is in the live database after it (each writer's
 *   completed transfers all there, nothing in flight once the writers stopped), and after the
 *   database is reopened from its files.
 *
 * `CONCURRENCY_TRIALS=<n>` (default 40 per mode) sets the number of trials of each mode;
 * `CONCURRENCY_SEED=<seed>` replays the random choices (accounts, amounts, delays, levels). Most
 * trials run on a MemoryFileSystem (fast); every twentieth runs on the real disk.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { Database } from '../../../src/engine/index.js';
import { type FileSystem, MemoryFileSystem, nodeFileSystem } from '../../../src/fs/index.js';
import { restoreToNewDatabase } from '../../../src/restore/index.js';
import { seedFromEnvironment, seededRandom } from '../../../src/testing/seeded-random.js';
import { FAST } from '../../faults/_support/databases.js';
import { checkBank, openBank, startWriter } from './bank.js';

/** The trials of each mode (`CONCURRENCY_TRIALS`, default 40). */
export const TRIALS = Number(process.env.CONCURRENCY_TRIALS ?? 40);
/** The seed of the run (`CONCURRENCY_SEED`). */
export const SEED = seedFromEnvironment('CONCURRENCY_SEED');
const ACCOUNTS = 5;
const WRITERS = 3;

/** How the backups of a trial run. */
export type BankMode = 'freeze' | 'snapshot' | 'incremental';

/** A bank database on a MemoryFileSystem, closed, that trials copy. */
export async function bankTemplate(): Promise<MemoryFileSystem> {
  const template = new MemoryFileSystem();
  const db = await Database.create('plocal:/bank/db', { ...FAST, fs: template });
  await openBank(db, ACCOUNTS);
  await db.close();
  return template;
}

/** Copies the template bank to a fresh place: a memory copy, or every twentieth trial a directory under `disk` on the real disk. */
async function bankAt(template: MemoryFileSystem, disk: string, index: number): Promise<{ fs: FileSystem; root: string }> {
  if (index % 20 !== 19) return { fs: template.processCrashCopy(), root: '/bank' };
  const root = join(disk, `trial-${index}`);
  const copy = template.processCrashCopy();
  await nodeFileSystem.mkdir(join(root, 'db'), { recursive: true });
  for (const entry of await copy.readdir('/bank/db')) {
    const bytes = await copy.readFile(`/bank/db/${entry.name}`);
    const handle = await nodeFileSystem.open(join(root, 'db', entry.name), 'w');
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.close();
  }
  return { fs: nodeFileSystem, root };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Restores `source` into a new database on `fs` and resolves its dump. */
async function restoredDump(fs: FileSystem, source: string, directory: string, upToIndex?: number): Promise<string> {
  await restoreToNewDatabase(source, `plocal:${directory}`, upToIndex === undefined ? null : { upToIndex }, { fs });
  const db = await Database.open(`plocal:${directory}`, 'admin', 'admin', { ...FAST, fs });
  const dump = await db.dump();
  await db.close();
  await fs.rm(directory, { recursive: true, force: true });
  return dump;
}

/** Counts of a run, for its summary line. */
export interface BankRunSummary {
  trials: number;
  onDisk: number;
  transfers: number;
  restoredStates: number;
}

/** Runs `trials` trials of `mode` (see the module comment); throws at the first broken check. */
export async function runBankTrials(mode: BankMode, trials: number): Promise<BankRunSummary> {
  const template = await bankTemplate();
  const disk = await mkdtemp(join(tmpdir(), 'bank-'));
  const counts: BankRunSummary = { trials: 0, onDisk: 0, transfers: 0, restoredStates: 0 };
  try {
    for (let index = 0; index < trials; index++) {
      await runTrial(template, disk, mode, index, counts);
      counts.trials++;
    }
  } finally {
    await rm(disk, { recursive: true, force: true });
  }
  return counts;
}

async function runTrial(template: MemoryFileSystem, disk: string, mode: BankMode, index: number, counts: BankRunSummary): Promise<void> {
  const random = seededRandom((SEED + Math.imul(index + 1, 0x9e3779b1) + mode.length) >>> 0);
  const label = `${mode} trial ${index} (CONCURRENCY_SEED=${SEED})`;
  const { fs, root } = await bankAt(template, disk, index);
  if (fs === nodeFileSystem) counts.onDisk++;
  const db = await Database.open(`plocal:${root}/db`, 'admin', 'admin', { ...FAST, fs });
  const rids = (JSON.parse(await db.dump()) as { classes: { name: string; records: { rid: string; content: { id: number } }[] }[] }).classes
    .find((info) => info.name === 'Account')!
    .records.sort((a, b) => a.content.id - b.content.id)
    .map((record) => record.rid);
  const writers = Array.from({ length: WRITERS }, (_, w) => startWriter(db, rids, w, seededRandom(random.int(0, 0xffffffff))));
  await pause(random.int(0, 4));
  const completedAtStart = writers.map((writer) => writer.progress.completed);

  const sources: { source: string; upToIndex?: number }[] = [];
  if (mode === 'incremental') {
    const files = random.int(2, 3);
    for (let i = 0; i < files; i++) {
      await db.incrementalBackup(`${root}/chain`);
      await pause(random.int(0, 3));
    }
    for (let i = 0; i < files; i++) sources.push({ source: `${root}/chain/`, upToIndex: i });
  } else {
    await fs.mkdir(`${root}/out`, { recursive: true });
    await db.backup(`${root}/out/bank.zip`, { mode, compressionLevel: random.int(0, 9), bufferSize: random.pick([4096, 65536, 1048576]) });
    sources.push({ source: `${root}/out/bank.zip` });
  }
  const acknowledgedAtEnd = writers.map((writer) => writer.progress.completed);
  await pause(random.int(0, 3));
  const final = await Promise.all(writers.map((writer) => writer.stop()));

  // The live database: every acknowledged transfer there, nothing in flight.
  const live = checkBank(await db.dump(), ACCOUNTS, WRITERS, `${label}, the live database`);
  for (const progress of final) {
    expect(live.transfers.get(progress.w), `${label}: writer ${progress.w}'s transfers in the live database`).toBe(progress.completed);
    expect(progress.completed).toBeGreaterThanOrEqual(acknowledgedAtEnd[progress.w]!);
  }
  expect(live.inFlight, `${label}: money in flight after the writers stopped`).toBe(0);
  counts.transfers += final.reduce((sum, progress) => sum + progress.completed, 0);
  await db.close();

  // Every restored state: the invariant, and the transfers completed before the backup began.
  for (const [i, { source, upToIndex }] of sources.entries()) {
    const restored = checkBank(await restoredDump(fs, source, `${root}/restored`, upToIndex), ACCOUNTS, WRITERS, `${label}, restored from ${source}${upToIndex === undefined ? '' : ` up to index ${upToIndex}`}`);
    if (i === 0) {
      for (let w = 0; w < WRITERS; w++) expect(restored.transfers.get(w)!, `${label}: writer ${w}'s transfers before the backup`).toBeGreaterThanOrEqual(completedAtStart[w]!);
    }
    counts.restoredStates++;
  }

  // Reopened from its files, the database still holds everything.
  const reopened = await Database.open(`plocal:${root}/db`, 'admin', 'admin', { ...FAST, fs });
  const again = checkBank(await reopened.dump(), ACCOUNTS, WRITERS, `${label}, reopened`);
  for (const progress of final) expect(again.transfers.get(progress.w)).toBe(progress.completed);
  await reopened.close();
  if (fs === nodeFileSystem) await rm(root, { recursive: true, force: true });
}
