/**
 * Summarises a Stryker JSON report (reports/mutation/mutation.json by default): the score per
 * file and in total, and every mutant that was not detected, one line each, in the form
 * conformance/MUTANTS.md uses (`file:line:column mutator "original" -> "replacement"`).
 *
 *   npx tsx test/mutation/summarize.ts [report.json] [--survivors]
 */
import { readFileSync } from 'node:fs';

interface ReportMutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly statusReason?: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number }; readonly end: { readonly line: number; readonly column: number } };
}

interface Report {
  readonly files: Readonly<Record<string, { readonly source: string; readonly mutants: readonly ReportMutant[] }>>;
}

/** Statuses that count as detected, and those that count against the score (Stryker's definitions). */
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** The source text a mutant replaces (on one line, shortened). */
function originalOf(source: string, mutant: ReportMutant): string {
  const lines = source.split('\n');
  const { start, end } = mutant.location;
  const text =
    start.line === end.line
      ? lines[start.line - 1]!.slice(start.column - 1, end.column - 1)
      : [lines[start.line - 1]!.slice(start.column - 1), ...lines.slice(start.line, end.line - 1), lines[end.line - 1]!.slice(0, end.column - 1)].join('\n');
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 70 ? `${flat.slice(0, 67)}...` : flat;
}

const args = process.argv.slice(2);
const path = args.find((arg) => !arg.startsWith('--')) ?? 'reports/mutation/mutation.json';
const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
let detected = 0;
let undetected = 0;
const rows: string[] = [];
const survivors: string[] = [];
for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
  const counts = new Map<string, number>();
  for (const mutant of mutants) counts.set(mutant.status, (counts.get(mutant.status) ?? 0) + 1);
  const fileDetected = mutants.filter((mutant) => DETECTED.has(mutant.status)).length;
  const fileUndetected = mutants.filter((mutant) => UNDETECTED.has(mutant.status)).length;
  detected += fileDetected;
  undetected += fileUndetected;
  const score = fileDetected + fileUndetected === 0 ? 100 : (100 * fileDetected) / (fileDetected + fileUndetected);
  rows.push(`${score.toFixed(2).padStart(6)}%  ${file}  ${[...counts].map(([status, count]) => `${status} ${count}`).join(', ')}`);
  for (const mutant of mutants.filter((m) => UNDETECTED.has(m.status))) {
    const { line, column } = mutant.location.start;
    survivors.push(`${file}:${line}:${column} ${mutant.status} ${mutant.mutatorName} "${originalOf(source, mutant)}" -> "${(mutant.replacement ?? '').replace(/\s+/g, ' ').slice(0, 70)}"`);
  }
}
console.log(rows.join('\n'));
console.log(`${((100 * detected) / Math.max(1, detected + undetected)).toFixed(2)}%  total: ${detected} detected, ${undetected} undetected`);
if (args.includes('--survivors')) console.log(`\n${survivors.join('\n')}`);
