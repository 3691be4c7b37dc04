/**
 * `defineConformanceSuite`: registers the conformance scenarios as tests of the caller's own test
 * runner (vitest, node:test, or anything with a compatible `test(name, fn)`), in the style of
 * abstract-level's `suite({ test, factory })`.
 *
 * @packageDocumentation
 */
import type { Feature, ImplementationFactory } from './adapter.js';
import { runScenario } from './runner/run-scenario.js';
import type { ScenarioResult } from './runner/types.js';
import { selectScenarios } from './runner/select.js';
import type { Scenario } from './scenario.js';
import { allScenarios } from './scenarios/index.js';

/** What a test body receives from the runner: vitest's and node:test's contexts both have `skip`. */
export interface TestContextLike {
  /** Marks the running test skipped (vitest throws to stop it; node:test marks it and we return). */
  skip?: (note?: string) => void;
}

/** A `test(name, fn)` function: vitest's `it`/`test`, node:test's `test`, or a wrapper of them. */
export interface TestFunction {
  (name: string, fn: (context?: TestContextLike) => Promise<void>): unknown;
  /** Registers a skipped test (vitest and node:test have it). */
  skip?: (name: string, fn: (context?: TestContextLike) => Promise<void>) => unknown;
}

/** Options of {@link defineConformanceSuite}. */
export interface ConformanceSuiteOptions {
  /** The test runner's test function. Give it a time limit above the scenarios' (30 s by default), e.g. `(n, f) => it(n, f, 60_000)`. */
  readonly test: TestFunction;
  /** Makes a fresh, isolated implementation per scenario. */
  readonly factory: ImplementationFactory;
  /** The scenarios (default: the whole suite). */
  readonly scenarios?: readonly Scenario[];
  /**
   * The implementation's features, when known up front: scenarios needing others are then
   * registered with `test.skip`. Otherwise they are skipped at run time through the test context.
   */
  readonly supports?: readonly Feature[];
  /** Registers only the scenarios matching it (see `selectScenarios`). */
  readonly grep?: string;
  /** Seed for property scenarios (default 0, so that runs repeat; set one to explore). */
  readonly seed?: number;
  /** Runs of property scenarios. */
  readonly runs?: number;
  /** Time limit for scenarios that set none. */
  readonly timeoutMs?: number;
  /** Where work directories are created. */
  readonly tmpDir?: string;
}

/** The name a scenario's test gets: its requirement ids, its id and its title. */
export function testNameOf(scenario: Scenario): string {
  return `${scenario.requirements.join(' ')} ${scenario.id}: ${scenario.title}`;
}

/**
 * Registers one test per scenario with `options.test`. A test passes when its scenario passes,
 * throws (with the scenario's message and log) when it fails or errors, and is reported as skipped
 * (never as passed) when the implementation lacks a feature: via `test.skip` at registration when
 * `supports` is given, else via the context's `skip(reason)` at run time; a runner offering neither
 * gets a failing test that says so. Returns the registered scenarios.
 */
export function defineConformanceSuite(options: ConformanceSuiteOptions): { readonly scenarios: readonly Scenario[] } {
  if (typeof options.test !== 'function') throw new TypeError('defineConformanceSuite(): expected test to be a function');
  if (typeof options.factory !== 'function') throw new TypeError('defineConformanceSuite(): expected factory to be a function');
  const scenarios = selectScenarios(options.scenarios ?? allScenarios, options.grep);
  for (const scenario of scenarios) {
    const missing = options.supports === undefined ? [] : (scenario.features ?? []).filter((f) => !options.supports?.includes(f));
    const name = testNameOf(scenario);
    if (missing.length > 0 && typeof options.test.skip === 'function') {
      options.test.skip(`${name} (requires ${missing.join(', ')})`, async () => {});
      continue;
    }
    options.test(name, async (context) => {
      const result = await runScenario(scenario, options.factory, {
        seed: options.seed ?? 0,
        ...(options.runs === undefined ? {} : { runs: options.runs }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(options.tmpDir === undefined ? {} : { tmpDir: options.tmpDir }),
      });
      if (result.status === 'pass') return;
      if (result.status === 'skip') {
        const reason = result.message ?? 'skipped';
        if (typeof context?.skip !== 'function') {
          throw new Error(`skipped: ${reason} (this test runner cannot mark a test skipped while it runs; pass "supports" to defineConformanceSuite)`);
        }
        context.skip(reason);
        return;
      }
      throw new ScenarioFailure(result);
    });
  }
  return { scenarios };
}

/** Thrown by a registered test whose scenario failed or errored. */
export class ScenarioFailure extends Error {
  /** The scenario's result. */
  readonly result: ScenarioResult;

  constructor(result: ScenarioResult) {
    const log = result.log === undefined || result.log.length === 0 ? '' : `\n--- log ---\n${result.log.join('\n')}`;
    super(`${result.status}: ${result.message ?? ''}${log}`);
    this.name = result.status === 'fail' ? 'ScenarioFailure' : 'ScenarioError';
    this.result = result;
  }
}
