/**
 * Negative controls of the storage area: deliberately broken implementations, each wrapping the
 * reference, that the storage scenarios must report as failing for exactly the requirement ids
 * the control declares. Every MUST requirement of spec/storage.md is broken by at least one
 * control (checked below).
 *
 * Each control runs the whole storage area (so that "exactly" means something), several
 * scenarios at once; the property scenario makes fewer runs than the default.
 * `NEGATIVE_CONTROL_GREP=<name>` runs only the controls whose name contains the text.
 * The controls are declared in `_controls/storage.ts`, where test/negative-controls/coverage.test.ts
 * also reads them.
 */
import { describe, expect, it } from 'vitest';
import { storageScenarios } from '../../conformance/scenarios/storage/index.js';
import { assertNegativeControl, formatNegativeControlResult, runNegativeControl } from '../../conformance/self-test/negative-control.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import { cheapReferenceFactory } from '../_support/cheap-reference.js';
import { storageControls } from './_controls/storage.js';

const selected = storageControls.filter((c) => c.name.includes(process.env.NEGATIVE_CONTROL_GREP ?? ''));
const spec = await loadSpec();
const suite = {
  factory: cheapReferenceFactory,
  scenarios: storageScenarios,
  requirements: spec.requirements,
  seed: 1,
  runs: 5,
  concurrency: 4,
};

describe('negative controls of the storage area', () => {
  it('the reference passes every storage scenario (the baseline the controls need)', async () => {
    const result = await runNegativeControl({ name: 'baseline', breaks: [], wrap: (f) => f }, suite);
    expect(result.ok, formatNegativeControlResult(result)).toBe(true);
  });

  it('has a control for every MUST requirement of spec/storage.md', () => {
    const musts = spec.requirements.filter((r) => r.id.startsWith('STORAGE-') && r.level === 'MUST').map((r) => r.id);
    const broken = new Set(storageControls.flatMap((c) => c.breaks));
    expect(musts.filter((id) => !broken.has(id))).toEqual([]);
  });

  for (const each of selected) {
    it(`${each.name} fails exactly ${each.breaks.join(', ')}`, async () => {
      await assertNegativeControl(each, suite);
    });
  }
});
