/**
 * Validators for protocol messages, built on the schema bundle.
 *
 * @packageDocumentation
 */
import { atPointer, validatorFor, type JsonSchema, type Validator } from '../json-schema.js';
import type { Method } from './methods.js';
import { PROTOCOL_SCHEMA, PROTOCOL_SCHEMA_ID } from './schemas.js';

const cache = new Map<string, Validator>();

/** The validator of one definition of the bundle (e.g. `request`, `createDatabase.params`). */
export function protocolValidator(definition: string): Validator {
  let validator = cache.get(definition);
  if (validator === undefined) {
    const definitions = PROTOCOL_SCHEMA['definitions'] as Record<string, JsonSchema>;
    if (!(definition in definitions)) throw new TypeError(`protocolValidator(): no definition "${definition}"`);
    // A self-contained schema: the definition at the root with the bundle's definitions beside it.
    validator = validatorFor({ $id: `${PROTOCOL_SCHEMA_ID}/${definition}`, definitions, ...definitions[definition] });
    cache.set(definition, validator);
  }
  return validator;
}

/**
 * Checks any message the runner may receive from an implementation (response or event) and,
 * when `method` is given, a success result against that method's result schema.
 * Resolves undefined when valid, else "at ...: expected ..., received ...".
 */
export function checkImplementationMessage(message: unknown, method?: Method): string | undefined {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return `expected a JSON object, received ${JSON.stringify(message)}`;
  }
  const m = message as Record<string, unknown>;
  if ('event' in m) {
    if (m['type'] === 'callable') return protocolValidator('callableEvent')(m);
    if (m['type'] === 'listener') return protocolValidator('listenerEvent')(m);
    return `at /type: expected one of "callable", "listener", received ${JSON.stringify(m['type'])}`;
  }
  if (m['ok'] === true) {
    const problem = protocolValidator('successResponse')(m);
    if (problem !== undefined || method === undefined) return problem;
    const resultProblem = protocolValidator(`${method}.result`)(m['result']);
    return resultProblem === undefined ? undefined : `in the result of ${method}: ${atPointer(resultProblem, '/result')}`;
  }
  if (m['ok'] === false) return protocolValidator('errorResponse')(m);
  return 'expected a response (with "id" and "ok") or an event (with "event" and "type"), received an object with neither';
}

/** Checks any message an implementation may receive from the runner (request or ack), params included. */
export function checkRunnerMessage(message: unknown): string | undefined {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return `expected a JSON object, received ${JSON.stringify(message)}`;
  }
  const m = message as Record<string, unknown>;
  if ('ack' in m) return protocolValidator(m['ok'] === false ? 'ackFailure' : 'ackOk')(m);
  const problem = protocolValidator('request')(m);
  if (problem !== undefined) return problem;
  const paramsProblem = protocolValidator(`${String(m['method'])}.params`)(m['params']);
  return paramsProblem === undefined ? undefined : atPointer(paramsProblem, '/params');
}
