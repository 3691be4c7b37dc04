/**
 * The order in which the mutation run registers the conformance scenarios: fastest first. Stryker
 * runs, for each mutant, only the tests that cover it and stops at the first that fails, in the
 * order they are registered; a mutant is usually killed by a quick scenario, so running the quick
 * ones first makes most mutants cost seconds. The order never changes which mutants are killed.
 *
 * The durations are measured ones (`scenario-durations.json`, scenario id -> ms); refresh them
 * after big changes with `npx tsx test/mutation/update-durations.ts` (see conformance/MUTANTS.md).
 * A scenario missing from the file counts as instant: new scenarios are usually small ones written
 * to kill a mutant.
 */
import { readFileSync } from 'node:fs';
import type { Scenario } from '../../conformance/scenario.js';

/** Where the measured durations are kept. */
export const DURATIONS_FILE = new URL('./scenario-durations.json', import.meta.url);

/** The measured durations: scenario id -> milliseconds. */
export function readDurations(): Readonly<Record<string, number>> {
  return JSON.parse(readFileSync(DURATIONS_FILE, 'utf8')) as Record<string, number>;
}

/** `scenarios` sorted by measured duration, fastest first (ties keep the suite's order). */
export function fastestFirst(scenarios: readonly Scenario[], durations: Readonly<Record<string, number>>): Scenario[] {
  return scenarios
    .map((scenario, index) => ({ scenario, index, ms: durations[scenario.id] ?? 0 }))
    .sort((a, b) => a.ms - b.ms || a.index - b.index)
    .map((entry) => entry.scenario);
}
