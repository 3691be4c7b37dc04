/**
 * Builds the {@link ScenarioContext} a scenario receives.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import type { Connection, Implementation } from '../adapter.js';
import type { ScenarioContext } from '../scenario.js';

/** What {@link createScenarioContext} needs. */
export interface ScenarioContextInit {
  readonly impl: Implementation;
  readonly workdir: string;
  readonly seed: number;
  readonly runs: number;
  readonly signal: AbortSignal;
  /** Receives each line the scenario logs. */
  readonly log: (message: string) => void;
}

/**
 * Creates a scenario context. `newDatabase()` without a name picks `db-1`, `db-2`, ... skipping
 * names already used; every database is `plocal:<workdir>/<name>`.
 */
export function createScenarioContext(init: ScenarioContextInit): ScenarioContext {
  const used = new Set<string>();
  let counter = 0;
  const urlOf = (name: string): string => `plocal:${join(init.workdir, name)}`;
  return Object.freeze({
    impl: init.impl,
    workdir: init.workdir,
    seed: init.seed,
    runs: init.runs,
    signal: init.signal,
    path: (...segments: string[]): string => join(init.workdir, ...segments),
    urlOf,
    log: (message: string): void => init.log(String(message)),
    newDatabase: async (name?: string): Promise<Connection> => {
      let chosen = name;
      while (chosen === undefined || (name === undefined && used.has(chosen))) chosen = `db-${++counter}`;
      used.add(chosen);
      return init.impl.createDatabase(urlOf(chosen));
    },
  });
}
