/**
 * Traceability of the real specification and suite: every requirement of spec/ has a scenario,
 * every scenario names defined ids, ids are unique and blocks well formed. Each failure lists the
 * offending ids.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { allScenarios } from '../../conformance/scenarios/index.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import type { Spec } from '../../conformance/spec/requirement.js';
import { checkTraceability, formatTraceability, type TraceabilityReport } from '../../conformance/spec/traceability.js';

describe('spec/ and conformance/scenarios are in step', () => {
  let spec: Spec;
  let report: TraceabilityReport;
  beforeAll(async () => {
    spec = await loadSpec();
    report = checkTraceability(spec, allScenarios);
  });

  it('has requirement files with requirements', () => {
    expect(spec.requirements.length, `no requirements found in ${spec.dir}`).toBeGreaterThan(0);
  });

  const checks: Array<[string, keyof TraceabilityReport]> = [
    ['every requirement block is well formed', 'malformed'],
    ['no id is defined twice', 'duplicateIds'],
    ['no withdrawn id is defined again', 'redefinedWithdrawn'],
    ['every requirement has at least one scenario', 'uncovered'],
    ['every scenario names only defined, non-withdrawn ids', 'unknownReferences'],
    ['scenario ids are unique', 'duplicateScenarioIds'],
    ['scenarios declare the features of the requirements they cover', 'missingFeatures'],
  ];
  for (const [name, key] of checks) {
    it(name, () => {
      // Format only this check's findings, so the failure lists exactly the offending ids.
      expect(formatTraceability({ ...emptyReport(), [key]: report[key] })).toEqual([]);
    });
  }
});

function emptyReport(): TraceabilityReport {
  return {
    malformed: [],
    duplicateIds: [],
    redefinedWithdrawn: [],
    uncovered: [],
    unknownReferences: [],
    duplicateScenarioIds: [],
    missingFeatures: [],
  };
}

