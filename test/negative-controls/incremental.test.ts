/**
 * Negative controls of the incremental area (spec/incremental.md): the suite, run over the area's
 * scenarios against each deliberately broken implementation of `test/incremental/_controls/`,
 * must report FAIL for exactly the requirements the control declares.
 *
 * The implementation is the reference with cheap password hashing and without fsync
 * (`cheap-reference.ts`): neither is observable by a scenario, and together they were most of the
 * area's time. The five slow scenarios (the 50 MB size scenario, the property, and the three that
 * watch a running backup) run in the baseline and for the controls that break their requirements;
 * the other controls run without them, which keeps this file at a few minutes. Replay the property
 * scenario's choices with CONFORMANCE_SEED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../conformance/runner/run-suite.js';
import { incrementalScenarios } from '../../conformance/scenarios/incremental/index.js';
import { assertNegativeControl } from '../../conformance/self-test/negative-control.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import type { Requirement } from '../../conformance/spec/requirement.js';
import { cheapReferenceFactory } from '../_support/cheap-reference.js';
import { incrementalControls } from '../incremental/_controls/controls.js';

const SEED = Number(process.env.CONFORMANCE_SEED ?? 1);
const RUNS = 3;
const SLOW = new Set([
  'incremental/size-follows-change',
  'incremental/prefix-property',
  'incremental/files-appear-complete',
  'incremental/writes-proceed',
  'incremental/consistent-at-end-lsn',
]);

let requirements: Requirement[];
beforeAll(async () => {
  requirements = (await loadSpec()).requirements.filter((requirement) => requirement.id.startsWith('INCR-'));
});

function scenariosFor(breaks: readonly string[]) {
  return incrementalScenarios.filter((scenario) => !SLOW.has(scenario.id) || scenario.requirements.some((id) => breaks.includes(id)));
}

describe(`negative controls of the incremental area (seed ${SEED})`, () => {
  it('the baseline: the reference passes every incremental scenario', async () => {
    const report = await runSuite({ factory: cheapReferenceFactory, scenarios: incrementalScenarios, requirements, seed: SEED, runs: RUNS, concurrency: 2 });
    const failing = report.results.filter((result) => result.status !== 'pass').map((result) => `${result.scenario}: ${result.status} ${result.message ?? ''}`);
    expect(failing).toEqual([]);
  }, 600_000);

  it('every MUST of spec/incremental.md is broken by at least one control', () => {
    const broken = new Set(incrementalControls.flatMap((control) => control.breaks));
    const musts = requirements.filter((requirement) => requirement.level === 'MUST').map((requirement) => requirement.id);
    expect(musts.length).toBeGreaterThan(30);
    expect(musts.filter((id) => !broken.has(id))).toEqual([]);
  });

  for (const control of incrementalControls) {
    it(`${control.name} fails exactly ${control.breaks.join(', ')}`, async () => {
      await assertNegativeControl(control, {
        factory: cheapReferenceFactory,
        scenarios: scenariosFor(control.breaks),
        requirements,
        seed: SEED,
        runs: RUNS,
        concurrency: 2,
      });
    }, 600_000);
  }
});
