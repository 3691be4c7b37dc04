/**
 * The fault-trial runner: for an operation, fail its Nth file-system call (each errno, once and
 * persistently) and check what it leaves behind.
 *
 * Every trial starts from a copy of the world (`fault-world.ts`), opens the database through a
 * {@link FaultyFileSystem}, makes a few acknowledged writes, arms the fault and runs the
 * operation. Then, with the disk healed:
 * 1. a rejection carries a known error code (never an uncoded error, never `ERR_INTERNAL`);
 * 2. the operation's own checks run (`checkResolved` / `checkRejected`);
 * 3. no temporary file is left anywhere: for a one-off fault at once (except the one file whose
 *    clean-up the fault itself failed), and for any fault after a restart (close, reopen, the
 *    subject's `recover`: the next backup, say), which must remove what a failed clean-up left;
 * 4. the session is not frozen and takes a write; only when an injected fault hit the database's
 *    own files may the session have failed, and then a reopen takes the write;
 * 5. the database reopened on a healthy disk holds every acknowledged write: its dump is the one
 *    the operation promises (`expectedDump`) plus the probe writes.
 *
 * `FAULT_TRIALS=all` sweeps N = 1, 2, ... until the operation succeeds without a fault; by default
 * a seeded sample of N (`FAULT_SAMPLE` per errno and mode, default 6; the first and last call
 * always among them) keeps the run short. `FAULT_SEED` replays a sample.
 */
import { Database, canonicalJson } from '../../../src/engine/index.js';
import { ERROR_CODES, isCodedError } from '../../../src/errors.js';
import { FaultyFileSystem, INJECTABLE_ERRNOS, type InjectableErrno, type MemoryFileSystem } from '../../../src/fs/index.js';
import { seedFromEnvironment, seededRandom } from '../../../src/testing/seeded-random.js';
import { FAST, treeOf, within } from './databases.js';
import { WORLD, type WorldTemplate } from './fault-world.js';

/** How long a write may take before the database counts as frozen. */
const WRITE_DEADLINE_MS = 5_000;

/** A trial in progress, as the operation's hooks see it. */
export interface Trial {
  readonly memory: MemoryFileSystem;
  readonly fs: FaultyFileSystem;
  /** The session the operation runs on. */
  readonly db: Database;
  readonly template: WorldTemplate;
  /** The dump after the acknowledged writes, before the operation. */
  readonly dumpBefore: string;
  /** The database directory's files before the operation (lock file left out). */
  readonly treeBefore: Record<string, string>;
  readonly persistent: boolean;
  readonly label: string;
}

/** An operation under fault trials. */
export interface FaultSubject<T = unknown> {
  readonly name: string;
  /**
   * Checkpoint before the operation, so that the database's files are at rest and can be compared
   * byte for byte afterwards (a restore). Otherwise the acknowledged writes wait in the log, and
   * the operation's own checkpoint (a backup's) writes the data files under the faults too.
   */
  readonly atRest?: boolean;
  /** Runs the operation on `trial.db`. */
  run(trial: Trial): Promise<T>;
  /** Checks after a success. */
  checkResolved?(trial: Trial, value: T): Promise<void>;
  /** Checks after a failure (the disk already healed, before any recovery). */
  checkRejected?(trial: Trial, error: unknown): Promise<void>;
  /** What a restart does besides reopening the database (the next incremental backup, say). */
  recover?(trial: Trial): Promise<void>;
  /**
   * The dump the database must have once reopened on a healthy disk. `'indefinite'` outcomes (a
   * persistent fault that kept the operation from learning whether it took effect) may allow two.
   */
  expectedDumps(trial: Trial, outcome: Outcome): readonly string[];
}

/** How a trial's operation ended. */
export type Outcome = { readonly resolved: true } | { readonly resolved: false; readonly code: string };

/** Counts over a sweep, printed at its end. */
export interface SweepReport {
  trials: number;
  faultsInjected: number;
  resolved: number;
  rejected: Map<string, number>;
  reopenedToWrite: number;
  durations: number;
}

/** A name left by a process that is not running: a temporary file, a staging directory, a lock. */
export function isLeftover(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1).replace(/\/$/, '');
  return (
    name.endsWith('.tmp') ||
    name.endsWith('.export-tmp') ||
    /^\..+\.restore-[0-9a-f]{12}$/.test(name) ||
    name === '.incremental-backup.lock' ||
    (name === 'database.lock' && path !== `${WORLD.db.slice(1)}/database.lock`)
  );
}

/** The leftovers anywhere in the world (the open database's lock file excepted). */
export async function leftovers(memory: MemoryFileSystem, databaseOpen: boolean): Promise<string[]> {
  const tree = await treeOf(memory, '/');
  return Object.keys(tree).filter((path) => isLeftover(path) || (!databaseOpen && path === `${WORLD.db.slice(1)}/database.lock`));
}

/** The dump with the records the trials' probes inserted left out. */
export function withoutProbes(dump: string): string {
  const parsed = JSON.parse(dump) as { classes: { name: string; records: { content: Record<string, unknown> }[] }[] };
  for (const info of parsed.classes) info.records = info.records.filter((record) => record.content.probe === undefined);
  return canonicalJson(parsed as never);
}

/** The values of N to try for an operation that makes `total` calls without a fault. */
export function failPoints(total: number, sample: number, random: ReturnType<typeof seededRandom>): number[] {
  const all = Array.from({ length: total }, (_, i) => i + 1);
  if (total <= sample) return all;
  const middle = random.sample(all.slice(1, -1), sample - 2);
  return [1, ...middle.sort((a, b) => a - b), total];
}

/** The sweep settings from the environment. */
export function sweepSettings(environment: NodeJS.ProcessEnv = process.env): { exhaustive: boolean; sample: number; seed: number } {
  const exhaustive = environment.FAULT_TRIALS === 'all';
  const sample = Number(environment.FAULT_SAMPLE ?? 6);
  if (!Number.isSafeInteger(sample) || sample < 2) throw new RangeError(`FAULT_SAMPLE must be an integer of at least 2, got ${environment.FAULT_SAMPLE}`);
  return { exhaustive, sample, seed: seedFromEnvironment('FAULT_SEED', environment) };
}

async function startTrial(template: WorldTemplate, atRest: boolean, persistent: boolean, label: string): Promise<Trial> {
  const memory = template.memory.processCrashCopy();
  const fs = new FaultyFileSystem(memory);
  const db = await Database.open(WORLD.url, 'admin', 'admin', { ...FAST, fs });
  // Acknowledged writes the trial must keep.
  const item = (await db.insert('Item', { acknowledged: 1 })).rid;
  await db.update(item, { acknowledged: 2 });
  await db.insert('Other', { acknowledged: 3 });
  if (atRest) await db.storage.checkpoint();
  const dumpBefore = await db.dump();
  const treeBefore = await treeOf(memory, WORLD.db, (name) => name === 'database.lock');
  return { memory, fs, db, template, dumpBefore, treeBefore, persistent, label };
}

/** Runs `subject` once without a fault; resolves how many calls it made. */
export async function countCalls(subject: FaultSubject, template: WorldTemplate): Promise<number> {
  const trial = await startTrial(template, subject.atRest === true, false, `${subject.name}: counting run`);
  trial.fs.arm({ failAt: Number.POSITIVE_INFINITY });
  const value = await subject.run(trial);
  const total = trial.fs.counted;
  await subject.checkResolved?.(trial, value);
  await trial.db.close();
  return total;
}

/** A failure of a trial, naming it so that it can be replayed. */
function trialError(trial: Trial, message: string): Error {
  return new Error(`${trial.label}: ${message}`);
}

/** Runs one trial: fails call `failAt` with `errno`, once or persistently, then checks everything. */
export async function runTrial(subject: FaultSubject, template: WorldTemplate, failAt: number, errno: InjectableErrno, persistent: boolean, report: SweepReport): Promise<void> {
  const label = `${subject.name}, ${errno} at call ${failAt}${persistent ? ' and after' : ''}`;
  const trial = await startTrial(template, subject.atRest === true, persistent, label);
  const hitDatabase: boolean[] = [];
  const failedPaths = new Set<string>();
  const stop = trial.fs.observe((call) => {
    if (call.failed === undefined) return;
    hitDatabase.push(call.paths.some((path) => path === WORLD.db || path.startsWith(`${WORLD.db}/`)));
    for (const path of call.paths) failedPaths.add(path.slice(1));
  });
  const injectedBefore = trial.fs.injected;
  trial.fs.arm({ failAt, errno, persistent });
  let outcome: Outcome;
  let value: unknown;
  let failure: unknown;
  try {
    value = await within(subject.run(trial), 20_000, label);
    outcome = { resolved: true };
  } catch (error) {
    failure = error;
    if (!isCodedError(error) || !(error.code in ERROR_CODES)) throw trialError(trial, `rejected with an uncoded error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (error.code === 'ERR_INTERNAL') throw trialError(trial, `rejected with ERR_INTERNAL: ${error.message}`);
    outcome = { resolved: false, code: error.code };
  }
  stop();
  trial.fs.heal();
  report.trials++;
  report.faultsInjected += trial.fs.injected - injectedBefore;
  if (outcome.resolved) report.resolved++;
  else report.rejected.set(outcome.code, (report.rejected.get(outcome.code) ?? 0) + 1);

  if (outcome.resolved) await subject.checkResolved?.(trial, value);
  else await subject.checkRejected?.(trial, failure);
  if (!persistent) {
    // A one-off fault may leave only the file whose clean-up (reading or removing it) it failed.
    const left = (await leftovers(trial.memory, true)).filter((path) => !failedPaths.has(path));
    if (left.length > 0) throw trialError(trial, `left ${left.join(', ')}`);
  }

  // The session: not frozen, and it takes a write.
  let session = trial.db;
  try {
    await within(session.insert('Item', { probe: 1 }), WRITE_DEADLINE_MS, `${label}: a write after the operation`);
  } catch (error) {
    if (!isCodedError(error)) throw trialError(trial, `a write after the operation failed without a code: ${String(error)}`);
    if (!hitDatabase.some(Boolean)) throw trialError(trial, `no fault hit the database's files, yet a write after the operation failed: ${error.code} ${error.message}`);
    await session.close().catch(() => undefined);
    session = await Database.open(WORLD.url, 'admin', 'admin', { ...FAST, fs: trial.fs });
    await within(session.insert('Item', { probe: 2 }), WRITE_DEADLINE_MS, `${label}: a write after reopening`);
    report.reopenedToWrite++;
  }
  await session.close();

  // A restart on a healthy disk: recovery, then every acknowledged write is there.
  const reopened = await Database.open(WORLD.url, 'admin', 'admin', { ...FAST, fs: trial.memory });
  const dump = withoutProbes(await reopened.dump());
  await subject.recover?.({ ...trial, db: reopened });
  await reopened.close();
  const expected = subject.expectedDumps(trial, outcome).map(withoutProbes);
  if (!expected.includes(dump)) {
    throw trialError(trial, `after ${outcome.resolved ? 'success' : `failure (${outcome.code})`} the reopened database is neither of the expected states:\n${dump}\nexpected one of\n${expected.join('\n')}`);
  }
  const left = await leftovers(trial.memory, false);
  if (left.length > 0) throw trialError(trial, `after a restart, left ${left.join(', ')}`);
}

/** A fresh report. */
export function emptyReport(): SweepReport {
  return { trials: 0, faultsInjected: 0, resolved: 0, rejected: new Map(), reopenedToWrite: 0, durations: 0 };
}

/** One line summing up a sweep. */
export function describeReport(name: string, report: SweepReport, seed: number, exhaustive: boolean): string {
  const codes = [...report.rejected.entries()].map(([code, count]) => `${code} ${count}`).join(', ');
  return `[faults] ${name}: ${report.trials} trials (${exhaustive ? 'every N' : `sampled N, FAULT_SEED=${seed}`}), ${report.faultsInjected} faults injected, ${report.resolved} resolved, rejected: ${codes || 'none'}, ${report.reopenedToWrite} needed a reopen to write`;
}

/**
 * Sweeps `subject`: for each errno, once and persistently, every N (or a sample) from 1 to the
 * call count of a fault-free run; in exhaustive mode, on past that count until a run succeeds
 * without a fault injected.
 */
export async function sweep(subject: FaultSubject, template: WorldTemplate, settings = sweepSettings()): Promise<SweepReport> {
  const report = emptyReport();
  const total = await countCalls(subject, template);
  const random = seededRandom(settings.seed);
  for (const errno of INJECTABLE_ERRNOS) {
    for (const persistent of [false, true]) {
      if (settings.exhaustive) {
        for (let failAt = 1; ; failAt++) {
          const before = report.faultsInjected;
          await runTrial(subject, template, failAt, errno, persistent, report);
          if (report.faultsInjected === before) break;
        }
      } else {
        for (const failAt of failPoints(total, settings.sample, random)) await runTrial(subject, template, failAt, errno, persistent, report);
      }
    }
  }
  return report;
}
