/**
 * A vitest setup file for Stryker's dry run (test/mutation/vitest.config.ts lists it): code that
 * runs in a test file's hooks (a `beforeAll` that creates databases and backups, an `afterEach`
 * that cleans up) is counted as covered by every test of that file.
 *
 * Stryker's per-test coverage attributes each hit to the test running at that moment; a hit while
 * no test runs makes the mutant "static", and a static mutant is tested against the whole suite
 * with a fresh module environment: ten times the cost, for most mutants of this project, since
 * most unit tests build their fixtures in `beforeAll`. Yet any test of the file may see what a
 * hook did, so "every test of the file" is the right coverage: it is a superset of the tests that
 * can kill such a mutant, so no kill is lost. Hits during a module's import (true static code)
 * stay static.
 *
 * How: while a file runs, Stryker's "current test" (`currentTestId` in its global namespace)
 * reads as a marker whenever Stryker has cleared it; at the end of the file the marker's hits are
 * added to every test of the file that ran. Outside Stryker's dry run, this file does nothing.
 */
import { afterAll, beforeAll, inject } from 'vitest';
import type { RunnerTask, RunnerTestSuite } from 'vitest';

declare module 'vitest' {
  interface ProvidedContext {
    /** Stryker's global namespace (`__stryker__`), provided by its vitest runner. */
    globalNamespace: string;
    /** `dry-run` (coverage is measured) or `mutant`. */
    mode: 'dry-run' | 'mutant';
  }
}

/** The part of Stryker's global namespace this file uses. */
interface StrykerNamespace {
  currentTestId?: string;
  mutantCoverage?: { static: Record<string, number>; perTest: Record<string, Record<string, number>> };
}

const MARKER = '(hooks of the running test file)';

/** Stryker's test id of a test: `<file path>#<names of the enclosing suites and the test>`. */
function strykerTestId(task: RunnerTask): string {
  const names = [task.name];
  for (let suite = task.suite; suite !== undefined; suite = suite.suite) names.unshift(suite.name);
  return `${task.file?.filepath ?? 'unknown.js'}#${names.join(' ').trim()}`;
}

function testsOf(suite: RunnerTestSuite | RunnerTask): RunnerTask[] {
  if (suite.type === 'test') return suite.mode === 'run' ? [suite] : [];
  return 'tasks' in suite ? suite.tasks.flatMap(testsOf) : [];
}

let namespace: string | undefined;
let mode: string | undefined;
try {
  namespace = inject('globalNamespace');
  mode = inject('mode');
} catch {
  namespace = undefined;
}

if (typeof namespace === 'string' && mode === 'dry-run') {
  const ns = ((globalThis as Record<string, unknown>)[namespace] ??= {}) as StrykerNamespace;
  let current: string | undefined;
  let inFile = false;
  Object.defineProperty(ns, 'currentTestId', {
    configurable: true,
    enumerable: true,
    get: () => current ?? (inFile ? MARKER : undefined),
    set: (value: string | undefined) => {
      current = value;
    },
  });
  beforeAll(() => {
    inFile = true;
  });
  afterAll((_context, suite) => {
    inFile = false;
    const coverage = ns.mutantCoverage;
    const hits = coverage?.perTest[MARKER];
    if (coverage === undefined || hits === undefined) return;
    delete coverage.perTest[MARKER];
    for (const test of testsOf(suite)) {
      const own = (coverage.perTest[strykerTestId(test)] ??= {});
      for (const [mutant, count] of Object.entries(hits)) own[mutant] = (own[mutant] ?? 0) + count;
    }
  });
}
