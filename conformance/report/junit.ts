/**
 * The JUnit XML reporter, for CI systems: one `<testsuite>` per requirement area, one
 * `<testcase>` per (requirement, scenario) pair with the requirement id as `classname`, so a CI
 * view groups results by requirement.
 *
 * Unexpected failures are `<failure>`, errors `<error>`, skips and expected failures `<skipped>`
 * (with the reason); a requirement without any scenario appears as a skipped testcase named
 * `(no scenario)`.
 *
 * @packageDocumentation
 */
import type { RequirementResult, ScenarioResult, SuiteReport } from '../runner/types.js';
import { escapeXmlAttribute as attr, escapeXmlText as text } from './xml.js';

interface Case {
  readonly requirement: RequirementResult;
  readonly result?: ScenarioResult;
}

/** Formats a run as JUnit XML. */
export function formatJunit(report: SuiteReport): string {
  const results = new Map(report.results.map((r) => [r.scenario, r]));
  const areas = new Map<string, Case[]>();
  for (const requirement of report.requirements) {
    const cases: Case[] =
      requirement.scenarios.length === 0 ? [{ requirement }] : requirement.scenarios.map((id) => ({ requirement, result: results.get(id) }));
    areas.set(requirement.area, [...(areas.get(requirement.area) ?? []), ...cases]);
  }

  const info = report.runInfo;
  const properties = [
    ['implementation', `${info.implementation.name} ${info.implementation.version}`],
    ['supports', info.implementation.supports.join(',')],
    ['suiteVersion', info.suiteVersion],
    ['node', info.node],
    ['seed', String(info.seed)],
    ['runs', String(info.runs)],
    ['verdict', report.verdict.summary],
  ];
  const suites: string[] = [];
  const totals = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const [area, cases] of areas) {
    const counts = { tests: cases.length, failures: 0, errors: 0, skipped: 0, time: 0 };
    const body = cases.map((c) => {
      const kind = kindOf(c);
      if (kind === 'failure') counts.failures++;
      if (kind === 'error') counts.errors++;
      if (kind === 'skipped') counts.skipped++;
      counts.time += (c.result?.durationMs ?? 0) / 1000;
      return testcase(c, kind);
    });
    for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += counts[key];
    suites.push(
      `  <testsuite name="${attr(area)}" tests="${counts.tests}" failures="${counts.failures}" errors="${counts.errors}" skipped="${counts.skipped}" time="${seconds(counts.time)}" timestamp="${attr(info.startedAt.replace(/\.\d+Z$/, ''))}">\n` +
        `    <properties>\n${properties.map(([name, value]) => `      <property name="${attr(name ?? '')}" value="${attr(value ?? '')}"/>`).join('\n')}\n    </properties>\n` +
        body.join('') +
        '  </testsuite>\n',
    );
  }
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuites name="orientdb-backup-conformance" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" skipped="${totals.skipped}" time="${seconds(info.durationMs / 1000)}">\n` +
    suites.join('') +
    '</testsuites>\n'
  );
}

type Kind = 'pass' | 'failure' | 'error' | 'skipped';

function kindOf({ result }: Case): Kind {
  if (result === undefined || result.status === 'skip') return 'skipped';
  if (result.status === 'pass') return 'pass';
  if (result.expectation?.met === true) return 'skipped';
  return result.status === 'fail' ? 'failure' : 'error';
}

function testcase({ requirement, result }: Case, kind: Kind): string {
  const name = result === undefined ? '(no scenario)' : `${result.scenario}: ${result.title}`;
  const open = `    <testcase classname="${attr(requirement.id)}" name="${attr(name)}" time="${seconds((result?.durationMs ?? 0) / 1000)}"`;
  const message = result?.message ?? requirement.reason ?? '';
  const details = [message, ...(result?.log ?? [])].join('\n');
  const inner: string[] = [];
  if (kind === 'failure' || kind === 'error') {
    inner.push(`      <${kind} message="${attr(message.split('\n')[0] ?? '')}" type="${kind === 'failure' ? 'fail' : 'error'}">${text(details)}</${kind}>`);
  } else if (kind === 'skipped') {
    const reason = result?.expectation?.met === true ? `expected ${result.expectation.status}: ${result.expectation.reason}` : message;
    inner.push(`      <skipped message="${attr(reason)}"/>`);
    if (result?.expectation?.met === true) inner.push(`      <system-out>${text(details)}</system-out>`);
  } else if (result?.expectation !== undefined) {
    inner.push(`      <system-out>${text(`unexpected pass: expected ${result.expectation.status} (${result.expectation.reason})`)}</system-out>`);
  }
  return inner.length === 0 ? `${open}/>\n` : `${open}>\n${inner.join('\n')}\n    </testcase>\n`;
}

function seconds(value: number): string {
  return value.toFixed(3);
}
