/**
 * Runs a set of scenarios against an implementation and rolls the results up per requirement.
 *
 * @packageDocumentation
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Feature, ImplementationFactory } from '../adapter.js';
import { describeThrown, HarnessError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import type { Requirement } from '../spec/requirement.js';
import { suiteVersion } from '../spec/locate.js';
import type { Expectations } from './expectations.js';
import { applyExpectations, rollUpRequirements } from './roll-up.js';
import { DEFAULT_RUNS, runScenario } from './run-scenario.js';
import { selectScenarios } from './select.js';
import type { RunInfo, ScenarioResult, SuiteReport } from './types.js';
import { verdictOf } from './verdict.js';

/** Options of {@link runSuite}. */
export interface RunSuiteOptions {
  /** Makes a fresh implementation per scenario. */
  readonly factory: ImplementationFactory;
  /** The scenarios to choose from. */
  readonly scenarios: readonly Scenario[];
  /** The requirements (levels, titles); without them every id is of level `UNKNOWN` (counted as MUST). */
  readonly requirements?: readonly Requirement[];
  /** Runs only the scenarios matching it (see `selectScenarios`). */
  readonly grep?: string;
  /** The seed every scenario receives (default: a random 32-bit integer, reported in `runInfo`). */
  readonly seed?: number;
  /** Runs of property scenarios (default 25). */
  readonly runs?: number;
  /** Known failures. */
  readonly expectations?: Expectations;
  /** Scenarios run at once (default 1). */
  readonly concurrency?: number;
  /** Time limit for scenarios that set none. */
  readonly timeoutMs?: number;
  /** Where work directories are created. */
  readonly tmpDir?: string;
  /** How the implementation was loaded, for `runInfo.implementation.source`. */
  readonly source?: string;
  /** Called as each scenario ends (for progress output). */
  readonly onResult?: (result: ScenarioResult, done: number, total: number) => void;
}

/**
 * Runs the scenarios `grep` selects, each with a fresh implementation, at most `concurrency` at
 * once; results keep the scenarios' order. The requirement roll-up lists every requirement when
 * no `grep` is given (those without scenarios as `skip`), else only those the selection covers.
 * Never rejects for a failing implementation: that is in the results and the verdict. Rejects
 * `ERR_INVALID_ARGUMENT` for bad options.
 */
export async function runSuite(options: RunSuiteOptions): Promise<SuiteReport> {
  if (typeof options.factory !== 'function') {
    throw new HarnessError('ERR_INVALID_ARGUMENT', `runSuite(): expected factory to be a function, received ${typeof options.factory}`);
  }
  const seed = options.seed ?? randomInt(0, 2 ** 32 - 1);
  const runs = options.runs ?? DEFAULT_RUNS;
  const concurrency = options.concurrency ?? 1;
  checkInteger('seed', seed, 0, 2 ** 32 - 1);
  checkInteger('runs', runs, 1, Number.MAX_SAFE_INTEGER);
  checkInteger('concurrency', concurrency, 1, 64);

  const startedAt = new Date();
  const started = performance.now();
  const selected = selectScenarios(options.scenarios, options.grep);
  const results: ScenarioResult[] = new Array(selected.length);
  let implementation: RunInfo['implementation'] | undefined;
  const factory: ImplementationFactory = async () => {
    const impl = await options.factory();
    implementation ??= describeImplementation(impl.info, impl.supports, options.source);
    return impl;
  };

  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < selected.length) {
      const index = next++;
      const scenario = selected[index] as Scenario;
      const result = await runScenario(scenario, factory, {
        seed,
        runs,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.tmpDir === undefined ? {} : { tmpDir: options.tmpDir }),
      });
      results[index] = result;
      done++;
      try {
        options.onResult?.(result, done, selected.length);
      } catch (error) {
        process.emitWarning(`runSuite(): onResult threw: ${describeThrown(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(selected.length, 1)) }, worker));

  const grepped = options.grep !== undefined && options.grep !== '';
  const rolled = rollUpRequirements(results, options.requirements, { includeUncovered: !grepped });
  const marked = applyExpectations(results, rolled, options.expectations);
  const runInfo: RunInfo = {
    implementation: implementation ?? describeImplementation(undefined, [], options.source),
    suiteVersion: safeSuiteVersion(),
    node: process.version,
    seed,
    runs,
    ...(grepped ? { grep: options.grep } : {}),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
  };
  return {
    runInfo,
    results: marked.results,
    requirements: marked.requirements,
    verdict: verdictOf(marked.requirements, marked.results),
  };
}

function describeImplementation(
  info: { name?: unknown; version?: unknown; language?: unknown; details?: unknown } | undefined,
  supports: readonly Feature[] | undefined,
  source: string | undefined,
): RunInfo['implementation'] {
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const language = text(info?.language);
  const details = text(info?.details);
  return {
    name: text(info?.name) ?? 'unknown',
    version: text(info?.version) ?? 'unknown',
    ...(language === undefined ? {} : { language }),
    ...(details === undefined ? {} : { details }),
    supports: Array.isArray(supports) ? [...supports] : [],
    ...(source === undefined ? {} : { source }),
  };
}

function safeSuiteVersion(): string {
  try {
    return suiteVersion();
  } catch {
    return 'unknown';
  }
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HarnessError('ERR_INVALID_ARGUMENT', `runSuite(): expected ${name} to be an integer from ${min} to ${max}, received ${String(value)}`);
  }
}
