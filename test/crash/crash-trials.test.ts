/**
 * Crash trials: a child process (`src/testing/crash-child.ts`) writes records and runs full
 * backups, incremental backups or restores (of an archive and of a chain, in turn) one after the
 * other, and is killed with SIGKILL at a random moment: mostly while they run (a delay drawn up to
 * a few operations' time after the database is open), sometimes while it starts up and opens the
 * database. After each kill `checkAfterCrash` checks what it left (see `_support/crash-lab.ts`).
 *
 * `CRASH_TRIALS=<n>` runs more trials than the default 200 (two at a time); `CRASH_SEED=<seed>`
 * replays a run's choices (operation, kill moment, backup parameters; the instant a kill lands
 * still depends on the machine's timing), `CRASH_ONLY=<trial>` one trial of it.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRASH_OPERATIONS, type CrashOperation } from '../../src/testing/crash-child.js';
import { seedFromEnvironment, seededRandom } from '../../src/testing/seeded-random.js';
import { type CrashTemplate, type KillPlan, type TrialVerdict, buildTemplate, checkAfterCrash, runChild, trialDirectory } from './_support/crash-lab.js';

const TRIALS = Number(process.env.CRASH_TRIALS ?? 200);
const SEED = seedFromEnvironment('CRASH_SEED');
const ONLY = process.env.CRASH_ONLY === undefined ? undefined : Number(process.env.CRASH_ONLY);
const PARALLEL = 2;
/** The share of trials killed while the child starts up rather than during the operation. */
const STARTUP_SHARE = 0.1;
/** How the trials are spread over the operations. */
const WEIGHTS: Record<CrashOperation, number> = { backup: 0.35, incremental: 0.25, 'restore-archive': 0.2, 'restore-chain': 0.2 };

let template: CrashTemplate;
/** Per operation: how long it takes in the child, measured once without a kill. */
const durations = new Map<CrashOperation, number>();
let startupMs = 0;

beforeAll(async () => {
  template = await buildTemplate();
  for (const operation of CRASH_OPERATIONS) {
    const directory = await trialDirectory(template, `calibrate-${operation}`);
    const started = performance.now();
    const run = await runChild(operation, directory, 1, undefined);
    startupMs = Math.max(startupMs, performance.now() - started - (run.operationMs ?? 0));
    durations.set(operation, run.operationMs ?? 100);
    await checkAfterCrash(template, operation, directory, run);
    await rm(directory, { recursive: true, force: true });
  }
  console.log(
    `[crash] CRASH_SEED=${SEED}, ${TRIALS} trials; operation times in the child: ${[...durations].map(([operation, ms]) => `${operation} ${ms.toFixed(0)} ms`).join(', ')}; startup about ${startupMs.toFixed(0)} ms`,
  );
}, 120_000);

afterAll(async () => {
  if (template !== undefined) await rm(template.root, { recursive: true, force: true });
});

/** The operation, kill plan and seed of trial `index`, from the run's seed. */
function planOf(index: number): { operation: CrashOperation; plan: KillPlan; seed: number } {
  const random = seededRandom((SEED + Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  let dice = random.next();
  let operation: CrashOperation = 'backup';
  for (const candidate of CRASH_OPERATIONS) {
    if (dice < WEIGHTS[candidate]) {
      operation = candidate;
      break;
    }
    dice -= WEIGHTS[candidate];
  }
  const plan: KillPlan =
    random.next() < STARTUP_SHARE
      ? { phase: 'startup', delayMs: random.next() * startupMs * 1.2 }
      : { phase: 'operation', delayMs: random.next() * Math.min(800, Math.max(150, durations.get(operation)! * 2.5)) };
  return { operation, plan, seed: random.int(0, 0xffffffff) };
}

describe('crash trials (kill -9 during backups and restores)', () => {
  it(`${ONLY === undefined ? TRIALS : 1} trials leave a complete backup or none, a database holding every acknowledged write, old or new after a restore`, async () => {
    const indexes = ONLY === undefined ? Array.from({ length: TRIALS }, (_, i) => i) : [ONLY];
    const verdicts: { operation: CrashOperation; plan: KillPlan; verdict: TrialVerdict }[] = [];
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < indexes.length) {
        const index = indexes[next++]!;
        const { operation, plan, seed } = planOf(index);
        const directory = await trialDirectory(template, `trial-${index}`);
        try {
          const run = await runChild(operation, directory, seed, plan);
          verdicts.push({ operation, plan, verdict: await checkAfterCrash(template, operation, directory, run) });
          await rm(directory, { recursive: true, force: true });
        } catch (error) {
          failures.push(`trial ${index} (CRASH_SEED=${SEED} CRASH_ONLY=${index}: ${operation}, killed ${plan.delayMs.toFixed(1)} ms into the ${plan.phase}; left in ${directory}): ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const summary = CRASH_OPERATIONS.map((operation) => {
      const mine = verdicts.filter((entry) => entry.operation === operation);
      const interrupted = mine.filter((entry) => entry.verdict.interrupted).length;
      const completed = mine.reduce((sum, entry) => sum + entry.verdict.completed, 0);
      const detail = operation.startsWith('restore')
        ? `, found as before the interrupted one ${mine.filter((entry) => entry.verdict.state === 'old').length}, after it ${mine.filter((entry) => entry.verdict.state === 'new').length}`
        : '';
      return `${operation} ${mine.length} (${interrupted} killed inside an operation, ${completed} operations completed${detail})`;
    });
    const acknowledged = verdicts.reduce((sum, entry) => sum + entry.verdict.acknowledged, 0);
    console.log(`[crash] ${verdicts.length + failures.length} trials, ${failures.length} failed; ${summary.join('; ')}; ${acknowledged} acknowledged writes checked`);
    expect(failures, failures.join('\n')).toEqual([]);
  }, 600_000);
});
