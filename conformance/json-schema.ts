/**
 * JSON Schema validation (ajv) with messages people can act on:
 * `at /params/url: expected string, received 42`.
 *
 * @packageDocumentation
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** A JSON Schema (draft-07), as a plain object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true });
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

/** A validator: resolves nothing when `value` matches, else the first problem as "at ...: expected ..., received ...". */
export type Validator = (value: unknown) => string | undefined;

/** Compiles `schema` once (cached per schema object) into a {@link Validator}. */
export function validatorFor(schema: JsonSchema): Validator {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = ajv.compile(schema as Record<string, unknown>);
    compiled.set(schema, validate);
  }
  const check = validate;
  return (value) => (check(value) ? undefined : describeSchemaError(mostSpecific(check.errors ?? []), value));
}

/** Prefixes the location of a problem from {@link Validator} with `pointer` (for values nested in a message). */
export function atPointer(problem: string, pointer: string): string {
  if (problem.startsWith('at the top level')) return `at ${pointer}${problem.slice('at the top level'.length)}`;
  if (problem.startsWith('at /')) return `at ${pointer}${problem.slice(3)}`;
  return problem;
}

/**
 * The error that says most: the one deepest in the value (inside an `anyOf`, the branch that got
 * furthest), the first among equals.
 */
function mostSpecific(errors: readonly ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') continue;
    if (best === undefined || depth(error.instancePath) > depth(best.instancePath)) best = error;
  }
  return best ?? errors[0];
}

function depth(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length;
}

/** Turns an ajv error into one "at <pointer>: expected ..., received ..." line. */
export function describeSchemaError(error: ErrorObject | undefined, root: unknown): string {
  if (error === undefined) return 'expected a valid value, received an invalid one';
  const where = error.instancePath === '' ? 'at the top level' : `at ${error.instancePath}`;
  const value = pointerGet(root, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `${where}: expected ${String(params['type'])}, received ${describeValue(value)}`;
    case 'required':
      return `${where}: expected property "${String(params['missingProperty'])}", received an object without it`;
    case 'additionalProperties':
      return `${where}: expected only the documented properties, received unexpected property "${String(params['additionalProperty'])}"`;
    case 'enum':
      return `${where}: expected one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, received ${describeValue(value)}`;
    case 'const':
      return `${where}: expected ${JSON.stringify(params['allowedValue'])}, received ${describeValue(value)}`;
    default:
      return `${where}: expected a value that ${error.message ?? 'matches the schema'}, received ${describeValue(value)}`;
  }
}

/** A short description of a value for messages: its JSON (truncated) and, for objects, its kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length > 80) text = `${text.slice(0, 77)}...`;
  if (Array.isArray(value)) return `an array ${text}`;
  if (value !== null && typeof value === 'object') return `an object ${text}`;
  return text;
}

function pointerGet(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let current: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
