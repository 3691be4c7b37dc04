/**
 * The results the runner produces: per scenario, per requirement, and for the whole run.
 *
 * @packageDocumentation
 */
import type { Feature } from '../adapter.js';
import type { RequirementLevel } from '../spec/requirement.js';

/**
 * The status of a scenario or a requirement.
 * - `pass`: the behaviour was observed.
 * - `fail`: an assertion failed or the implementation behaved otherwise than required.
 * - `skip`: the implementation lacks an optional feature the scenario needs (or, for a
 *   requirement, no scenario ran).
 * - `error`: the implementation could not be run (factory threw, process crashed or hung,
 *   protocol broken) or the scenario timed out.
 */
export type Status = 'pass' | 'fail' | 'skip' | 'error';

/** Every status, in the order reports list them. */
export const STATUSES: readonly Status[] = ['pass', 'fail', 'error', 'skip'];

/** A known failure from an expectations file and whether the run met it. */
export interface ExpectationOutcome {
  /** The status expected (`fail` or `error`). */
  readonly status: 'fail' | 'error';
  /** Why the failure is known. */
  readonly reason: string;
  /** True when the actual status is the expected one; false for an unexpected pass or another status. */
  readonly met: boolean;
}

/** The outcome of one scenario. */
export interface ScenarioResult {
  /** The scenario id. */
  readonly scenario: string;
  /** Its title. */
  readonly title: string;
  /** The requirement ids it covers. */
  readonly requirements: readonly string[];
  readonly status: Status;
  /** Why it did not pass (assertion message, skip reason, error). */
  readonly message?: string;
  /** Wall time, factory to dispose. */
  readonly durationMs: number;
  /** Lines the scenario logged, and diagnostics the runner added. */
  readonly log?: readonly string[];
  /** Set when an expectations file names this scenario. */
  readonly expectation?: ExpectationOutcome;
}

/** A requirement's level, or `UNKNOWN` for an id the spec given to the runner does not define. */
export type RollUpLevel = RequirementLevel | 'UNKNOWN';

/** The roll-up of a requirement's scenarios. */
export interface RequirementResult {
  readonly id: string;
  /** The area (file) of the requirement, or the lower-cased prefix when unknown. */
  readonly area: string;
  readonly title: string;
  readonly level: RollUpLevel;
  readonly status: Status;
  /** Scenarios that passed. */
  readonly passed: number;
  /** Scenarios run for it. */
  readonly total: number;
  /** The ids of those scenarios. */
  readonly scenarios: readonly string[];
  /** For `skip`: why (missing features, or no scenario). */
  readonly reason?: string;
  /** Set when the failure (or error) was expected, or an expectation named this requirement. */
  readonly expectation?: ExpectationOutcome;
}

/** Facts about a run, for reports. */
export interface RunInfo {
  /** The implementation as its first instance described itself. */
  readonly implementation: {
    readonly name: string;
    readonly version: string;
    readonly language?: string;
    readonly details?: string;
    readonly supports: readonly Feature[];
    /** How it was loaded (`reference`, a module path, `stdio:<command>`), when known. */
    readonly source?: string;
  };
  /** The version of this suite (the package version). */
  readonly suiteVersion: string;
  /** `process.version`. */
  readonly node: string;
  /** The seed given to every scenario. */
  readonly seed: number;
  /** The number of runs given to property scenarios. */
  readonly runs: number;
  /** The `grep` filter, when one was given. */
  readonly grep?: string;
  /** ISO 8601 start time. */
  readonly startedAt: string;
  /** Wall time of the whole run. */
  readonly durationMs: number;
}

/** The exit code and what it means. */
export interface Verdict {
  /** 0: every MUST passes; 1: a MUST fails; 2: the harness or the implementation could not be run. */
  readonly exitCode: 0 | 1 | 2;
  /** One line, e.g. `CONFORMANT: 40 MUST pass, 3 skipped for unsupported features`. */
  readonly summary: string;
  /** MUST (and unknown-level) requirement ids that failed without an expectation. */
  readonly failing: readonly string[];
  /** MUST (and unknown-level) requirement ids that errored without an expectation. */
  readonly erroring: readonly string[];
}

/** Everything a run produced. */
export interface SuiteReport {
  readonly runInfo: RunInfo;
  readonly results: readonly ScenarioResult[];
  readonly requirements: readonly RequirementResult[];
  readonly verdict: Verdict;
}
