/**
 * Scenarios: one behaviour each, tagged with the requirement ids it covers.
 *
 * A scenario lives in `conformance/scenarios/<area>/<name>.ts`, default-exports the value of
 * {@link scenario} (or an array of them), and is listed in its area's `index.ts`.
 * It drives only the {@link Implementation} it is given and asserts with `node:assert/strict`
 * and the helpers in `conformance/assertions.ts`; a thrown error is a failure.
 *
 * @packageDocumentation
 */
import type { Connection, Feature, Implementation } from './adapter.js';

/** What a scenario receives: a fresh implementation and a private work directory. */
export interface ScenarioContext {
  /** A fresh, isolated implementation (from the factory). */
  readonly impl: Implementation;
  /** An absolute path to an empty directory owned by this scenario; removed afterwards. */
  readonly workdir: string;
  /** Joins path segments under {@link ScenarioContext.workdir}. */
  path(...segments: string[]): string;
  /**
   * Creates a new `plocal:` database under the work directory (admin/admin) and resolves its
   * connection. `name` defaults to a fresh unique name.
   */
  newDatabase(name?: string): Promise<Connection>;
  /** The `plocal:` URL of a database created by {@link ScenarioContext.newDatabase} under that name. */
  urlOf(name: string): string;
  /** Seed for random choices; property scenarios must derive all randomness from it. */
  readonly seed: number;
  /** Number of runs a property scenario should make. */
  readonly runs: number;
  /** Adds a line to the scenario's log (shown when it fails). */
  log(message: string): void;
  /** Aborted when the scenario times out; long loops should check it. */
  readonly signal: AbortSignal;
}

/** A conformance scenario. */
export interface Scenario {
  /** Stable, unique id: `<area>/<kebab-case-name>`. */
  readonly id: string;
  /** One line saying the behaviour checked. */
  readonly title: string;
  /** The requirement ids (`BACKUP-003`) this scenario covers; at least one. */
  readonly requirements: readonly string[];
  /** Features the implementation must support; otherwise the scenario is skipped. */
  readonly features?: readonly Feature[];
  /** Time limit in milliseconds (default 30000). */
  readonly timeoutMs?: number;
  /** True for scenarios that take randomness from {@link ScenarioContext.seed} and {@link ScenarioContext.runs}. */
  readonly property?: boolean;
  /** The behaviour. Resolves on success; throws (an assertion) on failure. */
  run(ctx: ScenarioContext): Promise<void>;
}

/** Declares a scenario; checks its shape eagerly so that a mistake fails at load time. */
export function scenario(definition: Scenario): Scenario {
  if (!/^[a-z0-9-]+\/[a-z0-9-]+$/.test(definition.id)) {
    throw new TypeError(`scenario(): id "${definition.id}" must be "<area>/<kebab-case-name>"`);
  }
  if (definition.requirements.length === 0) {
    throw new TypeError(`scenario(): "${definition.id}" names no requirement`);
  }
  for (const id of definition.requirements) {
    if (!/^[A-Z][A-Z0-9]+-\d{3}$/.test(id)) {
      throw new TypeError(`scenario(): "${definition.id}" names a malformed requirement id "${id}"`);
    }
  }
  return Object.freeze({ ...definition });
}
