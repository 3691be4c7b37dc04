/**
 * Runs one scenario against a fresh implementation.
 *
 * @packageDocumentation
 */
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import tmp from 'tmp-promise';
import type { Implementation, ImplementationFactory } from '../adapter.js';
import { describeThrown, IMPLEMENTATION_FAULT_CODES } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { createScenarioContext } from './context.js';
import { implementationFault } from './fault.js';
import type { ScenarioResult, Status } from './types.js';

/** The default time limit of a scenario, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** The default number of runs of a property scenario. */
export const DEFAULT_RUNS = 25;
/** How long `dispose()` may take before the scenario is reported as `error`. */
export const DEFAULT_DISPOSE_TIMEOUT_MS = 10_000;

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** The seed the scenario receives (default 0). */
  readonly seed?: number;
  /** Runs for property scenarios (default {@link DEFAULT_RUNS}). */
  readonly runs?: number;
  /** Time limit for scenarios that set none (default {@link DEFAULT_TIMEOUT_MS}); covers the factory and the run. */
  readonly timeoutMs?: number;
  /** Time limit of `dispose()` (default {@link DEFAULT_DISPOSE_TIMEOUT_MS}). */
  readonly disposeTimeoutMs?: number;
  /** Where work directories are created (default: the OS temp directory). */
  readonly tmpDir?: string;
}

type Outcome = { status: Status; message?: string };

class TimedOut extends Error {}

/**
 * Runs `scenario` against a fresh implementation from `factory`:
 * 1. creates the implementation (a throw is `error`);
 * 2. skips with the reason when a needed feature is not in `impl.supports`;
 * 3. creates an empty work directory and runs the scenario (a thrown assertion or an unexpected
 *    rejection is `fail`; a rejection whose code says the implementation could not be run, such as
 *    `ERR_IMPLEMENTATION_CRASHED`, is `error`; exceeding the time limit is `error` "timed out"
 *    and aborts `ctx.signal`);
 * 4. always calls `dispose()` and removes the work directory, even after a failure or a timeout;
 * 5. reports `error` when the implementation recorded a fault (see `reportImplementationFault`).
 *
 * Never rejects.
 */
export async function runScenario(
  scenario: Scenario,
  factory: ImplementationFactory,
  options: RunScenarioOptions = {},
): Promise<ScenarioResult> {
  const started = performance.now();
  const log: string[] = [];
  const controller = new AbortController();
  const timeoutMs = scenario.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let impl: Implementation | undefined;
  let workdir: string | undefined;
  let phase: 'factory' | 'run' = 'factory';

  const body = async (): Promise<Outcome> => {
    impl = await factory();
    const supports = Array.isArray(impl.supports) ? impl.supports : [];
    const missing = (scenario.features ?? []).filter((feature) => !supports.includes(feature));
    if (missing.length > 0) {
      const name = typeof impl.info?.name === 'string' ? impl.info.name : 'the implementation';
      return { status: 'skip', message: `requires feature(s) ${missing.join(', ')}, which ${name} does not support` };
    }
    workdir = (await tmp.dir({ prefix: 'conformance-', tmpdir: options.tmpDir })).path;
    phase = 'run';
    const ctx = createScenarioContext({
      impl,
      workdir,
      seed: options.seed ?? 0,
      runs: options.runs ?? DEFAULT_RUNS,
      signal: controller.signal,
      log: (line) => log.push(line),
    });
    await scenario.run(ctx);
    return { status: 'pass' };
  };

  let outcome: Outcome;
  try {
    outcome = await withTimeout(body(), timeoutMs, controller);
  } catch (error) {
    outcome = classify(error, phase, timeoutMs, log);
  }

  if (impl !== undefined) {
    const disposal = await settle(Promise.resolve().then(() => impl?.dispose()), options.disposeTimeoutMs ?? DEFAULT_DISPOSE_TIMEOUT_MS);
    if (disposal !== undefined) outcome = worsen(outcome, 'error', `dispose() failed: ${disposal}`);
    const fault = implementationFault(impl);
    if (fault !== undefined && outcome.status !== 'skip') {
      const described = describeThrown(fault);
      if (outcome.status === 'fail') log.push(`the scenario failed before the fault was known: ${outcome.message ?? ''}`);
      if (outcome.status !== 'error') outcome = { status: 'error', message: described };
      else if (!(outcome.message ?? '').includes(fault.message)) outcome = { status: 'error', message: `${outcome.message ?? ''}; ${described}` };
    }
  }
  if (workdir !== undefined) {
    await rm(workdir, { recursive: true, force: true, maxRetries: 3 }).catch((error: unknown) => {
      log.push(`could not remove the work directory ${workdir}: ${describeThrown(error)}`);
    });
  }

  return {
    scenario: scenario.id,
    title: scenario.title,
    requirements: scenario.requirements,
    status: outcome.status,
    ...(outcome.message === undefined ? {} : { message: outcome.message }),
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    ...(log.length === 0 ? {} : { log }),
  };
}

function classify(error: unknown, phase: 'factory' | 'run', timeoutMs: number, log: string[]): Outcome {
  if (error instanceof TimedOut) {
    return { status: 'error', message: `timed out after ${timeoutMs} ms${phase === 'factory' ? ' creating the implementation' : ''}` };
  }
  if (phase === 'factory') return { status: 'error', message: `the implementation could not be created: ${describeThrown(error)}` };
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && IMPLEMENTATION_FAULT_CODES.has(code)) {
    return { status: 'error', message: describeThrown(error) };
  }
  if (error instanceof Error && error.name === 'AssertionError') return { status: 'fail', message: error.message.trim() };
  if (error instanceof Error) {
    log.push(...(error.stack ?? '').split('\n').slice(0, 8));
    const label = typeof code === 'string' ? `${error.name} ${code}` : error.name;
    return { status: 'fail', message: `unexpected ${label}: ${error.message}` };
  }
  return { status: 'fail', message: `unexpected throw: ${String(error)}` };
}

/** Keeps the worse of two outcomes (error > fail > pass); a skip stays a skip. */
function worsen(outcome: Outcome, status: 'error', message: string): Outcome {
  if (outcome.status === 'skip' || outcome.status === 'pass') return { status, message };
  return { status: outcome.status === 'fail' ? 'fail' : status, message: `${outcome.message ?? ''} (and ${message})` };
}

/** Resolves `promise`'s value, or rejects {@link TimedOut} after `ms` and aborts `controller`. */
async function withTimeout<T>(promise: Promise<T>, ms: number, controller: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => undefined); // a late rejection after a timeout must not be unhandled
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new Error('scenario timed out'));
      reject(new TimedOut());
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `promise` up to `ms`; resolves undefined on success, else a description of the failure. */
async function settle(promise: Promise<unknown>, ms: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(
        () => undefined,
        (error: unknown) => describeThrown(error),
      ),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`did not settle within ${ms} ms`), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
