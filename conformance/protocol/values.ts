/**
 * Encoding of values JSON cannot carry. Scenarios pass such values on purpose (a NaN compression
 * level, an undefined option) to test an implementation's argument checks, so the protocol must
 * carry them exactly. Every argument and result travels encoded:
 *
 * | value                            | encoded as                              |
 * |----------------------------------|-----------------------------------------|
 * | `undefined` (also array holes)   | `{"$":"undefined"}`                     |
 * | `NaN`, `Infinity`, `-Infinity`   | `{"$":"NaN"}`, `{"$":"Infinity"}`, `{"$":"-Infinity"}` |
 * | `-0`                             | `{"$":"-0"}`                            |
 * | a bigint                         | `{"$":"bigint","value":"<decimal>"}`    |
 * | an object that has a `$` key     | `{"$":"object","value":{...encoded}}`   |
 * | anything else JSON can hold      | itself (arrays and objects encoded member by member) |
 *
 * Functions and symbols cannot be carried: encoding them throws `ERR_PROTOCOL`.
 *
 * @packageDocumentation
 */
import { HarnessError } from '../errors.js';

/** The tags of encoded values. */
export const VALUE_TAGS = ['undefined', 'NaN', 'Infinity', '-Infinity', '-0', 'bigint', 'object'] as const;

/** Encodes `value` into plain JSON data (see the table above). */
export function encodeValue(value: unknown, path = '$'): unknown {
  switch (typeof value) {
    case 'undefined':
      return { $: 'undefined' };
    case 'number':
      if (Number.isNaN(value)) return { $: 'NaN' };
      if (value === Number.POSITIVE_INFINITY) return { $: 'Infinity' };
      if (value === Number.NEGATIVE_INFINITY) return { $: '-Infinity' };
      if (Object.is(value, -0)) return { $: '-0' };
      return value;
    case 'bigint':
      return { $: 'bigint', value: value.toString() };
    case 'string':
    case 'boolean':
      return value;
    case 'function':
    case 'symbol':
      throw new HarnessError('ERR_PROTOCOL', `cannot carry a ${typeof value} over the protocol (at ${path})`);
    default:
      break;
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    return Array.from({ length: value.length }, (_, i) => encodeValue(i in value ? value[i] : undefined, `${path}[${i}]`));
  }
  const source = value as Record<string, unknown>;
  const encoded: Record<string, unknown> = {};
  for (const key of Object.keys(source)) defineMember(encoded, key, encodeValue(source[key], `${path}.${key}`));
  return Object.hasOwn(source, '$') ? { $: 'object', value: encoded } : encoded;
}

/** Decodes data made by {@link encodeValue}; throws `ERR_PROTOCOL` on an unknown tag. */
export function decodeValue(data: unknown, path = '$'): unknown {
  if (Array.isArray(data)) return data.map((item, i) => decodeValue(item, `${path}[${i}]`));
  if (data === null || typeof data !== 'object') return data;
  const object = data as Record<string, unknown>;
  if (Object.hasOwn(object, '$')) {
    const tag = object['$'];
    switch (tag) {
      case 'undefined':
        return undefined;
      case 'NaN':
        return Number.NaN;
      case 'Infinity':
        return Number.POSITIVE_INFINITY;
      case '-Infinity':
        return Number.NEGATIVE_INFINITY;
      case '-0':
        return -0;
      case 'bigint':
        if (typeof object['value'] === 'string' && /^-?\d+$/.test(object['value'])) return BigInt(object['value']);
        throw new HarnessError('ERR_PROTOCOL', `at ${path}: expected a decimal string as bigint value, received ${JSON.stringify(object['value'])}`);
      case 'object':
        if (object['value'] !== null && typeof object['value'] === 'object' && !Array.isArray(object['value'])) {
          return decodeMembers(object['value'] as Record<string, unknown>, path);
        }
        throw new HarnessError('ERR_PROTOCOL', `at ${path}: expected an object as escaped object value, received ${JSON.stringify(object['value'])}`);
      default:
        throw new HarnessError('ERR_PROTOCOL', `at ${path}: expected a value tag (${VALUE_TAGS.join(', ')}), received ${JSON.stringify(tag)}`);
    }
  }
  return decodeMembers(object, path);
}

function decodeMembers(object: Record<string, unknown>, path: string): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const key of Object.keys(object)) defineMember(decoded, key, decodeValue(object[key], `${path}.${key}`));
  return decoded;
}

/**
 * Sets an own, enumerable member. A plain assignment would not do: `target['__proto__'] = v`
 * replaces the prototype instead of adding a member, silently dropping a `__proto__` key that
 * JSON content may legitimately hold.
 */
function defineMember(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
