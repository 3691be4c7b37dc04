/**
 * Record contents: JSON objects, checked and encoded once on the way in.
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';

/** A JSON value as stored in a record. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A record's content: a JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** The largest record content, as UTF-8 JSON text: 64 MiB. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/** Nesting deeper than this is refused (it also catches circular structures cheaply). */
export const MAX_DOCUMENT_DEPTH = 256;

function invalid(why: string, path: string): never {
  throw fail('ERR_INVALID_DOCUMENT', `The record content is not storable: ${why} at ${path}`, { details: { path } });
}

function check(value: unknown, path: string, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) invalid(`the number ${String(value)} has no JSON form`, path);
      return;
    case 'object': {
      if (value === null) return;
      if (depth >= MAX_DOCUMENT_DEPTH) invalid(`nesting deeper than ${MAX_DOCUMENT_DEPTH} levels (or a circular reference)`, path);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value)) invalid('an array hole', `${path}[${i}]`);
          check(value[i], `${path}[${i}]`, depth + 1);
        }
        return;
      }
      const prototype = Object.getPrototypeOf(value) as unknown;
      if (prototype !== Object.prototype && prototype !== null) invalid('an object that is not a plain object', path);
      for (const key in value) check((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
      return;
    }
    default:
      invalid(`a value of type ${typeof value}`, path);
  }
}

/** A record content as stored: its JSON text and the text's length in UTF-8 bytes. */
export interface EncodedDocument {
  readonly text: string;
  readonly bytes: number;
}

/**
 * Checks that `content` is a plain JSON object (no `undefined`, functions, symbols, bigints,
 * non-finite numbers, class instances, array holes, cycles) and returns its JSON text.
 */
export function encodeDocument(content: unknown): EncodedDocument {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    throw fail('ERR_INVALID_DOCUMENT', 'The record content must be a JSON object');
  }
  check(content, '$', 0);
  const text = JSON.stringify(content);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DOCUMENT_BYTES) {
    throw fail('ERR_INVALID_DOCUMENT', `The record content is ${bytes} bytes of JSON; the limit is ${MAX_DOCUMENT_BYTES}`);
  }
  return { text, bytes };
}
