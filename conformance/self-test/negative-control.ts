/**
 * Negative controls: deliberately broken implementations that wrap a real one, each declaring
 * the requirements it breaks. Running the suite against a control must report `fail` for exactly
 * those requirements, which shows that the suite can see each breakage (and only it).
 *
 * Run controls against an implementation that passes the suite: a requirement the wrapped
 * implementation already fails would show up for every control.
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import type { ImplementationFactory } from '../adapter.js';
import { runSuite, type RunSuiteOptions } from '../runner/run-suite.js';
import type { SuiteReport } from '../runner/types.js';

/** A deliberately broken implementation. */
export interface NegativeControl {
  /** A kebab-case name, e.g. `ignores-compression-level`. */
  readonly name: string;
  /** What the control does wrong, in one sentence. */
  readonly description?: string;
  /** The requirement ids the suite must report as `fail`, and no others. */
  readonly breaks: readonly string[];
  /** Wraps a working factory into a broken one (see `wrapFactory`). */
  wrap(factory: ImplementationFactory): ImplementationFactory;
}

/** Declares a negative control; checks its shape eagerly. */
export function negativeControl(definition: NegativeControl): NegativeControl {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(definition.name)) {
    throw new TypeError(`negativeControl(): name "${definition.name}" must be kebab-case`);
  }
  if (definition.breaks.length === 0) throw new TypeError(`negativeControl(): "${definition.name}" breaks no requirement`);
  for (const id of definition.breaks) {
    if (!/^[A-Z][A-Z0-9]*-\d{3}$/.test(id)) throw new TypeError(`negativeControl(): "${definition.name}" names a malformed requirement id "${id}"`);
  }
  if (typeof definition.wrap !== 'function') throw new TypeError(`negativeControl(): "${definition.name}" has no wrap function`);
  return Object.freeze({ ...definition, breaks: Object.freeze([...definition.breaks]) });
}

/** The outcome of running the suite against a control. */
export interface NegativeControlResult {
  readonly control: string;
  /** The declared `breaks`, sorted. */
  readonly expected: readonly string[];
  /** Requirements reported `fail`, sorted. */
  readonly failing: readonly string[];
  /** Declared but not reported `fail`: the suite cannot see this breakage. */
  readonly missing: readonly string[];
  /** Reported `fail` but not declared: the control breaks more than it says (or the suite is too strict). */
  readonly unexpected: readonly string[];
  /** Requirements reported `error`: the control could not be evaluated there. */
  readonly errored: readonly string[];
  /** True when `failing` equals `expected` and nothing errored. */
  readonly ok: boolean;
  /** The full run. */
  readonly report: SuiteReport;
}

/** Runs the suite against `control.wrap(options.factory)` and compares the failing requirements with `control.breaks`. */
export async function runNegativeControl(control: NegativeControl, options: RunSuiteOptions): Promise<NegativeControlResult> {
  const report = await runSuite({ ...options, factory: control.wrap(options.factory), expectations: undefined });
  const expected = [...control.breaks].sort();
  const failing = report.requirements.filter((r) => r.status === 'fail').map((r) => r.id).sort();
  const errored = report.requirements.filter((r) => r.status === 'error').map((r) => r.id).sort();
  const missing = expected.filter((id) => !failing.includes(id));
  const unexpected = failing.filter((id) => !expected.includes(id));
  return {
    control: control.name,
    expected,
    failing,
    missing,
    unexpected,
    errored,
    ok: missing.length === 0 && unexpected.length === 0 && errored.length === 0,
    report,
  };
}

/** Describes a result in a few lines, naming the scenarios behind each surprise. */
export function formatNegativeControlResult(result: NegativeControlResult): string {
  if (result.ok) return `negative control ${result.control}: fails exactly ${result.expected.join(', ')}`;
  const why = (id: string): string => {
    const scenarios = result.report.results.filter((r) => r.requirements.includes(id) && r.status !== 'pass');
    return scenarios.length === 0 ? '' : ` (${scenarios.map((r) => `${r.scenario} ${r.status}: ${(r.message ?? '').split('\n')[0] ?? ''}`).join('; ')})`;
  };
  const lines = [`negative control ${result.control}: expected exactly ${result.expected.join(', ')} to fail, got ${result.failing.join(', ') || 'none'}`];
  for (const id of result.missing) lines.push(`  not detected: ${id}${why(id)}`);
  for (const id of result.unexpected) lines.push(`  also fails: ${id}${why(id)}`);
  for (const id of result.errored) lines.push(`  errored: ${id}${why(id)}`);
  return lines.join('\n');
}

/**
 * Runs a control and throws an `AssertionError` (any test runner shows it) unless the suite
 * reports `fail` for exactly `control.breaks`; resolves the result otherwise.
 */
export async function assertNegativeControl(control: NegativeControl, options: RunSuiteOptions): Promise<NegativeControlResult> {
  const result = await runNegativeControl(control, options);
  assert.ok(result.ok, formatNegativeControlResult(result));
  return result;
}
