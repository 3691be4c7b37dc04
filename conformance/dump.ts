/**
 * The canonical dump (`spec/adapter.md`): helpers for implementations that build it.
 *
 * @packageDocumentation
 */
import type { JsonObject, Role } from './adapter.js';

/** The value of the dump's `format` member. */
export const DUMP_FORMAT = 'orientdb-backup-conformance/dump@1';

/**
 * JSON text without whitespace whose object keys are sorted by UTF-16 code unit at every depth;
 * strings and numbers are written as `JSON.stringify` writes them. Members whose value is
 * `undefined` are left out, as in `JSON.stringify`.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const members = Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The logical content of a database, in any order. */
export interface DumpContent {
  readonly classes: ReadonlyArray<{
    readonly name: string;
    readonly records: ReadonlyArray<{ readonly rid: string; readonly version: number; readonly content: JsonObject }>;
  }>;
  readonly users: ReadonlyArray<{ readonly name: string; readonly role: Role }>;
}

/** The canonical dump of `content`: classes by name, records by cluster id then position, users by name. */
export function canonicalDump(content: DumpContent): string {
  const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const ridKey = (rid: string): [number, number] => {
    const match = /^#(\d+):(\d+)$/.exec(rid);
    return match === null ? [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY] : [Number(match[1]), Number(match[2])];
  };
  return canonicalJson({
    classes: [...content.classes]
      .sort((a, b) => byCodeUnit(a.name, b.name))
      .map((c) => ({
        name: c.name,
        records: [...c.records]
          .sort((a, b) => {
            const [ca, pa] = ridKey(a.rid);
            const [cb, pb] = ridKey(b.rid);
            return ca - cb || pa - pb;
          })
          .map((r) => ({ content: r.content, rid: r.rid, version: r.version })),
      })),
    format: DUMP_FORMAT,
    users: [...content.users].sort((a, b) => byCodeUnit(a.name, b.name)).map((u) => ({ name: u.name, role: u.role })),
  });
}
