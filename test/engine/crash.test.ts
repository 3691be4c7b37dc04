import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { CRASH_CLASSES, type CrashReport, crashContent } from '../../src/engine/testing/crash-writer.js';
import { seededRandom } from '../../src/testing/seeded-random.js';
import { FAST, tempDir } from './_helpers.js';

/** The compiled writer (test/global-setup.ts builds dist/ from the same sources before the tests). */
const WRITER = fileURLToPath(new URL('../../dist/src/engine/testing/crash-writer.js', import.meta.url));
const TRIALS = Number(process.env.ENGINE_CRASH_TRIALS ?? 50);
const SEED = process.env.ENGINE_CRASH_SEED === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0 : Number(process.env.ENGINE_CRASH_SEED);
const CHAINS = 2;
/** Trials on one database before a chain starts a fresh one (keeps the database, and the trials, small). */
const TRIALS_PER_DATABASE = 25;

/** The acknowledged state of a record. */
interface Known {
  readonly loop: number;
  readonly version: number;
  readonly seq: number;
  readonly size: number;
}

type Begin = Extract<CrashReport, { t: 'begin' | 'ack' }>;

interface TrialOutcome {
  readonly acknowledged: number;
  readonly killedBeforeReady: boolean;
}

/**
 * Runs the writer and kills it with SIGKILL `delayMs` after it reported `ready` (its database is
 * open), or, with `early`, `delayMs` after it started (perhaps during recovery). Returns what it
 * reported.
 */
async function runWriter(directory: string, seed: number, firstSequence: number, delayMs: number, early: boolean) {
  const child = spawn(process.execPath, [WRITER, directory, String(seed), String(firstSequence)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  if (!early) {
    const ready = new Promise<void>((resolve) => {
      const check = (): void => {
        if (stdout.includes('"t":"ready"')) resolve();
      };
      child.stdout.on('data', check);
    });
    await Promise.race([ready, exited, sleep(10_000)]);
  }
  await Promise.race([sleep(delayMs), exited]);
  child.kill('SIGKILL');
  const { code, signal } = await exited;
  if (signal !== 'SIGKILL') throw new Error(`the writer exited by itself (code ${code}): ${stderr}`);
  const reports = stdout
    .split('\n')
    .filter((line) => line.startsWith('{') && line.endsWith('}'))
    .map((line) => JSON.parse(line) as CrashReport);
  return { reports, stderr };
}

/** Opens the crashed database, checks it against the acknowledged state, and updates the state to what survived. */
async function verify(directory: string, known: Map<string, Known>, deleted: Set<string>, inFlight: Map<number, Begin>): Promise<void> {
  const db = await Database.open(`plocal:${directory}`, 'admin', 'admin');
  try {
    const found = new Map<string, { version: number; content: unknown; loop: number }>();
    for (const [loop, className] of CRASH_CLASSES.entries()) {
      let count = 0;
      for await (const record of db.scan(className)) {
        found.set(record.rid, { version: record.version, content: record.content, loop });
        expect(await db.load(record.rid)).toEqual(record);
        count++;
      }
      expect(await db.count(className)).toBe(count);
    }
    const pendingOn = (rid: string): Begin | undefined => [...inFlight.values()].find((begin) => begin.rid === rid);
    for (const [rid, expected] of known) {
      const actual = found.get(rid);
      const pending = pendingOn(rid);
      if (actual === undefined) {
        if (pending?.op !== 'delete') throw new Error(`acknowledged record ${rid} (version ${expected.version}) is missing`);
        known.delete(rid);
        deleted.add(rid);
        continue;
      }
      const matches = (version: number, seq: number, size: number): boolean =>
        actual.version === version && JSON.stringify(actual.content) === JSON.stringify(crashContent(expected.loop, seq, size));
      if (matches(expected.version, expected.seq, expected.size)) continue;
      if (pending?.op === 'update' && matches(expected.version + 1, pending.seq, pending.size!)) {
        known.set(rid, { loop: expected.loop, version: expected.version + 1, seq: pending.seq, size: pending.size! });
        continue;
      }
      throw new Error(`record ${rid} holds version ${actual.version}, not the acknowledged ${expected.version} (or an in-flight update)`);
    }
    for (const [rid, actual] of found) {
      if (known.has(rid)) continue;
      if (deleted.has(rid)) throw new Error(`deleted record ${rid} came back`);
      const pending = inFlight.get(actual.loop);
      const content = pending?.op === 'insert' ? crashContent(actual.loop, pending.seq, pending.size!) : undefined;
      if (actual.version !== 1 || JSON.stringify(actual.content) !== JSON.stringify(content)) {
        throw new Error(`record ${rid} exists but was never acknowledged nor in flight`);
      }
      known.set(rid, { loop: actual.loop, version: 1, seq: pending!.seq, size: pending!.size! });
    }
  } finally {
    await db.close();
  }
}

/** Databases crashed and reopened `trials` times in all, each up to {@link TRIALS_PER_DATABASE} times in a row. */
async function chain(chainIndex: number, trials: number): Promise<TrialOutcome[]> {
  const dir = await tempDir('engine-crash-');
  const random = seededRandom((SEED + chainIndex * 7919) >>> 0).next;
  try {
    let directory = '';
    let known = new Map<string, Known>();
    let deleted = new Set<string>();
    const outcomes: TrialOutcome[] = [];
    for (let trial = 0; trial < trials; trial++) {
      if (trial % TRIALS_PER_DATABASE === 0) {
        directory = join(dir.path, `db-${trial}`);
        const db = await Database.create(`plocal:${directory}`, FAST);
        for (const name of CRASH_CLASSES) await db.createClass(name);
        await db.close();
        known = new Map();
        deleted = new Set();
      }
      // One trial in five is killed early, often while it opens (and recovers) the database.
      const early = random() < 0.2;
      const delay = early ? 20 + Math.floor(random() * 200) : 5 + Math.floor(random() * 300);
      const { reports } = await runWriter(directory, Math.floor(random() * 2 ** 31), (trial + 1) * 10_000_000, delay, early);
      const inFlight = new Map<number, Begin>();
      let acknowledged = 0;
      for (const report of reports) {
        if (report.t === 'ready') continue;
        if (report.t === 'begin') {
          inFlight.set(report.loop, report);
          continue;
        }
        inFlight.delete(report.loop);
        acknowledged++;
        if (report.op === 'delete') {
          known.delete(report.rid!);
          deleted.add(report.rid!);
        } else {
          known.set(report.rid!, { loop: report.loop, version: report.version!, seq: report.seq, size: report.size! });
        }
      }
      try {
        await verify(directory, known, deleted, inFlight);
      } catch (error) {
        throw new Error(`chain ${chainIndex}, trial ${trial} (ENGINE_CRASH_SEED=${SEED}): ${(error as Error).message}`, { cause: error });
      }
      outcomes.push({ acknowledged, killedBeforeReady: !reports.some((report) => report.t === 'ready') });
    }
    return outcomes;
  } finally {
    await dir.cleanup();
  }
}

describe('kill -9 crash trials', () => {
  const summary: string[] = [];
  afterAll(() => console.log(summary.join('\n')));

  it(`holds every acknowledged write after SIGKILL at random moments (${TRIALS} trials, ENGINE_CRASH_SEED=${SEED})`, async () => {
    const perChain = Math.ceil(TRIALS / CHAINS);
    const results = (await Promise.all(Array.from({ length: CHAINS }, (_, index) => chain(index, perChain)))).flat();
    const acknowledged = results.reduce((sum, outcome) => sum + outcome.acknowledged, 0);
    summary.push(
      `crash trials: ${results.length}, acknowledged writes checked: ${acknowledged}, ` +
        `killed before the database was open: ${results.filter((outcome) => outcome.killedBeforeReady).length} (ENGINE_CRASH_SEED=${SEED})`,
    );
    expect(results.length).toBeGreaterThanOrEqual(TRIALS);
    // Most trials must have got as far as writing, or the test proves little.
    expect(results.filter((outcome) => outcome.acknowledged > 0).length).toBeGreaterThan(results.length / 2);
  }, Math.max(60_000, TRIALS * 2_000));
});
