/**
 * Refreshes `scenario-durations.json` from a vitest JSON report of the mutation run's suite:
 *
 *   npx vitest run --config test/mutation/vitest.config.ts test/mutation/conformance.mutation.ts \
 *     --reporter=json --outputFile=reports/mutation/scenarios.json
 *   npx tsx test/mutation/update-durations.ts reports/mutation/scenarios.json
 *
 * Test names are `<requirement ids> <scenario id>: <title>` (conformance/suite.ts `testNameOf`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DURATIONS_FILE } from './scenario-order.js';

interface VitestJsonReport {
  readonly testResults: readonly { readonly assertionResults: readonly { readonly title: string; readonly duration?: number | null; readonly status: string }[] }[];
}

const reportPath = process.argv[2];
if (reportPath === undefined) throw new Error('usage: npx tsx test/mutation/update-durations.ts <vitest JSON report>');
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as VitestJsonReport;
const durations: Record<string, number> = {};
for (const result of report.testResults.flatMap((file) => file.assertionResults)) {
  if (result.status !== 'passed') continue;
  const id = result.title.split(': ')[0]!.split(' ').at(-1)!;
  durations[id] = Math.round(result.duration ?? 0);
}
const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => (a < b ? -1 : 1)));
writeFileSync(DURATIONS_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`${Object.keys(sorted).length} scenario durations written to ${DURATIONS_FILE.pathname}`);
