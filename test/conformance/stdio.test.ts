/**
 * The conformance suite against the reference served over the stdio protocol
 * (`node dist/src/cli/main.js serve`, compiled by the global setup), and a check that running in
 * process and over stdio gives every requirement the same status: the protocol must carry every
 * scenario's behaviour unchanged.
 *
 * The comparison runs every scenario of every area both ways (four at a time, property scenarios
 * with three runs). The per-scenario tests, one vitest test each as an implementer would see them,
 * run the storage area only: the comparison already runs everything over stdio, and running it all
 * a third time would add minutes and no coverage. `CONFORMANCE_GREP` narrows the per-scenario tests
 * as in `reference.test.ts`; `CONFORMANCE_SEED` replays the property scenarios.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defineConformanceSuite } from '../../conformance/index.js';
import { stdioFactory } from '../../conformance/protocol/client.js';
import { runSuite } from '../../conformance/runner/run-suite.js';
import type { SuiteReport } from '../../conformance/runner/types.js';
import { allScenarios } from '../../conformance/scenarios/index.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import referenceFactory from '../../src/adapter/index.js';
import { ReferenceImplementation } from '../../src/adapter/reference-implementation.js';

/** The scenario id prefixes of the per-scenario tests over stdio. */
const PER_SCENARIO_AREAS: readonly string[] = ['storage/'];

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVE = [process.execPath, 'dist/src/cli/main.js', 'serve'];
const seed = process.env.CONFORMANCE_SEED === undefined ? 0 : Number(process.env.CONFORMANCE_SEED);
const perScenario = allScenarios.filter((s) => PER_SCENARIO_AREAS.some((area) => s.id.startsWith(area)));

/** `requirement id -> status` of a run, and its verdict. */
function statusesOf(report: SuiteReport): { verdict: number; requirements: Record<string, string> } {
  return {
    verdict: report.verdict.exitCode,
    requirements: Object.fromEntries(report.requirements.map((r) => [r.id, r.status])),
  };
}

describe(`conformance suite, reference over stdio (seed ${seed})`, () => {
  const factory = stdioFactory(SERVE, { cwd: ROOT, validate: true });
  afterAll(() => factory.close());
  defineConformanceSuite({
    test: (name, fn) => it(name, fn, 120_000),
    factory,
    scenarios: perScenario,
    supports: new ReferenceImplementation().supports,
    seed,
    ...(process.env.CONFORMANCE_GREP === undefined ? {} : { grep: process.env.CONFORMANCE_GREP }),
  });
});

describe('in process and over stdio', () => {
  it('give every requirement of every area the same status, and the reference passes every scenario both ways', async () => {
    const { requirements } = await loadSpec();
    const options = { scenarios: allScenarios, requirements, seed: 1, runs: 3, concurrency: 4 };
    const inProcess = await runSuite({ ...options, factory: referenceFactory });
    const factory = stdioFactory(SERVE, { cwd: ROOT });
    let overStdio: SuiteReport;
    try {
      overStdio = await runSuite({ ...options, factory });
    } finally {
      await factory.close();
    }
    const describeFailures = (report: SuiteReport): string[] =>
      report.results.filter((r) => r.status !== 'pass').map((r) => `${r.scenario} ${r.status}: ${r.message ?? ''}`);
    expect(describeFailures(inProcess), 'in process').toEqual([]);
    expect(describeFailures(overStdio), 'over stdio').toEqual([]);
    expect(statusesOf(overStdio)).toEqual(statusesOf(inProcess));
    expect(overStdio.results.length).toBe(allScenarios.length);
    expect(Object.keys(statusesOf(inProcess).requirements).length).toBeGreaterThan(200);
  }, 600_000);
});
