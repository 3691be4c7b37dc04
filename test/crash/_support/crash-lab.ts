/**
 * The crash trials' laboratory: a template directory on the real disk, a child process
 * (`src/testing/crash-child.ts`) killed with SIGKILL at a chosen moment, and the checks of what
 * it left behind.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '../../../src/engine/index.js';
import { isCodedError } from '../../../src/errors.js';
import { restoreToNewDatabase } from '../../../src/restore/index.js';
import { CRASH_CLASS, type CrashChildReport, type CrashOperation } from '../../../src/testing/crash-child.js';
import { verifyBackup } from '../../../src/verify/index.js';
import { FAST, within } from '../../faults/_support/databases.js';

/** The compiled child (test/global-setup.ts builds dist/ from the same sources first). */
export const CHILD = fileURLToPath(new URL('../../../dist/src/testing/crash-child.js', import.meta.url));

/** The template every trial copies, and the `Item` records of each state a restore may leave. */
export interface CrashTemplate {
  readonly root: string;
  readonly directory: string;
  /** The `Item` records of the database before any trial. */
  readonly oldItems: string;
  /** ... of `backup.zip`. */
  readonly archiveItems: string;
  /** ... the chain restores to. */
  readonly chainItems: string;
}

type Parsed = { classes: { name: string; records: { rid: string; version: number; content: Record<string, unknown> }[] }[] };

function classRecords(dump: string, name: string): Parsed['classes'][number]['records'] {
  return (JSON.parse(dump) as Parsed).classes.find((info) => info.name === name)?.records ?? [];
}

function itemsOf(dump: string): string {
  return JSON.stringify(classRecords(dump, 'Item'));
}

function crashSeqs(dump: string): number[] {
  return classRecords(dump, CRASH_CLASS)
    .map((record) => record.content.seq)
    .filter((seq): seq is number => typeof seq === 'number')
    .sort((a, b) => a - b);
}

/** Builds the template: `db/` (150 items and an empty `Crash` class), `backup.zip`, a chain of two files in `chain/`, an empty `out/`. */
export async function buildTemplate(): Promise<CrashTemplate> {
  const root = await mkdtemp(join(tmpdir(), 'crash-trials-'));
  const directory = join(root, 'template');
  await mkdir(join(directory, 'out'), { recursive: true });
  const db = await Database.create(`plocal:${join(directory, 'db')}`, FAST);
  await db.createClass('Item');
  await db.createClass(CRASH_CLASS);
  const rids: string[] = [];
  for (let i = 0; i < 150; i++) rids.push((await db.insert('Item', { n: i, text: `item ${i} `.repeat(100) })).rid);
  await db.backup(join(directory, 'backup.zip'));
  const archiveItems = itemsOf(await db.dump());
  await db.incrementalBackup(join(directory, 'chain'));
  for (let i = 0; i < 30; i++) await db.update(rids[i]!, { n: i, updated: true });
  await db.incrementalBackup(join(directory, 'chain'));
  const chainItems = itemsOf(await db.dump());
  for (let i = 30; i < 40; i++) await db.delete(rids[i]!);
  for (let i = 0; i < 10; i++) await db.insert('Item', { n: 1000 + i, later: true });
  const oldItems = itemsOf(await db.dump());
  await db.close();
  return { root, directory, oldItems, archiveItems, chainItems };
}

/** When to kill the child: `delayMs` after it started (`startup`) or after it reported `ready` (its operations running). */
export interface KillPlan {
  readonly phase: 'startup' | 'operation';
  readonly delayMs: number;
}

/** What the child reported before it died. */
export interface ChildRun {
  readonly reports: readonly CrashChildReport[];
  readonly stderr: string;
  /** Milliseconds from the first operation's start to its end, when it ended. */
  readonly operationMs: number | undefined;
  readonly killed: boolean;
}

/** Runs the child in `directory`; kills it as `plan` says (never, when undefined: it is then killed once the operation is done). */
export async function runChild(operation: CrashOperation, directory: string, seed: number, plan: KillPlan | undefined): Promise<ChildRun> {
  const child = spawn(process.execPath, [CHILD, operation, directory, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reports: CrashChildReport[] = [];
  let stderr = '';
  let pending = '';
  let startedAt: number | undefined;
  let operationMs: number | undefined;
  const waiters: { type: CrashChildReport['t']; resolve: () => void }[] = [];
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    pending += text;
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (!line.startsWith('{')) continue;
      const report = JSON.parse(line) as CrashChildReport;
      reports.push(report);
      if (report.t === 'start') startedAt ??= performance.now();
      if (report.t === 'done' && startedAt !== undefined) operationMs ??= performance.now() - startedAt;
      for (const waiter of waiters.filter((candidate) => candidate.type === report.t)) waiter.resolve();
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const seen = (type: CrashChildReport['t']): Promise<void> =>
    reports.some((report) => report.t === type) ? Promise.resolve() : new Promise((resolve) => waiters.push({ type, resolve }));
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  if (plan === undefined) await Promise.race([seen('done'), seen('failed'), exited]);
  else if (plan.phase === 'startup') await Promise.race([sleep(plan.delayMs), exited]);
  else {
    await Promise.race([seen('ready'), seen('failed'), exited, sleep(15_000)]);
    await Promise.race([sleep(plan.delayMs), exited]);
  }
  child.kill('SIGKILL');
  const { code, signal } = await exited;
  if (signal !== 'SIGKILL') {
    throw new Error(`the child (${operation}) exited by itself with code ${code}: ${stderr || JSON.stringify(reports.slice(-3))}`);
  }
  return { reports, stderr, operationMs, killed: true };
}

/** A directory of the trial's tree that a process left behind (temporary file, staging directory, lock). */
function isLeftover(name: string): boolean {
  return name.endsWith('.tmp') || /\.restore-[0-9a-f]{12}$/.test(name) || name.endsWith('.lock');
}

async function leftoversUnder(directory: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(directory, relative), { withFileTypes: true })) {
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (isLeftover(entry.name)) found.push(name);
      if (entry.isDirectory()) await walk(name);
    }
  };
  await walk('');
  return found;
}

/** The outcome of one trial's checks, for the summary. */
export interface TrialVerdict {
  /** For restores: whether the database was found as the interrupted restore left it before (`old`) or after it (`new`). */
  readonly state: 'old' | 'new' | 'unchanged';
  /** Operations the child completed before it died. */
  readonly completed: number;
  /** Whether the kill landed inside an operation (rather than before the first or between two). */
  readonly interrupted: boolean;
  readonly acknowledged: number;
}

/** The `Item` records a restore of `operation`'s source gives. */
function restoredItems(template: CrashTemplate, operation: CrashOperation): string {
  return operation === 'restore-archive' ? template.archiveItems : template.chainItems;
}

/**
 * Checks the trial directory after the child died:
 * - the database opens (recovery finishes or undoes an interrupted restore), is not frozen (a
 *   write completes) and holds every write the child acknowledged, its writes a gap-free prefix
 *   (after restores: every write acknowledged after the last restore it finished);
 * - restores left exactly the database of the last one finished (or the old one) or exactly that
 *   of the interrupted one, never a mix;
 * - full backups left nothing at the target (none finished) or a complete archive that verifies
 *   and restores to a state the database went through, and the next backup to the path works;
 * - incremental backups left a chain that verifies, holding a file for each one finished, and the
 *   next incremental backup into it works and the chain restores to the database;
 * - no temporary file, staging directory or lock is left once that recovery ran.
 */
export async function checkAfterCrash(template: CrashTemplate, operation: CrashOperation, directory: string, run: ChildRun): Promise<TrialVerdict> {
  const failed = run.reports.find((report) => report.t === 'failed');
  if (failed !== undefined) throw new Error(`the child's ${operation} failed: ${JSON.stringify(failed)}`);
  const seqOf = (report: CrashChildReport): number => (report as { seq: number }).seq;
  const acks = run.reports.filter((report) => report.t === 'ack').map(seqOf);
  const begun = run.reports.filter((report) => report.t === 'begin').map(seqOf);
  const starts = run.reports.flatMap((report, index) => (report.t === 'start' ? [{ index, operation: report.operation }] : []));
  const dones = run.reports.flatMap((report, index) => (report.t === 'done' ? [index] : []));
  const acknowledged = acks.length === 0 ? 0 : Math.max(...acks);
  const maxBegun = begun.length === 0 ? 0 : Math.max(...begun);
  const interrupted = starts.length > dones.length;
  const lastDone = dones.length === 0 ? -1 : dones[dones.length - 1]!;

  const url = `plocal:${join(directory, 'db')}`;
  const db = await Database.open(url, 'admin', 'admin', FAST);
  let state: TrialVerdict['state'] = 'unchanged';
  try {
    const dump = await db.dump();
    const items = itemsOf(dump);
    const seqs = crashSeqs(dump);
    const prefix = seqs.every((seq, i) => seq === i + 1);
    if (operation.startsWith('restore')) {
      const before = dones.length === 0 ? template.oldItems : restoredItems(template, starts[dones.length - 1]!.operation);
      const after = interrupted ? restoredItems(template, starts[starts.length - 1]!.operation) : undefined;
      if (items === before) state = 'old';
      else if (items === after) state = 'new';
      else throw new Error(`after ${dones.length} restores and a crash ${interrupted ? 'during' : 'after'} the next, the database is neither of the two states it may be in`);
      if (state === 'old') {
        // Writes acknowledged since the last finished restore (all of them, before any) are there.
        const required = dones.length === 0 ? acks : run.reports.slice(lastDone).filter((report) => report.t === 'ack').map(seqOf);
        for (const seq of required) if (!seqs.includes(seq)) throw new Error(`write ${seq}, acknowledged after the last finished restore, is lost`);
        if (dones.length === 0 && !prefix) throw new Error(`the old database's writes have gaps: ${JSON.stringify(seqs)}`);
      }
      for (const seq of seqs) if (seq > maxBegun) throw new Error(`the database holds write ${seq}, never begun`);
    } else {
      if (items !== template.oldItems) throw new Error(`a crash during ${operation} changed the database's items`);
      if (!(prefix && seqs.length >= acknowledged && seqs.length <= maxBegun)) {
        throw new Error(`acknowledged writes lost: found ${seqs.length} (${prefix ? 'a prefix' : 'with gaps'}), acknowledged up to ${acknowledged}, begun up to ${maxBegun}`);
      }
    }
    await within(db.insert(CRASH_CLASS, { parent: true }), 5_000, 'a write after the crash');

    if (operation === 'backup') await checkFullBackup(template, db, directory, dones.length);
    if (operation === 'incremental') await checkChain(db, directory, dones.length);
  } finally {
    await db.close();
  }
  const left = await leftoversUnder(directory);
  if (left.length > 0) throw new Error(`left behind after recovery: ${left.join(', ')}`);
  return { state, completed: dones.length, interrupted, acknowledged };
}

async function checkFullBackup(template: CrashTemplate, db: Database, directory: string, done: number): Promise<boolean> {
  const target = join(directory, 'out', 'full.zip');
  const present = (await readdir(join(directory, 'out'))).includes('full.zip');
  if (done > 0 && !present) throw new Error('a backup reported done, yet nothing is at its path');
  if (present) {
    const report = await verifyBackup(target);
    if (!report.valid) throw new Error(`the archive at the backup path does not verify: ${report.lines.join('; ')}`);
    const restoredUrl = `plocal:${join(directory, 'restored')}`;
    await restoreToNewDatabase(target, restoredUrl);
    const restored = await Database.open(restoredUrl, 'admin', 'admin', FAST);
    const dump = await restored.dump();
    await restored.close();
    if (itemsOf(dump) !== template.oldItems || !crashSeqs(dump).every((seq, i) => seq === i + 1)) {
      throw new Error('the archive restores to a state the database never was in');
    }
    await rm(join(directory, 'restored'), { recursive: true, force: true });
  }
  await db.backup(target);
  if (!(await verifyBackup(target)).valid) throw new Error('the next backup to the path does not verify');
  const names = await readdir(join(directory, 'out'));
  if (names.join() !== 'full.zip') throw new Error(`the output directory holds ${names.join(', ')} after the next backup`);
  return present;
}

async function checkChain(db: Database, directory: string, done: number): Promise<boolean> {
  const chain = join(directory, 'chain');
  const files = (await readdir(chain)).filter((name) => name.endsWith('.ibu'));
  if (files.length < 2 + done) throw new Error(`${done} incremental backups reported done, yet the chain holds ${files.length} files (2 before)`);
  const report = await verifyBackup(chain);
  if (!report.valid) throw new Error(`the chain does not verify after the crash: ${report.lines.join('; ')}`);
  try {
    await db.incrementalBackup(chain);
  } catch (error) {
    throw new Error(`the next incremental backup fails: ${isCodedError(error) ? error.code : ''} ${String(error)}`);
  }
  const dump = await db.dump();
  const restoredUrl = `plocal:${join(directory, 'restored')}`;
  await restoreToNewDatabase(`${chain}/`, restoredUrl);
  const restored = await Database.open(restoredUrl, 'admin', 'admin', FAST);
  const restoredDump = await restored.dump();
  await restored.close();
  if (restoredDump !== dump) throw new Error('the extended chain does not restore to the database');
  await rm(join(directory, 'restored'), { recursive: true, force: true });
  return files.length > 2;
}

/** Copies the template to a fresh trial directory. */
export async function trialDirectory(template: CrashTemplate, name: string): Promise<string> {
  const directory = join(template.root, name);
  await cp(template.directory, directory, { recursive: true });
  return directory;
}
