/**
 * Negative controls of the restore area: deliberately broken implementations, each wrapping the
 * reference, that the restore scenarios must report as failing for exactly the requirement ids
 * the control declares. Every MUST requirement of spec/restore.md is broken by at least one
 * control (checked below).
 *
 * Each control runs the whole restore area (so that "exactly" means something) with one run of
 * the property scenarios, four scenarios at once, against the reference with cheap password
 * hashing. Wrong codes are grouped by the stage of the checks they belong to (a control then
 * breaks every requirement of its group, each through its own scenario); where one break
 * necessarily fails several requirements, `breaks` lists them all and a comment says why.
 * `NEGATIVE_CONTROL_GREP=<name>` runs only the controls whose name contains the text.
 * The controls are declared in `_controls/restore.ts`, where test/negative-controls/coverage.test.ts
 * also reads them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { restoreScenarios } from '../../conformance/scenarios/restore/index.js';
import { assertNegativeControl } from '../../conformance/self-test/negative-control.js';
import { runSuite } from '../../conformance/runner/run-suite.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import type { Requirement } from '../../conformance/spec/requirement.js';
import { cheapReferenceFactory } from '../_support/cheap-reference.js';
import { restoreControls } from './_controls/restore.js';

describe('negative controls of the restore area', () => {
  let requirements: readonly Requirement[];
  beforeAll(async () => {
    requirements = (await loadSpec()).requirements;
  });

  it('every MUST of spec/restore.md is broken by a control', () => {
    const musts = requirements.filter((r) => r.id.startsWith('RESTORE-') && r.level === 'MUST').map((r) => r.id);
    const broken = new Set(restoreControls.flatMap((control) => control.breaks));
    expect(musts.filter((id) => !broken.has(id))).toEqual([]);
  });

  /** Controls whose breakage only the thorough sweeps (10 runs or more) see. */
  const RUNS: Readonly<Record<string, number>> = { 'trailing-bytes-lose-their-code': 10 };
  /** Controls whose breakage other scenarios running beside it can hide (see the control). */
  const ALONE = new Set(['refusing-a-bomb-buffers-it']);
  it('the reference passes the restore area (the baseline the controls need)', async () => {
    const report = await runSuite({ factory: cheapReferenceFactory, scenarios: restoreScenarios, requirements, seed: 1, runs: 1, concurrency: 4 });
    expect(report.results.filter((r) => r.status !== 'pass').map((r) => `${r.scenario}: ${r.status} ${r.message ?? ''}`)).toEqual([]);
  }, 600_000);

  const grep = process.env.NEGATIVE_CONTROL_GREP;
  for (const control of restoreControls.filter((c) => grep === undefined || c.name.includes(grep))) {
    it(control.name, async () => {
      await assertNegativeControl(control, { factory: cheapReferenceFactory, scenarios: restoreScenarios, requirements, seed: 1, runs: RUNS[control.name] ?? 1, concurrency: ALONE.has(control.name) ? 1 : 4 });
    }, 600_000);
  }
});
