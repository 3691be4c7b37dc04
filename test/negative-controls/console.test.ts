/**
 * Negative controls of the console area: deliberately broken implementations, each wrapping the
 * reference's `console` (rewriting what goes in or comes out) or one connection method, that the
 * console scenarios must report as failing for exactly the requirement ids the control declares.
 * Every MUST requirement of spec/console.md is broken by at least one control (checked below).
 *
 * Each control runs the whole console area, four scenarios at once. To keep that affordable, the
 * reference is the cheap one of test/_support/cheap-reference.ts (scrypt N=16 instead of 16384,
 * no fsync), and the mock below makes the databases the console creates itself hash cheaply too:
 * no console behaviour depends on either. `NEGATIVE_CONTROL_GREP=<name>` runs only the controls whose name contains
 * the text.
 *
 * The rewrites rely on the conventions of conformance/scenarios/console/support.ts (`-c`
 * commands joined with `; `, keywords in capitals), and on the reference's wording of its output.
 * The controls are declared in `_controls/console.ts`, where test/negative-controls/coverage.test.ts
 * also reads them.
 */
import { describe, expect, it, vi } from 'vitest';
import { consoleScenarios } from '../../conformance/scenarios/console/index.js';
import { assertNegativeControl, formatNegativeControlResult, runNegativeControl } from '../../conformance/self-test/negative-control.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import { cheapReferenceFactory } from '../_support/cheap-reference.js';
import { consoleControls } from './_controls/console.js';

vi.mock('../../src/engine/passwords.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/engine/passwords.js')>()),
  DEFAULT_SCRYPT_COST: 16,
}));

const selected = consoleControls.filter((c) => c.name.includes(process.env.NEGATIVE_CONTROL_GREP ?? ''));
const spec = await loadSpec();
const suite = {
  factory: cheapReferenceFactory,
  scenarios: consoleScenarios,
  requirements: spec.requirements,
  seed: 1,
  runs: 8,
  concurrency: 4,
};

describe('negative controls of the console area', () => {
  it('the reference passes every console scenario (the baseline the controls need)', async () => {
    const result = await runNegativeControl({ name: 'baseline', breaks: [], wrap: (f) => f }, suite);
    expect(result.failing, formatNegativeControlResult(result)).toEqual([]);
    expect(result.errored, formatNegativeControlResult(result)).toEqual([]);
  });

  it('has a control for every MUST requirement of spec/console.md', () => {
    const musts = spec.requirements.filter((r) => r.id.startsWith('CONSOLE-') && r.level === 'MUST').map((r) => r.id);
    const broken = new Set(consoleControls.flatMap((c) => c.breaks));
    expect(musts.filter((id) => !broken.has(id))).toEqual([]);
  });

  for (const each of selected) {
    it(`${each.name} fails exactly ${each.breaks.join(', ')}`, async () => {
      await assertNegativeControl(each, suite);
    });
  }
});
