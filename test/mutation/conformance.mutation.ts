/**
 * The conformance suite as the mutation run drives it: the scenarios of
 * test/conformance/reference.test.ts against the same reference (in-process, test password
 * hashing, seed 0), with four differences, all for time (each mutant that survives runs every
 * scenario that reaches its code, and this machine has two cores):
 * - the reference does not fsync (test/_support/no-sync-file-system.ts: no scenario can observe it);
 * - scenarios are registered fastest first (see scenario-order.ts);
 * - property scenarios make {@link MUTATION_RUNS} runs instead of the runner's default 25;
 * - the scenarios of {@link LEFT_OUT} are left out, each for the reason given there.
 * Not a `*.test.ts` file: `npm test` runs the suite through reference.test.ts; only Stryker
 * (stryker.config.json) runs this one.
 */
import { describe, it } from 'vitest';
import { defineConformanceSuite } from '../../conformance/index.js';
import { allScenarios } from '../../conformance/scenarios/index.js';
import { TEST_SCRYPT_COST, createReferenceFactory } from '../../src/adapter/index.js';
import { ReferenceImplementation } from '../../src/adapter/reference-implementation.js';
import { noSyncFileSystem } from '../_support/no-sync-file-system.js';
import { fastestFirst, readDurations } from './scenario-order.js';

/** Runs of each property scenario: enough for each to reach its branches, a tenth of the default. */
export const MUTATION_RUNS = 3;

/** Scenarios the mutation run leaves out, with the reason. */
export const LEFT_OUT: ReadonlyMap<string, string> = new Map([
  [
    'backup/memory-follows-buffer-size',
    "BACKUP-022 (a SHOULD) measures the resident memory of the process around a 64 MiB backup; in Stryker's worker, with instrumented code and other workers beside it, that measure says nothing, and the scenario alone costs more than a hundred small ones",
  ],
]);

describe(`conformance suite, reference in-process, fastest scenarios first (seed 0, ${MUTATION_RUNS} runs)`, () => {
  defineConformanceSuite({
    test: (name, fn) => it(name, fn, 120_000),
    factory: createReferenceFactory({ scryptCost: TEST_SCRYPT_COST, fs: noSyncFileSystem }),
    supports: new ReferenceImplementation().supports,
    scenarios: fastestFirst(
      allScenarios.filter((scenario) => !LEFT_OUT.has(scenario.id)),
      readDurations(),
    ),
    seed: 0,
    runs: MUTATION_RUNS,
  });
});
