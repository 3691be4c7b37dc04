/**
 * The verdict of a run, as an exit code (Maelstrom's convention):
 * - `1` (not conformant) when a MUST requirement fails without a met expectation;
 * - else `2` (unknown) when a MUST requirement errored without a met expectation, or nothing ran;
 * - else `0` (conformant).
 *
 * Requirements of level `UNKNOWN` (not in the spec given) count as MUST. A MUST whose scenarios
 * were all skipped because the implementation lacks an optional feature does not fail the verdict:
 * it applies only to implementations of that feature; the summary counts such skips. SHOULD and MAY
 * requirements never change the exit code; reports show them.
 *
 * @packageDocumentation
 */
import { NO_SCENARIO } from './roll-up.js';
import type { RequirementResult, ScenarioResult, Verdict } from './types.js';

/** Computes the verdict from the roll-up (after expectations). */
export function verdictOf(requirements: readonly RequirementResult[], results: readonly ScenarioResult[]): Verdict {
  if (results.length === 0) return { exitCode: 2, summary: 'NOT RUN: no scenario was selected', failing: [], erroring: [] };
  const must = requirements.filter((r) => r.level === 'MUST' || r.level === 'UNKNOWN');
  const unexpected = (r: RequirementResult): boolean => r.expectation?.met !== true;
  const failing = must.filter((r) => r.status === 'fail' && unexpected(r)).map((r) => r.id);
  const erroring = must.filter((r) => r.status === 'error' && unexpected(r)).map((r) => r.id);
  const expected = must.filter((r) => (r.status === 'fail' || r.status === 'error') && !unexpected(r)).length;
  const list = (ids: readonly string[]): string => (ids.length > 10 ? `${ids.slice(0, 10).join(', ')}, ...` : ids.join(', '));

  if (failing.length > 0) {
    return { exitCode: 1, summary: `NOT CONFORMANT: ${failing.length} MUST requirement(s) fail: ${list(failing)}`, failing, erroring };
  }
  if (erroring.length > 0) {
    return {
      exitCode: 2,
      summary: `UNKNOWN: ${erroring.length} MUST requirement(s) could not be tested (error): ${list(erroring)}`,
      failing,
      erroring,
    };
  }
  const passed = must.filter((r) => r.status === 'pass').length;
  const skipped = must.filter((r) => r.status === 'skip' && r.reason !== NO_SCENARIO).length;
  const uncovered = must.filter((r) => r.status === 'skip' && r.reason === NO_SCENARIO).length;
  const notes = [
    skipped > 0 ? `${skipped} skipped (unsupported optional features)` : '',
    uncovered > 0 ? `${uncovered} without a scenario` : '',
    expected > 0 ? `${expected} expected failure(s)` : '',
  ].filter((note) => note !== '');
  return {
    exitCode: 0,
    summary: `CONFORMANT: ${passed} MUST requirement(s) pass${notes.length > 0 ? `, ${notes.join(', ')}` : ''}`,
    failing,
    erroring,
  };
}
