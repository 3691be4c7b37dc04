/**
 * Traceability between requirements and scenarios, as pure functions: every requirement has a
 * scenario, every scenario names known ids, ids are unique, blocks are well formed.
 *
 * @packageDocumentation
 */
import type { Feature } from '../adapter.js';
import type { Scenario } from '../scenario.js';
import type { Requirement, Spec, SpecProblem } from './requirement.js';

/** The part of a scenario the checks look at. */
export type ScenarioRef = Pick<Scenario, 'id' | 'requirements' | 'features'>;

/** An id defined more than once. */
export interface DuplicateId {
  readonly id: string;
  /** `file:line` of every definition. */
  readonly locations: readonly string[];
}

/** A scenario naming an id that no requirement defines (or a withdrawn one). */
export interface UnknownReference {
  readonly scenario: string;
  readonly id: string;
  /** True when the id is withdrawn rather than never defined. */
  readonly withdrawn: boolean;
}

/** A scenario covering a requirement without declaring a feature the requirement needs. */
export interface MissingFeature {
  readonly scenario: string;
  readonly id: string;
  readonly features: readonly Feature[];
}

/** Everything {@link checkTraceability} found; all lists are empty when the spec and suite are in step. */
export interface TraceabilityReport {
  /** Malformed requirement blocks (from the parser). */
  readonly malformed: readonly SpecProblem[];
  /** Ids defined more than once. */
  readonly duplicateIds: readonly DuplicateId[];
  /** Withdrawn ids that are defined again. */
  readonly redefinedWithdrawn: readonly string[];
  /** Requirements no scenario names. */
  readonly uncovered: readonly string[];
  /** Scenario references to ids no requirement defines. */
  readonly unknownReferences: readonly UnknownReference[];
  /** Scenario ids used more than once. */
  readonly duplicateScenarioIds: readonly string[];
  /** Scenarios that would run on implementations lacking a feature their requirement needs. */
  readonly missingFeatures: readonly MissingFeature[];
}

/** Ids defined more than once, with every location, in first-definition order. */
export function findDuplicateIds(requirements: readonly Requirement[]): DuplicateId[] {
  const byId = new Map<string, string[]>();
  for (const r of requirements) byId.set(r.id, [...(byId.get(r.id) ?? []), `${r.file}:${r.line}`]);
  return [...byId].filter(([, locations]) => locations.length > 1).map(([id, locations]) => ({ id, locations }));
}

/** Requirement ids that no scenario names, in spec order. */
export function findUncoveredRequirements(requirements: readonly Requirement[], scenarios: readonly ScenarioRef[]): string[] {
  const covered = new Set(scenarios.flatMap((s) => s.requirements));
  return unique(requirements.map((r) => r.id).filter((id) => !covered.has(id)));
}

/**
 * References to ids that are not defined. `knownIds` are ids defined but malformed (their
 * problem is reported separately, so they do not count as unknown here).
 */
export function findUnknownReferences(
  requirements: readonly Requirement[],
  scenarios: readonly ScenarioRef[],
  withdrawn: readonly string[] = [],
  knownIds: readonly string[] = [],
): UnknownReference[] {
  const defined = new Set([...requirements.map((r) => r.id), ...knownIds]);
  const gone = new Set(withdrawn);
  const found: UnknownReference[] = [];
  for (const s of scenarios) {
    for (const id of s.requirements) {
      if (gone.has(id)) found.push({ scenario: s.id, id, withdrawn: true });
      else if (!defined.has(id)) found.push({ scenario: s.id, id, withdrawn: false });
    }
  }
  return found;
}

/** Scenario ids used more than once. */
export function findDuplicateScenarioIds(scenarios: readonly ScenarioRef[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const s of scenarios) {
    if (seen.has(s.id)) duplicates.add(s.id);
    seen.add(s.id);
  }
  return [...duplicates];
}

/** Scenarios that name a requirement whose `- Features:` they do not all declare. */
export function findMissingFeatures(requirements: readonly Requirement[], scenarios: readonly ScenarioRef[]): MissingFeature[] {
  const byId = new Map(requirements.map((r) => [r.id, r]));
  const found: MissingFeature[] = [];
  for (const s of scenarios) {
    for (const id of s.requirements) {
      const needed = byId.get(id)?.features ?? [];
      const missing = needed.filter((f) => !(s.features ?? []).includes(f));
      if (missing.length > 0) found.push({ scenario: s.id, id, features: missing });
    }
  }
  return found;
}

/** Runs every check. */
export function checkTraceability(
  spec: Pick<Spec, 'requirements' | 'problems' | 'withdrawn'>,
  scenarios: readonly ScenarioRef[],
): TraceabilityReport {
  const malformedIds = spec.problems.flatMap((p) => (p.id === undefined ? [] : [p.id]));
  const withdrawn = new Set(spec.withdrawn);
  return {
    malformed: spec.problems,
    duplicateIds: findDuplicateIds(spec.requirements),
    redefinedWithdrawn: unique(spec.requirements.map((r) => r.id).filter((id) => withdrawn.has(id))),
    uncovered: findUncoveredRequirements(spec.requirements, scenarios),
    unknownReferences: findUnknownReferences(spec.requirements, scenarios, spec.withdrawn, malformedIds),
    duplicateScenarioIds: findDuplicateScenarioIds(scenarios),
    missingFeatures: findMissingFeatures(spec.requirements, scenarios),
  };
}

/** True when the report found nothing. */
export function isTraceable(report: TraceabilityReport): boolean {
  return Object.values(report).every((list: readonly unknown[]) => list.length === 0);
}

/** One line per finding, naming the offending ids; empty when {@link isTraceable}. */
export function formatTraceability(report: TraceabilityReport): string[] {
  const lines: string[] = [];
  for (const p of report.malformed) lines.push(`malformed block ${p.id ?? ''} at ${p.file}:${p.line}: ${p.message}`.replace('  ', ' '));
  for (const d of report.duplicateIds) lines.push(`${d.id} is defined ${d.locations.length} times: ${d.locations.join(', ')}`);
  for (const id of report.redefinedWithdrawn) lines.push(`${id} is withdrawn but defined again`);
  if (report.uncovered.length > 0) {
    lines.push(`${report.uncovered.length} requirement(s) without a scenario: ${report.uncovered.join(', ')}`);
  }
  for (const u of report.unknownReferences) {
    lines.push(`scenario ${u.scenario} names ${u.withdrawn ? 'withdrawn' : 'unknown'} requirement ${u.id}`);
  }
  for (const id of report.duplicateScenarioIds) lines.push(`scenario id ${id} is used more than once`);
  for (const m of report.missingFeatures) {
    lines.push(`scenario ${m.scenario} covers ${m.id} but does not declare its feature(s) ${m.features.join(', ')}`);
  }
  return lines;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
