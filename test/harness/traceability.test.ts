import { describe, expect, it } from 'vitest';
import {
  checkTraceability,
  findDuplicateIds,
  findDuplicateScenarioIds,
  findMissingFeatures,
  findUncoveredRequirements,
  findUnknownReferences,
  formatTraceability,
  isTraceable,
} from '../../conformance/spec/traceability.js';
import type { Requirement } from '../../conformance/spec/requirement.js';

const req = (id: string, extra: Partial<Requirement> = {}): Requirement => ({
  id,
  area: 'toy',
  title: `title of ${id}`,
  level: 'MUST',
  source: 'decision: test',
  features: [],
  codes: [],
  file: 'toy.md',
  line: Number(id.slice(-3)),
  text: 'MUST.',
  ...extra,
});

describe('traceability checks', () => {
  const requirements = [req('TOY-001'), req('TOY-002', { features: ['incremental'] }), req('TOY-003'), req('TOY-001', { file: 'other.md' })];
  const scenarios = [
    { id: 'toy/a', requirements: ['TOY-001', 'TOY-009'] },
    { id: 'toy/b', requirements: ['TOY-002'], features: ['incremental' as const] },
    { id: 'toy/a', requirements: ['TOY-002', 'TOY-004'] },
  ];

  it('finds duplicate ids with every location', () => {
    expect(findDuplicateIds(requirements)).toEqual([{ id: 'TOY-001', locations: ['toy.md:1', 'other.md:1'] }]);
    expect(findDuplicateIds(requirements.slice(0, 3))).toEqual([]);
  });

  it('finds requirements without scenarios', () => {
    expect(findUncoveredRequirements(requirements, scenarios)).toEqual(['TOY-003']);
  });

  it('finds unknown, withdrawn and not the malformed-but-known ids', () => {
    expect(findUnknownReferences(requirements, scenarios, ['TOY-004'], [])).toEqual([
      { scenario: 'toy/a', id: 'TOY-009', withdrawn: false },
      { scenario: 'toy/a', id: 'TOY-004', withdrawn: true },
    ]);
    expect(findUnknownReferences(requirements, scenarios, [], ['TOY-009', 'TOY-004'])).toEqual([]);
  });

  it('finds duplicate scenario ids', () => {
    expect(findDuplicateScenarioIds(scenarios)).toEqual(['toy/a']);
  });

  it('finds scenarios that do not declare a feature their requirement needs', () => {
    expect(findMissingFeatures(requirements, scenarios)).toEqual([{ scenario: 'toy/a', id: 'TOY-002', features: ['incremental'] }]);
  });

  it('combines the checks and formats one line per finding naming the ids', () => {
    const report = checkTraceability(
      { requirements, problems: [{ file: 'toy.md', line: 7, id: 'TOY-005', message: 'missing "- Level:" line' }], withdrawn: ['TOY-003'] },
      scenarios,
    );
    expect(isTraceable(report)).toBe(false);
    expect(report.redefinedWithdrawn).toEqual(['TOY-003']);
    const lines = formatTraceability(report);
    expect(lines).toEqual([
      'malformed block TOY-005 at toy.md:7: missing "- Level:" line',
      'TOY-001 is defined 2 times: toy.md:1, other.md:1',
      'TOY-003 is withdrawn but defined again',
      '1 requirement(s) without a scenario: TOY-003',
      'scenario toy/a names unknown requirement TOY-009',
      'scenario toy/a names unknown requirement TOY-004',
      'scenario id toy/a is used more than once',
      'scenario toy/a covers TOY-002 but does not declare its feature(s) incremental',
    ]);
  });

  it('is traceable when spec and scenarios are in step', () => {
    const report = checkTraceability(
      { requirements: [req('TOY-001'), req('TOY-002')], problems: [], withdrawn: [] },
      [{ id: 'toy/a', requirements: ['TOY-001', 'TOY-002'] }],
    );
    expect(isTraceable(report)).toBe(true);
    expect(formatTraceability(report)).toEqual([]);
  });
});
