/**
 * The JSON reporter: `{ reportVersion, runInfo, results, requirements, verdict }`, valid against
 * {@link REPORT_SCHEMA}.
 *
 * @packageDocumentation
 */
import type { SuiteReport } from '../runner/types.js';
import { REPORT_SCHEMA } from './json-schema.js';

/** The JSON report's format version (bumped on incompatible changes). */
export const REPORT_VERSION = 1;

/** The report as a plain JSON object. */
export interface JsonReport extends SuiteReport {
  readonly reportVersion: typeof REPORT_VERSION;
}

/** Builds the JSON report object. */
export function toJsonReport(report: SuiteReport): JsonReport {
  return {
    reportVersion: REPORT_VERSION,
    runInfo: report.runInfo,
    results: report.results,
    requirements: report.requirements,
    verdict: report.verdict,
  };
}

/** The JSON report as text (two-space indented, with a final newline). */
export function formatJson(report: SuiteReport): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}

export { REPORT_SCHEMA };
