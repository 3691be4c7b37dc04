/**
 * The conformance suite against the reference served over the stdio protocol
 * (`node dist/src/cli/main.js serve`, compiled by the global setup), and a check that running in
 * process and over stdio gives every requirement the same status: the protocol must carry every
 * scenario's behaviour unchanged.
 *
 * Only the areas in {@link STDIO_AREAS} run here (the coordinator widens the list as areas become
 * stable). `CONFORMANCE_GREP` narrows the per-scenario tests as in `reference.test.ts`;
 * `CONFORMANCE_SEED` replays the property scenarios.
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

/** The scenario id prefixes run over stdio. */
const STDIO_AREAS: readonly string[] = ['storage/'];

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVE = [process.execPath, 'dist/src/cli/main.js', 'serve'];
const seed = process.env.CONFORMANCE_SEED === undefined ? 0 : Number(process.env.CONFORMANCE_SEED);
const scenarios = allScenarios.filter((s) => STDIO_AREAS.some((area) => s.id.startsWith(area)));

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
    scenarios,
    supports: new ReferenceImplementation().supports,
    seed,
    ...(process.env.CONFORMANCE_GREP === undefined ? {} : { grep: process.env.CONFORMANCE_GREP }),
  });
});

describe('in process and over stdio', () => {
  it(`give every requirement of ${STDIO_AREAS.join(', ')} the same status`, async () => {
    const { requirements } = await loadSpec();
    const options = { scenarios, requirements, seed: 1, runs: 5, concurrency: 4 };
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
    expect(statusesOf(overStdio), `over stdio: ${describeFailures(overStdio).join('\n')}`).toEqual(statusesOf(inProcess));
    expect(Object.keys(statusesOf(inProcess).requirements).length).toBeGreaterThan(0);
  }, 180_000);
});
