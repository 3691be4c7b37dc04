/**
 * Canonical JSON: no whitespace, object keys sorted by UTF-16 code unit order at every depth, so
 * that equal values always give equal text.
 *
 * @packageDocumentation
 */
import type { JsonValue } from './documents.js';

/** Serialises `value` canonically. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key]!)}`).join(',')}}`;
}
