/**
 * JSON Schemas (draft-07) of every protocol message, bundled in one document whose
 * `definitions` name each message. `spec/protocol.schema.json` holds the same document for
 * implementers in other languages (a test keeps the two equal).
 *
 * @packageDocumentation
 */
import { FEATURES } from '../adapter.js';
import type { JsonSchema } from '../json-schema.js';
import { ARGUMENTS, METHODS, type Method } from './methods.js';
import { VALUE_TAGS } from './values.js';

/** The `$id` of the bundle. */
export const PROTOCOL_SCHEMA_ID = 'urn:orientdb-backup-conformance:protocol:1';

const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });
const object = (properties: Record<string, JsonSchema>, required: readonly string[] = Object.keys(properties)): JsonSchema => ({
  type: 'object',
  required: [...required],
  additionalProperties: false,
  properties,
});
const positive = { type: 'integer', minimum: 1 };
const nothing = { type: 'null' };

function paramsOf(method: Method): JsonSchema {
  if (method === 'start') return object({ protocolVersion: { type: 'integer' } });
  if (method === 'instance.create') return object({});
  if (method === 'instance.dispose') return object({ instance: ref('handle') });
  const name = method.startsWith('connection.') ? method.slice('connection.'.length) : method;
  const handle = method.startsWith('connection.') ? 'connection' : 'instance';
  const properties: Record<string, JsonSchema> = { [handle]: ref('handle') };
  for (const argument of ARGUMENTS[name as keyof typeof ARGUMENTS]) {
    properties[argument] = argument === 'callable' ? { type: 'boolean' } : argument === 'listener' ? ref('listener') : ref('value');
  }
  return object(properties);
}

const RESULTS: Readonly<Record<Method, JsonSchema>> = {
  start: object({ protocolVersion: { type: 'integer' }, implementation: ref('implementationInfo'), supports: { type: 'array', items: ref('feature') } }),
  'instance.create': object({ instance: ref('handle') }),
  'instance.dispose': nothing,
  createDatabase: object({ connection: ref('handle'), url: { type: 'string' } }),
  openDatabase: object({ connection: ref('handle'), url: { type: 'string' } }),
  restoreDatabase: nothing,
  verify: object(
    { valid: { type: 'boolean' }, code: { type: 'string' }, lines: { type: 'array', items: { type: 'string' } } },
    ['valid', 'lines'],
  ),
  console: object({ exitCode: { type: 'integer' }, stdout: { type: 'string' }, stderr: { type: 'string' } }),
  'connection.createClass': nothing,
  'connection.insert': ref('record'),
  'connection.load': ref('record'),
  'connection.update': ref('record'),
  'connection.delete': nothing,
  'connection.count': { type: 'integer', minimum: 0 },
  'connection.scan': { type: 'array', items: ref('record') },
  'connection.createUser': nothing,
  'connection.dump': { type: 'string' },
  'connection.backup': object({ bytes: { type: 'integer', minimum: 0 }, writes: { type: 'array', items: { type: 'integer', minimum: 0 } } }, ['bytes']),
  'connection.incrementalBackup': { type: 'string' },
  'connection.restore': nothing,
  'connection.exportDatabase': nothing,
  'connection.importDatabase': nothing,
  'connection.close': nothing,
};

const definitions: Record<string, JsonSchema> = {
  handle: { type: 'string', minLength: 1, description: 'An instance or connection handle the implementation chose.' },
  feature: { enum: [...FEATURES] },
  value: {
    description: 'An encoded value: JSON, with the tagged objects of "taggedValue" for values JSON cannot carry.',
    anyOf: [
      { type: ['null', 'boolean', 'number', 'string'] },
      { type: 'array', items: ref('value') },
      ref('taggedValue'),
      { type: 'object', not: { required: ['$'] }, additionalProperties: ref('value') },
    ],
  },
  taggedValue: {
    oneOf: [
      object({ $: { enum: VALUE_TAGS.filter((t) => t !== 'bigint' && t !== 'object') } }),
      object({ $: { const: 'bigint' }, value: { type: 'string', pattern: '^-?\\d+$' } }),
      object({ $: { const: 'object' }, value: { type: 'object', additionalProperties: ref('value') } }),
    ],
  },
  listener: {
    description: 'null: no listener. An object: a listener; with throwFrom, the runner\'s listener throws `message` from that call on.',
    anyOf: [
      nothing,
      { type: 'object', additionalProperties: false, properties: { throwFrom: positive, message: { type: 'string' } }, dependencies: { throwFrom: ['message'] } },
    ],
  },
  implementationInfo: object(
    { name: { type: 'string' }, version: { type: 'string' }, language: { type: 'string' }, details: { type: 'string' } },
    ['name', 'version'],
  ),
  record: object({ rid: { type: 'string' }, version: { type: 'integer' }, content: ref('value') }),
  error: object({ code: { type: ['string', 'null'] }, message: { type: 'string' } }),
  request: object({ id: positive, method: { enum: [...METHODS] }, params: { type: 'object' } }),
  successResponse: object({ id: positive, ok: { const: true }, result: {} }),
  errorResponse: object({ id: { anyOf: [positive, nothing] }, ok: { const: false }, error: ref('error') }),
  callableEvent: object({ event: positive, type: { const: 'callable' }, request: positive }),
  listenerEvent: object({ event: positive, type: { const: 'listener' }, request: positive, message: { type: 'string' } }),
  ackOk: object({ ack: positive, ok: { const: true } }),
  ackFailure: object({ ack: positive, ok: { const: false }, error: object({ message: { type: 'string' } }) }),
};
for (const method of METHODS) {
  definitions[`${method}.params`] = paramsOf(method);
  definitions[`${method}.result`] = RESULTS[method];
}

/** The bundle: `definitions` holds `request`, `successResponse`, `errorResponse`, `callableEvent`, `listenerEvent`, `ackOk`, `ackFailure`, and `<method>.params` / `<method>.result` for every method. */
export const PROTOCOL_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: PROTOCOL_SCHEMA_ID,
  title: 'orientdb-backup-conformance stdio protocol, version 1',
  definitions,
};
