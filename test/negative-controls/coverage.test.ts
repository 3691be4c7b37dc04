/**
 * The global check of negative controls: every MUST requirement of every area of spec/ is
 * declared broken by at least one negative control of its area (or listed as uncontrolled with
 * a reason), and every declaration names real, current requirements of its own area. It reads the
 * declarations (test/negative-controls/_controls/) without running a control: running them is
 * the job of each area's test file, whose baseline and "fails exactly" tests keep the
 * declarations true.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { negativeControl } from '../../conformance/self-test/negative-control.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import type { Requirement } from '../../conformance/spec/requirement.js';
import { CONTROLS_BY_AREA, type AreaControls } from './_controls/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What is wrong with the declared controls of `byArea` against the requirements. */
interface CoverageProblems {
  /** MUST requirements no control of their area breaks and that are not listed as uncontrolled. */
  readonly uncontrolledMusts: string[];
  /** Declarations naming unknown, withdrawn or foreign requirements, duplicate names, bad exemptions. */
  readonly wrongDeclarations: string[];
}

function coverageProblems(requirements: readonly Requirement[], withdrawn: readonly string[], byArea: Readonly<Record<string, AreaControls>>): CoverageProblems {
  const uncontrolledMusts: string[] = [];
  for (const requirement of requirements) {
    if (requirement.level !== 'MUST') continue;
    const declared = byArea[requirement.area];
    const broken = declared?.controls.some((control) => control.breaks.includes(requirement.id)) ?? false;
    if (!broken && !(declared?.uncontrolled.has(requirement.id) ?? false)) uncontrolledMusts.push(`${requirement.id} ${requirement.title} (spec/${requirement.area}.md)`);
  }
  const byId = new Map(requirements.map((requirement) => [requirement.id, requirement]));
  const wrongDeclarations: string[] = [];
  for (const [area, declared] of Object.entries(byArea)) {
    const names = declared.controls.map((control) => control.name);
    for (const name of names.filter((name, index) => names.indexOf(name) !== index)) wrongDeclarations.push(`${area}: control name ${name} is used twice`);
    for (const control of declared.controls) {
      for (const id of control.breaks) {
        const requirement = byId.get(id);
        if (withdrawn.includes(id)) wrongDeclarations.push(`${area}/${control.name}: ${id} is withdrawn`);
        else if (requirement === undefined) wrongDeclarations.push(`${area}/${control.name}: ${id} is not defined in spec/`);
        else if (requirement.area !== area) wrongDeclarations.push(`${area}/${control.name}: ${id} belongs to spec/${requirement.area}.md, whose scenarios the control does not run`);
      }
    }
    for (const [id, reason] of declared.uncontrolled) {
      const requirement = byId.get(id);
      if (requirement === undefined || requirement.level !== 'MUST' || requirement.area !== area) wrongDeclarations.push(`${area}: uncontrolled ${id} is not a MUST of this area`);
      if (reason.trim() === '') wrongDeclarations.push(`${area}: uncontrolled ${id} gives no reason`);
      if (declared.controls.some((control) => control.breaks.includes(id))) wrongDeclarations.push(`${area}: ${id} is listed as uncontrolled but a control breaks it`);
    }
  }
  return { uncontrolledMusts, wrongDeclarations };
}

const spec = await loadSpec();
const areas = [...new Set(spec.requirements.map((requirement) => requirement.area))];

describe('negative-control coverage of the spec', () => {
  it('reads a spec without problems, with every area and its MUST requirements', () => {
    expect(spec.problems).toEqual([]);
    expect(areas).toEqual(expect.arrayContaining(['storage', 'backup', 'restore', 'verify', 'incremental', 'console']));
    expect(spec.requirements.filter((requirement) => requirement.level === 'MUST').length).toBeGreaterThan(100);
  });

  it('every area of the spec has a list of controls, run by an existing test file', () => {
    expect(areas.filter((area) => CONTROLS_BY_AREA[area] === undefined)).toEqual([]);
    for (const area of areas) expect(existsSync(`${ROOT}${CONTROLS_BY_AREA[area]!.testFile}`), CONTROLS_BY_AREA[area]!.testFile).toBe(true);
  });

  it('every MUST requirement is broken by a control of its area, or is listed as uncontrolled with a reason', () => {
    const { uncontrolledMusts } = coverageProblems(spec.requirements, spec.withdrawn, CONTROLS_BY_AREA);
    expect(uncontrolledMusts, `MUST requirements without a negative control:\n${uncontrolledMusts.join('\n')}`).toEqual([]);
  });

  it('every control declares current requirements of its own area, and names are unique per area', () => {
    expect(coverageProblems(spec.requirements, spec.withdrawn, CONTROLS_BY_AREA).wrongDeclarations).toEqual([]);
  });

  it('the check names what it finds missing or wrong (on a made-up spec)', () => {
    const requirement = (id: string, area: string, level: Requirement['level']): Requirement => ({ id, area, level, title: `title of ${id}`, source: 'decision: test', features: [], codes: [], file: `${area}.md`, line: 1, text: '' });
    const requirements = [requirement('TOY-001', 'toy', 'MUST'), requirement('TOY-002', 'toy', 'MUST'), requirement('TOY-003', 'toy', 'SHOULD'), requirement('ELSE-001', 'else', 'MUST')];
    const control = (name: string, breaks: string[]) => negativeControl({ name, breaks, wrap: (factory) => factory });
    const problems = coverageProblems(requirements, ['TOY-009'], {
      toy: { testFile: 'x', controls: [control('a', ['TOY-001', 'ELSE-001']), control('a', ['TOY-009', 'TOY-004'])], uncontrolled: new Map([['TOY-003', '']]) },
    });
    expect(problems.uncontrolledMusts).toEqual(['TOY-002 title of TOY-002 (spec/toy.md)', 'ELSE-001 title of ELSE-001 (spec/else.md)']);
    expect(problems.wrongDeclarations).toEqual([
      'toy: control name a is used twice',
      'toy/a: ELSE-001 belongs to spec/else.md, whose scenarios the control does not run',
      'toy/a: TOY-009 is withdrawn',
      'toy/a: TOY-004 is not defined in spec/',
      'toy: uncontrolled TOY-003 is not a MUST of this area',
      'toy: uncontrolled TOY-003 gives no reason',
    ]);
  });
});
