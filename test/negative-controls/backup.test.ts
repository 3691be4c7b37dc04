/**
 * Negative controls of the backup area: deliberately broken implementations, each wrapping the
 * reference, that the backup scenarios must report as failing for exactly the requirement ids
 * the control declares. Every MUST requirement of spec/backup.md is broken by at least one
 * control (checked below).
 *
 * Each control runs the whole backup area (so that "exactly" means something) except the
 * 64 MiB memory scenario of BACKUP-022 (a SHOULD, and the slowest scenario by far) and, unless it
 * aims at their requirements, the scenarios that took over a second in the baseline; eight
 * scenarios at once, longest first; the property scenario makes two runs. The reference is the
 * cheap one of test/_support/cheap-reference.ts (test scrypt cost, no fsync).
 *
 * Many controls misbehave only in some circumstances (a level, a buffer size, a kind of output,
 * whether a listener was given): a broken archive that cannot be restored would otherwise also
 * fail every requirement whose scenario restores, and the point is to show that each
 * requirement's own scenarios see its breakage. Where one break necessarily fails several
 * requirements, `breaks` lists them all and a comment says why.
 * `NEGATIVE_CONTROL_GREP=<text>|<text>` runs only the controls whose name contains one of the texts.
 * The controls are declared in `_controls/backup.ts`, where test/negative-controls/coverage.test.ts
 * also reads them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { backupScenarios } from '../../conformance/scenarios/backup/index.js';
import type { Scenario } from '../../conformance/scenario.js';
import { assertNegativeControl } from '../../conformance/self-test/negative-control.js';
import { runSuite, type RunSuiteOptions } from '../../conformance/runner/run-suite.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import type { Requirement } from '../../conformance/spec/requirement.js';
import { cheapReferenceFactory } from '../_support/cheap-reference.js';
import { backupControls, backupUncontrolled } from './_controls/backup.js';

const grep = process.env.NEGATIVE_CONTROL_GREP;

/** The scenarios the controls run: the whole area but the 64 MiB memory scenario (BACKUP-022, a SHOULD). */
const SCENARIOS: readonly Scenario[] = backupScenarios.filter((scenario) => scenario.id !== 'backup/memory-follows-buffer-size');

/**
 * Scenarios slower than this in the baseline (those that hold writers for a while on purpose, and
 * time them) run only for the controls that break one of their requirements: most of a control's
 * time otherwise, and a control that broke them by accident would still fail the baseline's
 * neighbours that share its code.
 */
const SLOW_MS = 1000;

describe('negative controls of the backup area', () => {
  let requirements: readonly Requirement[];
  let options: RunSuiteOptions;
  let slow: ReadonlySet<string>;

  beforeAll(async () => {
    requirements = (await loadSpec()).requirements.filter((requirement) => requirement.id.startsWith('BACKUP-'));
    const factory = cheapReferenceFactory;
    const base = { factory, requirements, seed: 1, runs: 2, concurrency: 8 } as const;
    const baseline = await runSuite({ ...base, scenarios: SCENARIOS });
    const failed = baseline.results.filter((result) => result.status !== 'pass');
    expect(failed.map((result) => `${result.scenario}: ${result.status} ${result.message ?? ''}`), 'the reference must pass every backup scenario for the controls to mean anything').toEqual([]);
    // Longest first, so that the slow scenarios do not start last.
    const took = new Map(baseline.results.map((result) => [result.scenario, result.durationMs]));
    options = { ...base, scenarios: [...SCENARIOS].sort((a, b) => (took.get(b.id) ?? 0) - (took.get(a.id) ?? 0)) };
    slow = new Set([...took].filter(([, ms]) => ms > SLOW_MS).map(([id]) => id));
  }, 180_000);

  /** The scenarios a control runs: all but the slow ones, which only the controls aimed at their requirements run. */
  function scenariosFor(breaks: readonly string[]): readonly Scenario[] {
    return options.scenarios.filter((scenario) => !slow.has(scenario.id) || scenario.requirements.some((id) => breaks.includes(id)));
  }

  it('every MUST requirement of spec/backup.md is broken by some control', () => {
    const broken = new Set(backupControls.flatMap((control) => control.breaks));
    const must = requirements.filter((requirement) => requirement.level === 'MUST').map((requirement) => requirement.id);
    expect(must.filter((id) => !broken.has(id) && !backupUncontrolled.has(id))).toEqual([]);
    expect(new Set(backupControls.map((control) => control.name)).size).toBe(backupControls.length);
  });

  for (const control of backupControls) {
    const run = grep === undefined || grep.split('|').some((part) => control.name.includes(part)) ? it : it.skip;
    run(`${control.name} fails exactly ${control.breaks.join(', ')}`, async () => {
      await assertNegativeControl(control, { ...options, scenarios: scenariosFor(control.breaks) });
    }, 180_000);
  }
});
