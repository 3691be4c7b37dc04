/**
 * The requirement model: what a `### AREA-NNN title` block of `spec/<area>.md` says.
 *
 * @packageDocumentation
 */
import type { Feature } from '../adapter.js';

/** The strength of a requirement. */
export type RequirementLevel = 'MUST' | 'SHOULD' | 'MAY';

/** Every level, strongest first. */
export const REQUIREMENT_LEVELS: readonly RequirementLevel[] = ['MUST', 'SHOULD', 'MAY'];

/** One requirement, as parsed from its block. */
export interface Requirement {
  /** The permanent id, e.g. `BACKUP-004`. */
  readonly id: string;
  /** The area: the requirement file's name without `.md`, e.g. `backup`. */
  readonly area: string;
  /** The heading's title, e.g. `Level 0 writes STORED entries`. */
  readonly title: string;
  /** MUST, SHOULD or MAY. */
  readonly level: RequirementLevel;
  /** The `- Source:` line: a manual quote, `OrientDB: ...` or `decision: ...`. */
  readonly source: string;
  /** Optional features the requirement needs (`- Features:`), empty when none. */
  readonly features: readonly Feature[];
  /** Error codes the requirement asserts (`- Codes:`), empty when none. */
  readonly codes: readonly string[];
  /** The file the block is in, as given to the parser (usually an absolute path). */
  readonly file: string;
  /** The 1-based line of the heading. */
  readonly line: number;
  /** The normative text (paragraphs after the field lines, without the notes). */
  readonly text: string;
  /** The `Notes:` paragraphs, when there are any. */
  readonly notes?: string;
}

/** Something wrong in a requirement file: the block it concerns is left out of the model. */
export interface SpecProblem {
  /** The file. */
  readonly file: string;
  /** The 1-based line the problem is on. */
  readonly line: number;
  /** The requirement id concerned, when the heading could be read. */
  readonly id?: string;
  /** What is wrong, as "expected ... / received ...". */
  readonly message: string;
}

/** The whole specification as loaded from a `spec/` directory. */
export interface Spec {
  /** The absolute directory read. */
  readonly dir: string;
  /** The requirement files read, in area order. */
  readonly files: readonly string[];
  /** Every well-formed requirement, in file order. */
  readonly requirements: readonly Requirement[];
  /** Malformed blocks and other format problems. */
  readonly problems: readonly SpecProblem[];
  /** Ids listed as withdrawn in `spec/README.md` (never to be defined or referenced again). */
  readonly withdrawn: readonly string[];
}

/** Known areas and the id prefix each uses. */
export const AREA_PREFIXES: Readonly<Record<string, string>> = {
  storage: 'STORAGE',
  backup: 'BACKUP',
  restore: 'RESTORE',
  verify: 'VERIFY',
  incremental: 'INCR',
  console: 'CONSOLE',
};

/** Files of `spec/` that hold no requirements. */
export const NON_REQUIREMENT_FILES: readonly string[] = [
  'README.md',
  'errors.md',
  'adapter.md',
  'protocol.md',
  'manual-map.md',
];

/** The area a requirement id belongs to, from its prefix (`INCR-002` -> `incremental`); `undefined` when unknown. */
export function areaOfId(id: string): string | undefined {
  const prefix = id.slice(0, id.lastIndexOf('-'));
  return Object.keys(AREA_PREFIXES).find((area) => AREA_PREFIXES[area] === prefix);
}
