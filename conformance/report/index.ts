/**
 * Reporters: the terminal table, JSON (with its schema) and JUnit XML.
 *
 * @packageDocumentation
 */
import type { SuiteReport } from '../runner/types.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatTable } from './table.js';

export { formatTable, type TableOptions } from './table.js';
export { formatJson, toJsonReport, REPORT_VERSION, type JsonReport } from './json.js';
export { REPORT_SCHEMA } from './json-schema.js';
export { formatJunit } from './junit.js';
export { escapeXmlText, escapeXmlAttribute } from './xml.js';
export { countStatuses, formatCounts, unmetExpectations, type StatusCounts } from './summary.js';

/** The reporter names the CLI accepts. */
export type ReporterName = 'table' | 'json' | 'junit';

/** Every reporter by name. */
export const REPORTERS: Readonly<Record<ReporterName, (report: SuiteReport) => string>> = {
  table: (report) => formatTable(report),
  json: formatJson,
  junit: formatJunit,
};
