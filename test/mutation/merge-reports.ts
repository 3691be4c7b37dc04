/**
 * Merges Stryker JSON reports of partial runs into one report that Stryker can take as its
 * incremental file, so that a run over the whole scope reuses every result that still holds.
 *
 *   npx tsx test/mutation/merge-reports.ts <out.json> <report.json>... [--killed-only <report.json>...]
 *
 * Why: a run over the whole scope takes longer than a working session, and a stopped run writes
 * nothing. Runs over a few files at a time each write a report of their own files only. Merged,
 * they let `npx stryker run` (incremental) test only what changed since. A later report wins for a
 * file that appears in several.
 *
 * The reports may come from different test configurations: a report of the quick unit tests
 * alone is a valid input. Stryker reuses an old result only under its own rules
 * (@stryker-mutator/core `IncrementalDiffer`): a `Killed` mutant while one of its killing tests is
 * unchanged; any other status only while no new test covers the mutant. The conformance suite
 * covers nearly every mutant, so a survivor of a unit-only run is normally tested again; but a
 * *static* survivor is reused even when a new test covers it (stryker-js issue #6119), so reports
 * of unit-only runs are listed after `--killed-only`: their other mutants are left out, and Stryker
 * tests them as new.
 *
 * Test ids are per report, so each report's ids get a prefix (`r0-`, `r1-`, ...); a test file's
 * tests and source come from the last report that has it, and mutants of earlier reports that
 * name a test of that file are pointed at the same test by name (or lose the reference if the
 * test is gone, which makes Stryker test them again).
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface Test {
  readonly id: string;
  readonly name: string;
  readonly location?: unknown;
}

interface TestFile {
  readonly source?: string;
  readonly tests: readonly Test[];
}

interface Mutant {
  readonly id: string;
  readonly killedBy?: readonly string[];
  readonly coveredBy?: readonly string[];
  readonly [key: string]: unknown;
}

interface Report {
  readonly files: Readonly<Record<string, { readonly mutants: readonly Mutant[]; readonly [key: string]: unknown }>>;
  readonly testFiles?: Readonly<Record<string, TestFile>>;
  readonly [key: string]: unknown;
}

/** A test of one report, identified across reports by its file and name. */
function testKey(file: string, name: string): string {
  return `${file}\u0000${name}`;
}

/**
 * Merges `reports` (earlier first) into one report in Stryker's schema.
 *
 * @param reports - parsed Stryker JSON reports, the ones that should win last
 * @returns the merged report; its top-level fields other than `files` and `testFiles` come from the last report
 */
function mergeReports(reports: readonly Report[]): Report {
  if (reports.length === 0) throw new Error('no report to merge');
  // Which report supplies each test file: the last that has it.
  const testFileOwner = new Map<string, number>();
  reports.forEach((report, index) => Object.keys(report.testFiles ?? {}).forEach((file) => testFileOwner.set(file, index)));

  const testFiles: Record<string, TestFile> = {};
  const idByKey = new Map<string, string>();
  for (const [file, owner] of testFileOwner) {
    const testFile = reports[owner]!.testFiles![file]!;
    const tests = testFile.tests.map((test) => ({ ...test, id: `r${owner}-${test.id}` }));
    tests.forEach((test) => idByKey.set(testKey(file, test.name), test.id));
    testFiles[file] = { ...testFile, tests };
  }

  const files: Record<string, Report['files'][string]> = {};
  for (const report of reports) {
    // The key (file and name) of each of this report's own test ids.
    const keyById = new Map<string, string>();
    for (const [file, testFile] of Object.entries(report.testFiles ?? {})) {
      for (const test of testFile.tests) keyById.set(test.id, testKey(file, test.name));
    }
    const translate = (ids: readonly string[] | undefined): string[] =>
      (ids ?? []).flatMap((id) => {
        const key = keyById.get(id);
        const merged = key === undefined ? undefined : idByKey.get(key);
        return merged === undefined ? [] : [merged];
      });
    for (const [file, entry] of Object.entries(report.files)) {
      files[file] = {
        ...entry,
        mutants: entry.mutants.map((mutant) => ({
          ...mutant,
          ...(mutant.killedBy === undefined ? {} : { killedBy: translate(mutant.killedBy) }),
          ...(mutant.coveredBy === undefined ? {} : { coveredBy: translate(mutant.coveredBy) }),
        })),
      };
    }
  }
  return { ...reports[reports.length - 1]!, files, testFiles };
}

/** Reads a report; with `killedOnly`, keeps only its killed mutants (Stryker tests the rest as new). */
function readReport(path: string, killedOnly: boolean): Report {
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  if (!killedOnly) return report;
  const files = Object.fromEntries(
    Object.entries(report.files).map(([file, entry]) => [file, { ...entry, mutants: entry.mutants.filter((mutant) => mutant.status === 'Killed') }]),
  );
  return { ...report, files };
}

const [out, ...rest] = process.argv.slice(2);
const inputs: Report[] = [];
let killedOnly = false;
for (const arg of rest) {
  if (arg === '--killed-only') killedOnly = true;
  else inputs.push(readReport(arg, killedOnly));
}
if (out === undefined || inputs.length === 0) {
  console.error('usage: npx tsx test/mutation/merge-reports.ts <out.json> <report.json>... [--killed-only <report.json>...]');
  process.exit(2);
}
const merged = mergeReports(inputs);
writeFileSync(out, JSON.stringify(merged));
const mutantCount = Object.values(merged.files).reduce((sum, file) => sum + file.mutants.length, 0);
console.log(`${out}: ${Object.keys(merged.files).length} files, ${mutantCount} mutants, ${Object.keys(merged.testFiles ?? {}).length} test files`);
