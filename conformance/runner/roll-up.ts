/**
 * Rolls scenario results up into one status per requirement, and applies expectations.
 *
 * Rules for a requirement covered by scenarios S:
 * - `fail` when any scenario of S failed;
 * - else `error` when any errored;
 * - else `skip` when all were skipped (the reason lists why);
 * - else `pass` (all passed or skipped, at least one passed).
 * A requirement no scenario covers is `skip` with the reason "no scenario covers it".
 *
 * @packageDocumentation
 */
import type { Requirement } from '../spec/requirement.js';
import { areaOfId } from '../spec/requirement.js';
import type { Expectations } from './expectations.js';
import type { RequirementResult, ScenarioResult, Status } from './types.js';

/** The reason given for a requirement without any scenario. */
export const NO_SCENARIO = 'no scenario covers it';

/**
 * One {@link RequirementResult} per requirement: those of `requirements` (in their order; all of
 * them when `includeUncovered`, else only those some result covers) and then ids that results
 * name but `requirements` does not define (level `UNKNOWN`).
 */
export function rollUpRequirements(
  results: readonly ScenarioResult[],
  requirements: readonly Requirement[] = [],
  options: { readonly includeUncovered?: boolean } = {},
): RequirementResult[] {
  const byRequirement = new Map<string, ScenarioResult[]>();
  for (const result of results) {
    for (const id of result.requirements) byRequirement.set(id, [...(byRequirement.get(id) ?? []), result]);
  }
  const defined = new Map(requirements.map((r) => [r.id, r]));
  const ids = [
    ...new Set([
      ...requirements.map((r) => r.id).filter((id) => options.includeUncovered === true || byRequirement.has(id)),
      ...[...byRequirement.keys()].filter((id) => !defined.has(id)),
    ]),
  ];
  return ids.map((id) => {
    const requirement = defined.get(id);
    const covering = byRequirement.get(id) ?? [];
    const base = {
      id,
      area: requirement?.area ?? areaOfId(id) ?? id.slice(0, id.lastIndexOf('-')).toLowerCase(),
      title: requirement?.title ?? '(not defined in the spec given to the runner)',
      level: requirement?.level ?? ('UNKNOWN' as const),
      passed: covering.filter((r) => r.status === 'pass').length,
      total: covering.length,
      scenarios: covering.map((r) => r.scenario),
    };
    const status = rollUpStatus(covering.map((r) => r.status));
    if (status !== 'skip') return { ...base, status };
    const reasons = [...new Set(covering.map((r) => r.message ?? 'skipped'))];
    return { ...base, status, reason: covering.length === 0 ? NO_SCENARIO : reasons.join('; ') };
  });
}

/** The roll-up rule on a list of scenario statuses (an empty list is `skip`). */
export function rollUpStatus(statuses: readonly Status[]): Status {
  if (statuses.includes('fail')) return 'fail';
  if (statuses.includes('error')) return 'error';
  if (statuses.includes('pass')) return 'pass';
  return 'skip';
}

/**
 * Marks results and requirements with their expectations:
 * - a scenario named in `expectations` gets `expectation` with `met` = (status equals the expected one);
 * - a requirement named gets the same against its roll-up status;
 * - a failing (or erroring) requirement not named itself whose every failing (or erroring)
 *   scenario has a met expectation is an expected failure too.
 */
export function applyExpectations(
  results: readonly ScenarioResult[],
  requirements: readonly RequirementResult[],
  expectations: Expectations | undefined,
): { results: ScenarioResult[]; requirements: RequirementResult[] } {
  if (expectations === undefined) return { results: [...results], requirements: [...requirements] };
  const forScenario = new Map(expectations.expectations.filter((e) => e.scenario !== undefined).map((e) => [e.scenario, e]));
  const forRequirement = new Map(expectations.expectations.filter((e) => e.requirement !== undefined).map((e) => [e.requirement, e]));

  const marked = results.map((result) => {
    const e = forScenario.get(result.scenario);
    return e === undefined ? result : { ...result, expectation: { status: e.status, reason: e.reason, met: result.status === e.status } };
  });
  const byId = new Map(marked.map((r) => [r.scenario, r]));

  const rolled = requirements.map((requirement) => {
    const e = forRequirement.get(requirement.id);
    if (e !== undefined) {
      return { ...requirement, expectation: { status: e.status, reason: e.reason, met: requirement.status === e.status } };
    }
    if (requirement.status !== 'fail' && requirement.status !== 'error') return requirement;
    const bad = requirement.scenarios.map((id) => byId.get(id)).filter((r) => r !== undefined && (r.status === 'fail' || r.status === 'error'));
    if (bad.length === 0 || !bad.every((r) => r?.expectation?.met === true)) return requirement;
    const reason = [...new Set(bad.map((r) => r?.expectation?.reason ?? ''))].join('; ');
    return { ...requirement, expectation: { status: requirement.status, reason, met: true } };
  });
  return { results: marked, requirements: rolled };
}
