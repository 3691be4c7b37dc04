import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { validatorFor } from '../../conformance/json-schema.js';
import { formatJson, REPORT_SCHEMA, toJsonReport } from '../../conformance/report/index.js';
import { formatJunit } from '../../conformance/report/junit.js';
import { formatTable } from '../../conformance/report/table.js';
import { escapeXmlAttribute, escapeXmlText } from '../../conformance/report/xml.js';
import { parseExpectations } from '../../conformance/runner/expectations.js';
import { runSuite } from '../../conformance/runner/run-suite.js';
import type { SuiteReport } from '../../conformance/runner/types.js';
import { scenario } from '../../conformance/scenario.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import type { Requirement } from '../../conformance/spec/requirement.js';
import { createFakeFactory } from './fake/fake-implementation.js';
import { TOY_SPEC_DIR, toyScenarios } from './toy-suite.js';

let report: SuiteReport;
let requirements: readonly Requirement[];

beforeAll(async () => {
  requirements = (await loadSpec({ dir: TOY_SPEC_DIR })).requirements;
  const scenarios = [
    ...toyScenarios.filter((s) => s.id !== 'toy/throwing-listener'),
    scenario({ id: 'toy/fails', title: 'fails <with> "markup" & \u0001 control', requirements: ['TOY-004'], run: async () => assert.fail('a < b & "c"\nsecond line') }),
    scenario({ id: 'toy/errors', title: 'errors', requirements: ['TOY-005'], run: async () => Promise.reject(Object.assign(new Error('gone'), { code: 'ERR_IMPLEMENTATION_CRASHED' })) }),
    scenario({ id: 'toy/known', title: 'a known failure', requirements: ['TOY-002'], run: async () => assert.fail('known') }),
  ];
  report = await runSuite({
    factory: createFakeFactory(),
    scenarios,
    requirements,
    seed: 1,
    runs: 2,
    expectations: parseExpectations({ expectations: [{ scenario: 'toy/known', reason: 'issue #1' }, { scenario: 'toy/insert-load', reason: 'flaky?' }] }),
  });
});

describe('table reporter', () => {
  it('prints the matrix with one row per requirement, problems, unmet expectations, a summary and the verdict', () => {
    const table = formatTable(report);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^REQUIREMENT\s+LEVEL\s+STATUS\s+SCENARIOS\s+NOTE$/);
    expect(lines.find((l) => l.startsWith('TOY-004'))).toMatch(/^TOY-004\s+MUST\s+FAIL\s+1\/2$/);
    expect(lines.find((l) => l.startsWith('TOY-005'))).toMatch(/^TOY-005\s+SHOULD\s+ERROR\s+1\/2$/);
    expect(lines.find((l) => l.startsWith('TOY-006'))).toMatch(/^TOY-006\s+MUST\s+skip\s+0\/1\s+requires feature\(s\) stream-output/);
    expect(lines.find((l) => l.startsWith('TOY-007'))).toMatch(/^TOY-007\s+MAY\s+skip\s+0\/0\s+no scenario covers it$/);
    expect(lines.find((l) => l.startsWith('TOY-002'))).toMatch(/^TOY-002\s+MUST\s+FAIL\s+1\/2\s+expected fail: issue #1$/);
    expect(table).toContain('FAIL  toy/fails [TOY-004]: a < b & "c"\n');
    expect(table).toContain('ERROR toy/errors [TOY-005]: ERR_IMPLEMENTATION_CRASHED: gone\n');
    expect(table).toContain('FAIL  toy/known [TOY-002] (expected): known\n');
    expect(table).toContain('Expectations not met:\n  toy/insert-load: expected fail, got pass (unexpected pass: remove the expectation)\n');
    expect(table).toMatch(/\nMUST 6: 3 pass, 2 fail, 0 error, 1 skip \| SHOULD 1: 0 pass, 0 fail, 1 error, 0 skip \| MAY 1: 0 pass, 0 fail, 0 error, 1 skip \| scenarios 10: 6 pass, 2 fail, 1 error, 1 skip \| \d+\.\d s \| seed 1\n/);
    expect(table.endsWith('NOT CONFORMANT: 1 MUST requirement(s) fail: TOY-004 (exit 1)\n')).toBe(true);
    // Columns line up: every matrix row has STATUS at the same offset.
    const offset = lines[0]?.indexOf('STATUS');
    for (const row of lines.slice(1, 1 + report.requirements.length)) expect(row.slice(offset).match(/^(pass|FAIL|ERROR|skip)/)).not.toBeNull();
  });

  it('can list only the requirements that did not pass', () => {
    const rows = formatTable(report, { onlyProblems: true }).split('\n\n')[0]?.split('\n') ?? [];
    expect(rows.slice(1).map((r) => r.split(/\s+/)[0])).toEqual(['TOY-002', 'TOY-004', 'TOY-005', 'TOY-006', 'TOY-007']);
  });
});

describe('JSON reporter', () => {
  it('is valid against its schema and has runInfo, results, requirements at the top level', () => {
    const parsed = JSON.parse(formatJson(report)) as Record<string, unknown>;
    expect(validatorFor(REPORT_SCHEMA)(parsed)).toBeUndefined();
    expect(Object.keys(parsed)).toEqual(['reportVersion', 'runInfo', 'results', 'requirements', 'verdict']);
    expect(parsed['requirements']).toContainEqual(expect.objectContaining({ id: 'TOY-004', level: 'MUST', status: 'fail', passed: 1, total: 2 }));
    expect(parsed['results']).toContainEqual(expect.objectContaining({ scenario: 'toy/known', status: 'fail', expectation: { status: 'fail', reason: 'issue #1', met: true } }));
  });

  it('the schema rejects reports that break it, with a message', () => {
    const json = toJsonReport(report) as unknown as Record<string, unknown>;
    const check = validatorFor(REPORT_SCHEMA);
    expect(check({ ...json, requirements: [{ id: 'TOY-001', level: 'MUST', status: 'passed', passed: 1, total: 1 }] })).toMatch(
      /at \/requirements\/0\/status: expected one of "pass", "fail", "skip", "error", received "passed"/,
    );
    expect(check({ ...json, runInfo: { ...(json['runInfo'] as object), seed: -1 } })).toMatch(/at \/runInfo\/seed/);
    const { results: _omitted, ...withoutResults } = json;
    expect(check(withoutResults)).toMatch(/expected property "results"/);
  });
});

describe('JUnit reporter', () => {
  it('escapes text and attributes, and drops characters XML cannot hold', () => {
    expect(escapeXmlText('a<b>&c "d"')).toBe('a&lt;b&gt;&amp;c "d"');
    expect(escapeXmlAttribute(`x"y'z\n\t<`)).toBe('x&quot;y&apos;z&#10;&#9;&lt;');
    expect(escapeXmlText('bell\u0007 nul\u0000 lone\uD800 pair\u{1F600} ffff\uFFFF')).toBe('bell\uFFFD nul\uFFFD lone\uFFFD pair\u{1F600} ffff\uFFFD');
  });

  it('is well-formed XML with a testsuite per area and the requirement id as classname', () => {
    const xml = formatJunit(report);
    const parsed = spawnSync(
      'python3',
      [
        '-c',
        [
          'import sys, json, xml.etree.ElementTree as ET',
          'root = ET.fromstring(sys.stdin.buffer.read())',
          'out = {"root": root.tag, "attrs": root.attrib, "suites": []}',
          'for s in root.findall("testsuite"):',
          '  cases = [{"classname": c.get("classname"), "name": c.get("name"), "kinds": [k.tag for k in c], "message": [k.get("message") for k in c]} for c in s.findall("testcase")]',
          '  out["suites"].append({"name": s.get("name"), "attrs": s.attrib, "cases": cases})',
          'print(json.dumps(out))',
        ].join('\n'),
      ],
      { input: xml, encoding: 'utf8' },
    );
    if (parsed.error !== undefined || parsed.status !== 0) {
      // python3 is installed by .ci/run; without it, say so rather than pass silently.
      throw new Error(`python3 could not parse the JUnit XML: ${parsed.error?.message ?? parsed.stderr}`);
    }
    const doc = JSON.parse(parsed.stdout) as {
      root: string;
      attrs: Record<string, string>;
      suites: Array<{ name: string; attrs: Record<string, string>; cases: Array<{ classname: string; name: string; kinds: string[]; message: Array<string | null> }> }>;
    };
    expect(doc.root).toBe('testsuites');
    expect(doc.suites.map((s) => s.name)).toEqual(['toy']);
    expect(doc.attrs).toMatchObject({ tests: '12', failures: '1', errors: '1', skipped: '3' });
    const cases = doc.suites[0]?.cases ?? [];
    const failing = cases.find((c) => c.name.startsWith('toy/fails'));
    expect(failing).toEqual({ classname: 'TOY-004', name: 'toy/fails: fails <with> "markup" & \uFFFD control', kinds: ['failure'], message: ['a < b & "c"'] });
    expect(cases.find((c) => c.name.startsWith('toy/errors'))?.kinds).toEqual(['error']);
    expect(cases.find((c) => c.name.startsWith('toy/known'))).toMatchObject({ kinds: ['skipped', 'system-out'], message: ['expected fail: issue #1', null] });
    expect(cases.find((c) => c.classname === 'TOY-007')).toMatchObject({ name: '(no scenario)', kinds: ['skipped'], message: ['no scenario covers it'] });
    expect(cases.filter((c) => c.classname === 'TOY-001').map((c) => c.kinds)).toEqual([['system-out'], []]);
  });
});
