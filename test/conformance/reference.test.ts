/**
 * The whole conformance suite against the reference implementation, in-process: one vitest test
 * per scenario. `CONFORMANCE_GREP=backup/ npx vitest run test/conformance/reference.test.ts` runs
 * one area; `CONFORMANCE_SEED` / `CONFORMANCE_RUNS` replay or widen the property scenarios.
 */
import { describe, it } from 'vitest';
import { defineConformanceSuite } from '../../conformance/index.js';
import { TEST_SCRYPT_COST, createReferenceFactory } from '../../src/adapter/index.js';
import { ReferenceImplementation } from '../../src/adapter/reference-implementation.js';

const seed = process.env.CONFORMANCE_SEED === undefined ? 0 : Number(process.env.CONFORMANCE_SEED);
const runs = process.env.CONFORMANCE_RUNS === undefined ? undefined : Number(process.env.CONFORMANCE_RUNS);

describe(`conformance suite, reference in-process (seed ${seed})`, () => {
  defineConformanceSuite({
    test: (name, fn) => it(name, fn, 120_000),
    factory: createReferenceFactory({ scryptCost: TEST_SCRYPT_COST }),
    supports: new ReferenceImplementation().supports,
    seed,
    ...(runs === undefined ? {} : { runs }),
    ...(process.env.CONFORMANCE_GREP === undefined ? {} : { grep: process.env.CONFORMANCE_GREP }),
  });
});
