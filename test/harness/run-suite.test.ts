import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import { parseExpectations } from '../../conformance/runner/expectations.js';
import { rollUpRequirements, rollUpStatus } from '../../conformance/runner/roll-up.js';
import { runSuite } from '../../conformance/runner/run-suite.js';
import { selectScenarios } from '../../conformance/runner/select.js';
import type { RequirementResult, ScenarioResult } from '../../conformance/runner/types.js';
import { verdictOf } from '../../conformance/runner/verdict.js';
import { scenario } from '../../conformance/scenario.js';
import type { Requirement } from '../../conformance/spec/requirement.js';
import { createFakeFactory } from './fake/fake-implementation.js';
import { TOY_SPEC_DIR, toyScenarios } from './toy-suite.js';

const result = (scenario: string, requirements: string[], status: ScenarioResult['status'], message?: string): ScenarioResult => ({
  scenario,
  title: scenario,
  requirements,
  status,
  durationMs: 1,
  ...(message === undefined ? {} : { message }),
});
const requirement = (id: string, level: Requirement['level'] = 'MUST'): Requirement => ({
  id,
  area: 'toy',
  title: id,
  level,
  source: 's',
  features: [],
  codes: [],
  file: 'toy.md',
  line: 1,
  text: 't',
});

describe('roll-up', () => {
  it('applies the rule fail > error > pass > skip', () => {
    expect(rollUpStatus(['pass', 'fail', 'error'])).toBe('fail');
    expect(rollUpStatus(['pass', 'error', 'skip'])).toBe('error');
    expect(rollUpStatus(['pass', 'skip'])).toBe('pass');
    expect(rollUpStatus(['skip', 'skip'])).toBe('skip');
    expect(rollUpStatus([])).toBe('skip');
  });

  it('counts passed/total per requirement, keeps spec order, adds unknown ids and uncovered ones', () => {
    const rolled = rollUpRequirements(
      [
        result('toy/a', ['TOY-002', 'TOY-001'], 'pass'),
        result('toy/b', ['TOY-002'], 'fail', 'boom'),
        result('toy/c', ['TOY-003', 'NEW-001'], 'skip', 'requires feature(s) incremental'),
      ],
      [requirement('TOY-001'), requirement('TOY-002', 'SHOULD'), requirement('TOY-003'), requirement('TOY-004')],
      { includeUncovered: true },
    );
    expect(rolled.map((r) => [r.id, r.level, r.status, r.passed, r.total, r.reason])).toEqual([
      ['TOY-001', 'MUST', 'pass', 1, 1, undefined],
      ['TOY-002', 'SHOULD', 'fail', 1, 2, undefined],
      ['TOY-003', 'MUST', 'skip', 0, 1, 'requires feature(s) incremental'],
      ['TOY-004', 'MUST', 'skip', 0, 0, 'no scenario covers it'],
      ['NEW-001', 'UNKNOWN', 'skip', 0, 1, 'requires feature(s) incremental'],
    ]);
    expect(rolled[1]?.scenarios).toEqual(['toy/a', 'toy/b']);
  });

  it('leaves out uncovered requirements unless asked', () => {
    const rolled = rollUpRequirements([result('toy/a', ['TOY-001'], 'pass')], [requirement('TOY-001'), requirement('TOY-004')]);
    expect(rolled.map((r) => r.id)).toEqual(['TOY-001']);
  });
});

describe('verdict', () => {
  const req = (id: string, level: RequirementResult['level'], status: RequirementResult['status'], extra: Partial<RequirementResult> = {}): RequirementResult => ({
    id,
    area: 'toy',
    title: id,
    level,
    status,
    passed: status === 'pass' ? 1 : 0,
    total: 1,
    scenarios: ['toy/x'],
    ...extra,
  });
  const ran = [result('toy/x', ['TOY-001'], 'pass')];

  it('is 0 when every MUST passes, whatever SHOULD and MAY do, and counts feature skips', () => {
    const verdict = verdictOf(
      [req('TOY-001', 'MUST', 'pass'), req('TOY-002', 'SHOULD', 'fail'), req('TOY-003', 'MAY', 'error'), req('TOY-004', 'MUST', 'skip', { reason: 'requires feature(s) incremental' })],
      ran,
    );
    expect(verdict).toEqual({
      exitCode: 0,
      summary: 'CONFORMANT: 1 MUST requirement(s) pass, 1 skipped (unsupported optional features)',
      failing: [],
      erroring: [],
    });
  });

  it('is 1 when a MUST fails, even if another errored', () => {
    const verdict = verdictOf([req('TOY-001', 'MUST', 'fail'), req('TOY-002', 'MUST', 'error')], ran);
    expect(verdict.exitCode).toBe(1);
    expect(verdict.failing).toEqual(['TOY-001']);
    expect(verdict.erroring).toEqual(['TOY-002']);
    expect(verdict.summary).toBe('NOT CONFORMANT: 1 MUST requirement(s) fail: TOY-001');
  });

  it('is 2 when a MUST errored and none failed, and when nothing ran', () => {
    expect(verdictOf([req('TOY-001', 'MUST', 'error')], ran).exitCode).toBe(2);
    expect(verdictOf([], [])).toMatchObject({ exitCode: 2, summary: 'NOT RUN: no scenario was selected' });
  });

  it('counts unknown-level requirements as MUST', () => {
    expect(verdictOf([req('NEW-001', 'UNKNOWN', 'fail')], ran).exitCode).toBe(1);
  });

  it('does not count expected failures', () => {
    const verdict = verdictOf([req('TOY-001', 'MUST', 'fail', { expectation: { status: 'fail', reason: 'known', met: true } })], ran);
    expect(verdict).toMatchObject({ exitCode: 0, summary: 'CONFORMANT: 0 MUST requirement(s) pass, 1 expected failure(s)' });
  });
});

describe('expectations', () => {
  it('validates the document with expected/received messages', () => {
    expect(() => parseExpectations({ expectations: [{ requirement: 'TOY-001', status: 'pass', reason: 'x' }] })).toThrow(
      /at \/expectations\/0\/status: expected one of "fail", "error", received "pass"/,
    );
    expect(() => parseExpectations({ expectations: [{ status: 'fail', reason: 'x' }] })).toThrow(/exactly one of "scenario" and "requirement"/);
    expect(() => parseExpectations({})).toThrow(/expected property "expectations"/);
    expect(() => parseExpectations({ expectations: [{ scenario: 'toy/nope', reason: 'x' }] }, { scenarios: ['toy/a'], requirements: [] })).toThrow(
      /expected a known scenario id, received "toy\/nope"/,
    );
    try {
      parseExpectations([]);
      assert.fail('no throw');
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_INVALID_EXPECTATIONS' });
    }
  });

  it('defaults the status to fail', () => {
    expect(parseExpectations({ expectations: [{ scenario: 'toy/a', reason: 'r' }] })).toEqual({
      expectations: [{ scenario: 'toy/a', status: 'fail', reason: 'r' }],
    });
  });
});

describe('runSuite against the fake', () => {
  it('runs the toy suite, rolls it up against the toy spec and is conformant', async () => {
    const spec = await loadSpec({ dir: TOY_SPEC_DIR });
    const report = await runSuite({ factory: createFakeFactory(), scenarios: toyScenarios, requirements: spec.requirements, seed: 7, runs: 3 });
    expect(report.results.map((r) => r.scenario)).toEqual(toyScenarios.map((s) => s.id));
    expect(Object.fromEntries(report.requirements.map((r) => [r.id, `${r.status} ${r.passed}/${r.total}`]))).toEqual({
      'TOY-001': 'pass 2/2',
      'TOY-002': 'pass 1/1',
      'TOY-003': 'pass 1/1',
      'TOY-004': 'pass 1/1',
      'TOY-005': 'pass 1/1',
      'TOY-006': 'skip 0/1',
      'TOY-007': 'pass 1/1',
      'TOY-008': 'pass 1/1',
    });
    expect(report.verdict.exitCode).toBe(0);
    expect(report.runInfo).toMatchObject({
      implementation: { name: 'fake', version: '1.0.0', language: 'TypeScript', supports: ['restore-to-new'] },
      seed: 7,
      runs: 3,
      node: process.version,
      suiteVersion: '0.1.0',
    });
    expect(Date.parse(report.runInfo.startedAt)).not.toBeNaN();
  });

  const broken = [
    scenario({ id: 'toy/ok', title: 'passes', requirements: ['TOY-001'], run: async () => {} }),
    scenario({ id: 'toy/bad', title: 'fails', requirements: ['TOY-002'], run: async () => assert.fail('broken on purpose') }),
    scenario({ id: 'toy/should', title: 'fails a SHOULD', requirements: ['TOY-005'], run: async () => assert.fail('meh') }),
  ];

  it('is not conformant (1) when a MUST fails, and an expected failure makes it conformant again', async () => {
    const spec = await loadSpec({ dir: TOY_SPEC_DIR });
    const plain = await runSuite({ factory: createFakeFactory(), scenarios: broken, requirements: spec.requirements, grep: 'toy/' });
    expect(plain.verdict).toMatchObject({ exitCode: 1, failing: ['TOY-002'] });
    expect(plain.runInfo.grep).toBe('toy/');
    expect(plain.requirements.map((r) => r.id)).toEqual(['TOY-001', 'TOY-002', 'TOY-005']);

    const expectations = parseExpectations({
      expectations: [
        { scenario: 'toy/bad', reason: 'known bug #1' },
        { requirement: 'TOY-001', reason: 'thought broken' },
      ],
    });
    const report = await runSuite({ factory: createFakeFactory(), scenarios: broken, requirements: spec.requirements, grep: 'toy/', expectations });
    expect(report.verdict.exitCode).toBe(0);
    expect(report.results[1]?.expectation).toEqual({ status: 'fail', reason: 'known bug #1', met: true });
    const byId = new Map(report.requirements.map((r) => [r.id, r]));
    expect(byId.get('TOY-002')?.expectation).toEqual({ status: 'fail', reason: 'known bug #1', met: true });
    // An unexpected pass: reported, not counted against the verdict.
    expect(byId.get('TOY-001')?.expectation).toEqual({ status: 'fail', reason: 'thought broken', met: false });
  });

  it('greps by requirement id, scenario id or title text', () => {
    expect(selectScenarios(toyScenarios, 'TOY-001').map((s) => s.id)).toEqual(['toy/insert-load', 'toy/backup-restore-round-trip']);
    expect(selectScenarios(toyScenarios, 'CALLABLE').map((s) => s.id)).toEqual(['toy/callable-locks-writes', 'toy/callable-throws']);
    expect(selectScenarios(toyScenarios, 'toy/stream').map((s) => s.id)).toEqual(['toy/stream-chunks']);
    expect(selectScenarios(toyScenarios, undefined)).toHaveLength(toyScenarios.length);
  });

  it('runs scenarios concurrently but reports them in order', async () => {
    let running = 0;
    let peak = 0;
    let releaseAll!: () => void;
    // The first three wait until three run at once (or 2 s pass), so the peak does not depend on timing.
    const threeRunning = new Promise<void>((resolve) => {
      releaseAll = resolve;
      setTimeout(resolve, 2000);
    });
    const slow = [1, 2, 3, 4].map((n) =>
      scenario({
        id: `toy/slow-${n}`,
        title: 'slow',
        requirements: ['TOY-001'],
        run: async () => {
          running++;
          peak = Math.max(peak, running);
          if (running === 3) releaseAll();
          await threeRunning;
          await new Promise((resolve) => setTimeout(resolve, 5 * (4 - n)));
          running--;
        },
      }),
    );
    const progress: number[] = [];
    const report = await runSuite({ factory: createFakeFactory(), scenarios: slow, concurrency: 3, onResult: (_, done) => progress.push(done) });
    expect(peak).toBe(3);
    expect(report.results.map((r) => r.scenario)).toEqual(['toy/slow-1', 'toy/slow-2', 'toy/slow-3', 'toy/slow-4']);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(report.requirements).toMatchObject([{ id: 'TOY-001', level: 'UNKNOWN', status: 'pass', passed: 4, total: 4 }]);
  });

  it('refuses bad options with ERR_INVALID_ARGUMENT', async () => {
    await expect(runSuite({ factory: createFakeFactory(), scenarios: [], runs: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await expect(runSuite({ factory: createFakeFactory(), scenarios: [], seed: -1 })).rejects.toThrow(/expected seed to be an integer/);
    await expect(runSuite({ factory: 42 as never, scenarios: [] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('draws and reports a random seed when none is given', async () => {
    const report = await runSuite({ factory: createFakeFactory(), scenarios: toyScenarios.slice(0, 1) });
    expect(Number.isInteger(report.runInfo.seed)).toBe(true);
  });
});
