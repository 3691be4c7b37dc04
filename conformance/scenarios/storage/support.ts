/**
 * Helpers shared by the storage scenarios: reading the canonical dump, unique `memory:` URLs,
 * seeded randomness and record contents of a given size.
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import type { JsonObject, RecordData, Role } from '../../adapter.js';
import type { ScenarioContext } from '../../scenario.js';
import { seededRandom } from '../../support/random.js';

export { seededRandom };

/** The canonical dump, parsed (`spec/adapter.md`). */
export interface ParsedDump {
  readonly classes: ReadonlyArray<{ readonly name: string; readonly records: readonly RecordData[] }>;
  readonly format: string;
  readonly users: ReadonlyArray<{ readonly name: string; readonly role: Role }>;
}

/** Parses a dump, failing the scenario with the text when it is not JSON. */
export function parseDump(text: string): ParsedDump {
  assert.equal(typeof text, 'string', 'dump() must resolve a string');
  try {
    return JSON.parse(text) as ParsedDump;
  } catch (error) {
    assert.fail(`dump() is not JSON (${(error as Error).message}): ${text.slice(0, 200)}`);
  }
}

/** The users a dump lists, as `name:role` strings in the dump's order. */
export function usersOf(dump: string): string[] {
  return parseDump(dump).users.map((user) => `${user.name}:${user.role}`);
}

/**
 * A `memory:` URL no other scenario uses: `memory:` databases may live in one process shared by
 * every instance (the stdio server serves all instances from one process), so the name comes from
 * the scenario's own work directory.
 */
export function uniqueMemoryUrl(ctx: ScenarioContext, suffix: string): string {
  return `memory:${basename(ctx.workdir)}-${suffix}`;
}

/** The cluster id and position of a RID, failing the scenario when it is not `#<clusterId>:<position>`. */
export function ridParts(rid: string): { clusterId: number; position: number } {
  const match = /^#(\d+):(\d+)$/.exec(rid);
  assert.ok(match !== null, `${JSON.stringify(rid)} is not a RID of the form #<clusterId>:<position>`);
  return { clusterId: Number(match[1]), position: Number(match[2]) };
}

/** Shuffles a copy of `items` with `random` (Fisher-Yates). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * Characters of a large record's text: ASCII, characters JSON escapes, two- three- and four-byte
 * UTF-8, so that a record cut or shifted at a page boundary cannot go unnoticed.
 */
const ALPHABET = ['a', 'b', 'Z', '0', ' ', '"', '\\', '\n', 'é', '€', '𝄞', '{', '}'];

/** A record content whose JSON text is at least `bytes` bytes of UTF-8, varied by `seed`. */
export function contentOfSize(bytes: number, seed: number): JsonObject {
  const random = seededRandom(seed);
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const char = ALPHABET[Math.floor(random() * ALPHABET.length)] as string;
    parts.push(char);
    size += char === '"' || char === '\\' || char === '\n' ? 2 : Buffer.byteLength(char, 'utf8');
  }
  return { seed, text: parts.join('') };
}

/** The byte length of `content`'s JSON text in UTF-8. */
export function jsonBytes(content: JsonObject): number {
  return Buffer.byteLength(JSON.stringify(content), 'utf8');
}

/** Runs `count` inserts into `className`, at most `parallel` at once; resolves the records in the order they were issued. */
export async function insertMany(
  insert: (className: string, content: JsonObject) => Promise<RecordData>,
  className: string,
  count: number,
  contentOf: (index: number) => JsonObject,
  parallel = 100,
): Promise<RecordData[]> {
  const records: RecordData[] = [];
  for (let start = 0; start < count; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - start) }, (_, i) => insert(className, contentOf(start + i)));
    records.push(...(await Promise.all(batch)));
  }
  return records;
}

/**
 * `records` sorted by cluster id, then position. Scenarios of other behaviours compare scans and
 * dumps through it, so that only the scan scenarios (`STORAGE-017`) and the dump form
 * (`STORAGE-022`) judge the order.
 */
export function sortedByRid<T extends { readonly rid: string }>(records: readonly T[]): T[] {
  const key = (rid: string): [number, number] => {
    const { clusterId, position } = ridParts(rid);
    return [clusterId, position];
  };
  return [...records].sort((a, b) => {
    const [ca, pa] = key(a.rid);
    const [cb, pb] = key(b.rid);
    return ca - cb || pa - pb;
  });
}
