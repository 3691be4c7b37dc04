/**
 * Expectations: known failures of one implementation, kept outside the suite with a reason each
 * (as web-platform-tests does), so that a run can be "as expected" while they are being fixed, and
 * an unexpected pass tells that an entry can go.
 *
 * The file is JSON:
 * ```json
 * { "expectations": [
 *   { "requirement": "BACKUP-004", "status": "fail", "reason": "level 0 still deflates (#12)" },
 *   { "scenario": "restore/zip-bomb-overlap", "status": "error", "reason": "crashes the process (#15)" }
 * ] }
 * ```
 *
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { HarnessError } from '../errors.js';
import { validatorFor, type JsonSchema } from '../json-schema.js';

/** One known failure. Exactly one of `scenario` and `requirement` is given. */
export interface Expectation {
  /** A scenario id: that scenario is expected to end with `status`. */
  readonly scenario?: string;
  /** A requirement id: the requirement's roll-up is expected to be `status`. */
  readonly requirement?: string;
  /** `fail` (default) or `error`. */
  readonly status: 'fail' | 'error';
  /** Why (an issue link, a short explanation). */
  readonly reason: string;
}

/** A parsed expectations file. */
export interface Expectations {
  readonly expectations: readonly Expectation[];
}

/** The JSON Schema of an expectations file. */
export const EXPECTATIONS_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Known failures of an implementation under test',
  type: 'object',
  required: ['expectations'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    implementation: { type: 'string', description: 'Free text: which implementation the file is for.' },
    expectations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['reason'],
        additionalProperties: false,
        properties: {
          scenario: { type: 'string', pattern: '^[a-z0-9-]+/[a-z0-9-]+$' },
          requirement: { type: 'string', pattern: '^[A-Z][A-Z0-9]*-\\d{3}$' },
          status: { enum: ['fail', 'error'] },
          reason: { type: 'string', minLength: 1 },
        },
      },
    },
  },
};

/**
 * Checks a parsed expectations document; throws `ERR_INVALID_EXPECTATIONS` naming the problem.
 * `known` (scenario and requirement ids) makes entries naming unknown ids an error too.
 */
export function parseExpectations(
  document: unknown,
  known?: { readonly scenarios: Iterable<string>; readonly requirements: Iterable<string> },
  source = 'expectations',
): Expectations {
  const problem = validatorFor(EXPECTATIONS_SCHEMA)(document);
  if (problem !== undefined) throw new HarnessError('ERR_INVALID_EXPECTATIONS', `${source}: ${problem}`);
  const entries = (document as { expectations: Array<Partial<Expectation>> }).expectations;
  const scenarios = known === undefined ? undefined : new Set(known.scenarios);
  const requirements = known === undefined ? undefined : new Set(known.requirements);
  const seen = new Set<string>();
  const result: Expectation[] = entries.map((entry, index) => {
    const where = `${source}: at /expectations/${index}`;
    if ((entry.scenario === undefined) === (entry.requirement === undefined)) {
      throw new HarnessError('ERR_INVALID_EXPECTATIONS', `${where}: expected exactly one of "scenario" and "requirement"`);
    }
    const key = entry.scenario !== undefined ? `scenario ${entry.scenario}` : `requirement ${entry.requirement ?? ''}`;
    if (seen.has(key)) throw new HarnessError('ERR_INVALID_EXPECTATIONS', `${where}: ${key} is listed twice`);
    seen.add(key);
    if (entry.scenario !== undefined && scenarios !== undefined && !scenarios.has(entry.scenario)) {
      throw new HarnessError('ERR_INVALID_EXPECTATIONS', `${where}: expected a known scenario id, received "${entry.scenario}"`);
    }
    if (entry.requirement !== undefined && requirements !== undefined && !requirements.has(entry.requirement)) {
      throw new HarnessError('ERR_INVALID_EXPECTATIONS', `${where}: expected a known requirement id, received "${entry.requirement}"`);
    }
    const base = { status: entry.status ?? 'fail', reason: entry.reason ?? '' } as const;
    return entry.scenario !== undefined ? { scenario: entry.scenario, ...base } : { requirement: entry.requirement ?? '', ...base };
  });
  return { expectations: result };
}

/** Reads and parses an expectations file (see {@link parseExpectations}). */
export async function loadExpectations(
  path: string,
  known?: { readonly scenarios: Iterable<string>; readonly requirements: Iterable<string> },
): Promise<Expectations> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new HarnessError('ERR_INVALID_EXPECTATIONS', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new HarnessError('ERR_INVALID_EXPECTATIONS', `${path}: expected JSON, received text that does not parse (${(error as Error).message})`);
  }
  return parseExpectations(document, known, path);
}
