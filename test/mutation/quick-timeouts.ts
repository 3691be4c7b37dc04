/**
 * A vitest setup file of the mutation run (test/mutation/vitest.config.ts lists it): the quick unit
 * tests get a 10 s test and hook timeout instead of the run's 120 s.
 *
 * A mutant that leaves a lock held makes a test wait for ever. In a quick unit test (milliseconds
 * when all is well) that should fail at once, so that the mutant is killed there; with the run's
 * 120 s timeout and two retries it took six minutes, past Stryker's own timeout, and a run of the
 * lock code was stopped for it (conformance/MUTANTS.md, run 6). The slower files keep 120 s: the
 * conformance scenarios and the crash trials can take tens of seconds on a loaded machine.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, vi } from 'vitest';
import { QUICK_UNIT_FILES } from './file-order.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const QUICK_TIMEOUT_MS = 10_000;

const testPath = expect.getState().testPath;
if (testPath !== undefined && QUICK_UNIT_FILES.includes(relative(ROOT, testPath).split('\\').join('/'))) {
  vi.setConfig({ testTimeout: QUICK_TIMEOUT_MS, hookTimeout: QUICK_TIMEOUT_MS });
}
