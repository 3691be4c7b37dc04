/**
 * The `--grep` filter.
 *
 * @packageDocumentation
 */
import type { Scenario } from '../scenario.js';

/**
 * The scenarios matching `grep`: a case-insensitive substring of the scenario's id, title or
 * requirement ids (`BACKUP-004`, `backup/`, `BACKUP-00`, `compression`). All when `grep` is
 * undefined or empty.
 */
export function selectScenarios(scenarios: readonly Scenario[], grep: string | undefined): Scenario[] {
  if (grep === undefined || grep === '') return [...scenarios];
  const needle = grep.toLowerCase();
  return scenarios.filter((s) => `${s.id}\n${s.title}\n${s.requirements.join('\n')}`.toLowerCase().includes(needle));
}
