/**
 * The fuzz campaign, cut into slices so that vitest's `--shard` (which spreads test files) can
 * spread it over machines: `campaign-<k>.test.ts` (k = 1..{@link SLICES}) each call
 * {@link defineCampaignSlice}, which defines, per target (model, archive, chain, console), a
 * number of test cases, each running its share of the runs with its own seed.
 *
 * Settings (environment; `npm run fuzz` sets them from its options):
 * - `FUZZ_RUNS`: runs per target over the whole campaign, all slices together (default: a
 *   CI-sized campaign, see {@link DEFAULT_RUNS});
 * - `FUZZ_SEED`: the campaign's seed (default: a fresh one, printed); a case's seed is derived
 *   from it, the slice, the target and the case;
 * - `FUZZ_CASES`: test cases per target and slice (default: enough that a case has at most 250
 *   runs);
 * - `FUZZ_TARGETS`: a comma-separated subset of `model,archive,chain,console`;
 * - `FC_SEED` and `FC_PATH` (and `FC_REPLAY_PATH` for the model's commands): replay one failing
 *   case, as its failure message prints them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { seedFromEnvironment } from '../../../src/testing/seeded-random.js';
import { type FuzzCorpus, type Outcomes, archiveProperty, buildCorpus, chainProperty } from './archive-fuzz.js';
import { consoleProperty } from './console-fuzz.js';
import { modelProperty } from './model-campaign.js';

/** The number of slice files (`campaign-1.test.ts` ... ): the most machines `--shard` can spread the campaign over. */
export const SLICES = 8;

/** The fuzz targets. */
export const TARGETS = ['model', 'archive', 'chain', 'console'] as const;

/** One of {@link TARGETS}. */
export type Target = (typeof TARGETS)[number];

/** Runs per target over the whole campaign when `FUZZ_RUNS` is not set: sized for `npm test`. */
export const DEFAULT_RUNS: Record<Target, number> = { model: 40, archive: 320, chain: 96, console: 16 };

/** The most runs one test case makes by default (a case is the unit a failure is reported and replayed in). */
const RUNS_PER_CASE = 250;

/** The commands of one model run at most. */
const MAX_COMMANDS = 40;

interface Settings {
  readonly seed: number;
  readonly runs: Record<Target, number>;
  readonly cases: number | undefined;
  readonly targets: readonly Target[];
  readonly replay: { seed: number; path: string | undefined; replayPath: string | undefined } | undefined;
}

function settings(environment: NodeJS.ProcessEnv = process.env): Settings {
  const runs = environment.FUZZ_RUNS === undefined ? undefined : Number(environment.FUZZ_RUNS);
  if (runs !== undefined && !(Number.isSafeInteger(runs) && runs >= 0)) throw new RangeError(`FUZZ_RUNS must be a whole number, got ${environment.FUZZ_RUNS}`);
  const cases = environment.FUZZ_CASES === undefined ? undefined : Number(environment.FUZZ_CASES);
  if (cases !== undefined && !(Number.isSafeInteger(cases) && cases >= 1)) throw new RangeError(`FUZZ_CASES must be a positive whole number, got ${environment.FUZZ_CASES}`);
  const targets = (environment.FUZZ_TARGETS ?? TARGETS.join(',')).split(',').map((target) => target.trim()) as Target[];
  for (const target of targets) if (!(TARGETS as readonly string[]).includes(target)) throw new RangeError(`FUZZ_TARGETS: unknown target ${JSON.stringify(target)}; use ${TARGETS.join(', ')}`);
  const replay =
    environment.FC_SEED === undefined
      ? undefined
      : { seed: Number(environment.FC_SEED), path: environment.FC_PATH, replayPath: environment.FC_REPLAY_PATH };
  return {
    seed: seedFromEnvironment('FUZZ_SEED', environment),
    runs: Object.fromEntries(TARGETS.map((target) => [target, runs ?? DEFAULT_RUNS[target]])) as Record<Target, number>,
    cases,
    targets,
    replay,
  };
}

/** The runs of each case of `target` in `slice` (1-based): the campaign's runs shared out evenly, the remainder to the first ones. */
export function caseRuns(total: number, slice: number, cases: number | undefined): number[] {
  const sliceRuns = Math.floor(total / SLICES) + (slice - 1 < total % SLICES ? 1 : 0);
  const count = cases ?? Math.max(1, Math.ceil(sliceRuns / RUNS_PER_CASE));
  return Array.from({ length: count }, (_, i) => Math.floor(sliceRuns / count) + (i < sliceRuns % count ? 1 : 0));
}

/** The seed of one case, from the campaign's seed. */
export function caseSeed(seed: number, slice: number, target: Target, index: number): number {
  let hash = (seed ^ Math.imul(slice, 0x9e3779b1) ^ Math.imul(TARGETS.indexOf(target) + 1, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}

/**
 * Runs `property` for `numRuns` runs with `seed` (or replays `replay`); on failure throws fast-check's
 * report followed by the line that replays exactly this case.
 */
async function runCase<Ts>(property: fc.IAsyncPropertyWithHooks<Ts>, numRuns: number, seed: number, replay: Settings['replay'], campaign: string, file: string, title: string): Promise<void> {
  const parameters: fc.Parameters<Ts> =
    replay === undefined ? { numRuns, seed, endOnFailure: false } : { numRuns: Math.max(numRuns, 1), seed: replay.seed, ...(replay.path === undefined ? {} : { path: replay.path }), endOnFailure: true };
  const details = await fc.check(property, parameters);
  if (!details.failed) return;
  const report = fc.defaultReportMessage(details) ?? 'the property failed';
  const replayPath = /replayPath="([^"]*)"/.exec(report)?.[1];
  const command = [campaign, `FC_SEED=${details.seed}`, `FC_PATH=${JSON.stringify(details.counterexamplePath ?? '')}`, ...(replayPath === undefined ? [] : [`FC_REPLAY_PATH=${JSON.stringify(replayPath)}`]), `npx vitest run ${file} -t ${JSON.stringify(title)}`].join(' ');
  const cause = details.errorInstance;
  const reason = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
  throw new Error(`${report}\n\nGot: ${reason}\n\nReplay this case: ${command}`, { cause });
}

/**
 * Defines slice `slice` (1 to {@link SLICES}) of the campaign in the calling test file. Each case's
 * title names its seed and runs, and a failure prints the command that replays it.
 */
export function defineCampaignSlice(slice: number, file: string): void {
  if (!Number.isInteger(slice) || slice < 1 || slice > SLICES) throw new RangeError(`a campaign slice is numbered from 1 to ${SLICES}, got ${slice}`);
  const chosen = settings();
  let corpus: FuzzCorpus | undefined;
  let root = '';
  const outcomes: Record<'archive' | 'chain', Outcomes> = { archive: new Map(), chain: new Map() };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), `fuzz-slice-${slice}-`));
    if (chosen.targets.includes('archive') || chosen.targets.includes('chain')) corpus = await buildCorpus();
    if (slice === 1) console.log(`[fuzz] FUZZ_SEED=${chosen.seed}; runs per target: ${chosen.targets.map((target) => `${target} ${chosen.runs[target]}`).join(', ')} (over ${SLICES} slices)`);
  });
  afterAll(async () => {
    await corpus?.target.close();
    await rm(root, { recursive: true, force: true });
    const counted = (['archive', 'chain'] as const).filter((target) => outcomes[target].size > 0);
    if (counted.length > 0) {
      console.log(`[fuzz] slice ${slice} outcomes: ${counted.map((target) => `${target} {${[...outcomes[target]].map(([code, count]) => `${code}: ${count}`).join(', ')}}`).join('; ')}`);
    }
  });

  describe(`fuzz campaign, slice ${slice} of ${SLICES}`, () => {
    for (const target of chosen.targets) {
      const runs = caseRuns(chosen.runs[target], slice, chosen.cases);
      runs.forEach((numRuns, index) => {
        if (numRuns === 0 && chosen.replay === undefined) return;
        const seed = caseSeed(chosen.seed, slice, target, index);
        const title = `${target} #${index + 1}: ${numRuns} runs, seed ${seed}`;
        it(title, async () => {
          const property =
            target === 'model'
              ? modelProperty({ maxCommands: MAX_COMMANDS, ...(chosen.replay?.replayPath === undefined ? {} : { replayPath: chosen.replay.replayPath }) })
              : target === 'archive'
                ? archiveProperty(corpus!, outcomes.archive)
                : target === 'chain'
                  ? chainProperty(corpus!, outcomes.chain)
                  : consoleProperty(root);
          // The settings that give this case the same title, seed and runs again.
          const campaign = [
            `FUZZ_SEED=${chosen.seed}`,
            ...(process.env.FUZZ_RUNS === undefined ? [] : [`FUZZ_RUNS=${process.env.FUZZ_RUNS}`]),
            ...(process.env.FUZZ_CASES === undefined ? [] : [`FUZZ_CASES=${process.env.FUZZ_CASES}`]),
            `FUZZ_TARGETS=${target}`,
          ].join(' ');
          await runCase(property as fc.IAsyncPropertyWithHooks<unknown>, numRuns, seed, chosen.replay, campaign, file, title);
        }, 0);
      });
    }
  });
}
