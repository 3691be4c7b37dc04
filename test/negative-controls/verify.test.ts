/**
 * Negative controls of the verify area: broken verifiers wrapping the reference, each of which the
 * verify scenarios must report as failing for exactly the requirement ids it declares. Every MUST
 * requirement of spec/verify.md is broken by at least one control (checked below). Each control
 * runs the whole verify area with one run of the property scenario, against the reference with
 * cheap password hashing. `NEGATIVE_CONTROL_GREP=<name>` runs only the matching controls.
 * The controls are declared in `_controls/verify.ts`, where test/negative-controls/coverage.test.ts
 * also reads them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyScenarios } from '../../conformance/scenarios/verify/index.js';
import { assertNegativeControl } from '../../conformance/self-test/negative-control.js';
import { runSuite } from '../../conformance/runner/run-suite.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import type { Requirement } from '../../conformance/spec/requirement.js';
import { cheapReferenceFactory } from '../_support/cheap-reference.js';
import { verifyControls } from './_controls/verify.js';

describe('negative controls of the verify area', () => {
  let requirements: readonly Requirement[];
  beforeAll(async () => {
    requirements = (await loadSpec()).requirements;
  });

  it('every MUST of spec/verify.md is broken by a control', () => {
    const musts = requirements.filter((r) => r.id.startsWith('VERIFY-') && r.level === 'MUST').map((r) => r.id);
    const broken = new Set(verifyControls.flatMap((control) => control.breaks));
    expect(musts.filter((id) => !broken.has(id))).toEqual([]);
  });

  it('the reference passes the verify area (the baseline the controls need)', async () => {
    const report = await runSuite({ factory: cheapReferenceFactory, scenarios: verifyScenarios, requirements, seed: 1, runs: 1, concurrency: 4 });
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.scenario}: ${r.status} ${r.message ?? ''}`)).toEqual([]);
  }, 300_000);

  const grep = process.env.NEGATIVE_CONTROL_GREP;
  for (const control of verifyControls.filter((c) => grep === undefined || c.name.includes(grep))) {
    it(control.name, async () => {
      await assertNegativeControl(control, { factory: cheapReferenceFactory, scenarios: verifyScenarios, requirements, seed: 1, runs: 1, concurrency: 4 });
    }, 300_000);
  }
});
