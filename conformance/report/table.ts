/**
 * The terminal reporter: the requirement matrix, then what went wrong, then a summary line.
 *
 * @packageDocumentation
 */
import { REQUIREMENT_LEVELS } from '../spec/requirement.js';
import type { RequirementResult, SuiteReport } from '../runner/types.js';
import { countStatuses, formatCounts, unmetExpectations } from './summary.js';

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Lists only requirements that did not pass (default false: every requirement). */
  readonly onlyProblems?: boolean;
}

/**
 * Formats a run as plain text:
 * ```
 * REQUIREMENT  LEVEL   STATUS  SCENARIOS  NOTE
 * BACKUP-004   MUST    FAIL    0/1
 * ...
 * FAIL  backup/level-0-stored [BACKUP-004]: expected method 0, received 8
 *
 * MUST 40: 39 pass, 1 fail, 0 error, 0 skip | SHOULD ... | scenarios 120: ... | 12.3 s
 * NOT CONFORMANT: 1 MUST requirement(s) fail: BACKUP-004 (exit 1)
 * ```
 * Failing and erroring statuses are upper-cased so they stand out without colour.
 */
export function formatTable(report: SuiteReport, options: TableOptions = {}): string {
  const rows = report.requirements.filter((r) => options.onlyProblems !== true || r.status !== 'pass');
  const header = ['REQUIREMENT', 'LEVEL', 'STATUS', 'SCENARIOS', 'NOTE'];
  const cells = rows.map((r) => [r.id, r.level, statusCell(r), `${r.passed}/${r.total}`, noteOf(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out: string[] = [line(header), ...cells.map(line)];

  const problems = report.results.filter((r) => r.status === 'fail' || r.status === 'error');
  if (problems.length > 0) {
    out.push('');
    for (const r of problems) {
      const expected = r.expectation?.met === true ? ' (expected)' : '';
      out.push(`${r.status.toUpperCase().padEnd(5)} ${r.scenario} [${r.requirements.join(', ')}]${expected}: ${firstLine(r.message)}`);
    }
  }
  const unmet = unmetExpectations(report.results, report.requirements);
  if (unmet.length > 0) {
    out.push('', 'Expectations not met:', ...unmet.map((l) => `  ${l}`));
  }

  out.push('');
  const byLevel = [...REQUIREMENT_LEVELS, 'UNKNOWN' as const]
    .map((level) => {
      const of = report.requirements.filter((r) => r.level === level);
      return of.length === 0 ? '' : `${level} ${of.length}: ${formatCounts(countStatuses(of))}`;
    })
    .filter((part) => part !== '');
  const seconds = (report.runInfo.durationMs / 1000).toFixed(1);
  out.push(
    [...byLevel, `scenarios ${report.results.length}: ${formatCounts(countStatuses(report.results))}`, `${seconds} s`, `seed ${report.runInfo.seed}`].join(
      ' | ',
    ),
  );
  out.push(`${report.verdict.summary} (exit ${report.verdict.exitCode})`);
  return `${out.join('\n')}\n`;
}

function statusCell(r: RequirementResult): string {
  return r.status === 'fail' || r.status === 'error' ? r.status.toUpperCase() : r.status;
}

function noteOf(r: RequirementResult): string {
  if (r.expectation !== undefined) {
    if (r.expectation.met) return `expected ${r.expectation.status}: ${r.expectation.reason}`;
    return `UNEXPECTED ${r.status.toUpperCase()} (expected ${r.expectation.status}: ${r.expectation.reason})`;
  }
  return r.status === 'skip' ? (r.reason ?? '') : '';
}

function firstLine(text: string | undefined): string {
  const first = (text ?? '').split('\n')[0] ?? '';
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}
