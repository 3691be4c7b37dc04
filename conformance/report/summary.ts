/**
 * Counts shared by the reporters.
 *
 * @packageDocumentation
 */
import type { RequirementResult, ScenarioResult, Status } from '../runner/types.js';

/** How many of each status. */
export type StatusCounts = Record<Status, number>;

/** Counts statuses of results or requirements. */
export function countStatuses(items: ReadonlyArray<{ readonly status: Status }>): StatusCounts {
  const counts: StatusCounts = { pass: 0, fail: 0, error: 0, skip: 0 };
  for (const item of items) counts[item.status]++;
  return counts;
}

/** `3 pass, 1 fail, 0 error, 2 skip`. */
export function formatCounts(counts: StatusCounts): string {
  return `${counts.pass} pass, ${counts.fail} fail, ${counts.error} error, ${counts.skip} skip`;
}

/** Expectations that were not met: unexpected passes and other surprises, as lines. */
export function unmetExpectations(results: readonly ScenarioResult[], requirements: readonly RequirementResult[]): string[] {
  const lines: string[] = [];
  for (const r of requirements) {
    if (r.expectation !== undefined && !r.expectation.met) {
      lines.push(`${r.id}: expected ${r.expectation.status}, got ${r.status}${r.status === 'pass' ? ' (unexpected pass: remove the expectation)' : ''}`);
    }
  }
  for (const r of results) {
    if (r.expectation !== undefined && !r.expectation.met) {
      lines.push(`${r.scenario}: expected ${r.expectation.status}, got ${r.status}${r.status === 'pass' ? ' (unexpected pass: remove the expectation)' : ''}`);
    }
  }
  return lines;
}
