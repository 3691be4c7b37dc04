import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImplementationFactory } from '../../conformance/adapter.js';
import { readLines } from '../../conformance/protocol/lines.js';
import type { Method } from '../../conformance/protocol/methods.js';
import { serveImplementation } from '../../conformance/protocol/server.js';
import { checkImplementationMessage, checkRunnerMessage } from '../../conformance/protocol/validate.js';
import { createFakeFactory } from './fake/fake-implementation.js';

type Message = Record<string, unknown>;

/** A server on in-memory streams; every message it writes is checked against the schemas. */
function serveInMemory(factory: ImplementationFactory) {
  const input = new PassThrough();
  const output = new PassThrough();
  const logs: string[] = [];
  const done = serveImplementation(factory, input, output, { log: (l) => logs.push(l) });
  const received: Message[] = [];
  const methods = new Map<number, Method>();
  const problems: string[] = [];
  let wake: (() => void) | undefined;
  readLines(output, {
    onLine: (line) => {
      const message = JSON.parse(line) as Message;
      const problem = checkImplementationMessage(message, methods.get(message['id'] as number));
      if (problem !== undefined) problems.push(`${line}: ${problem}`);
      received.push(message);
      wake?.();
    },
  });
  let nextId = 0;
  const api = {
    received,
    problems,
    logs,
    sendRaw: (line: string) => input.write(`${line}\n`),
    send: (message: Message) => {
      if ('method' in message) {
        methods.set(message['id'] as number, message['method'] as Method);
        expect(checkRunnerMessage(message)).toBeUndefined();
      }
      input.write(`${JSON.stringify(message)}\n`);
    },
    /** Sends a request and returns its id. */
    request: (method: Method, params: Message): number => {
      const id = ++nextId;
      api.send({ id, method, params });
      return id;
    },
    /** Waits for the first message (from now on or already received) matching `predicate`. */
    next: async (predicate: (m: Message) => boolean, ms = 3000): Promise<Message> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = received.find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no matching message; received ${JSON.stringify(received)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
    },
    response: (id: number) => api.next((m) => m['id'] === id),
    call: async (method: Method, params: Message): Promise<Message> => api.response(api.request(method, params)),
    end: async () => {
      input.end();
      await done;
    },
  };
  return api;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'protocol-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function startedServer(factory = createFakeFactory()) {
  const server = serveInMemory(factory);
  const start = await server.call('start', { protocolVersion: 1 });
  expect(start).toEqual({
    id: 1,
    ok: true,
    result: { protocolVersion: 1, implementation: { name: 'fake', version: '1.0.0', language: 'TypeScript' }, supports: ['restore-to-new'] },
  });
  const { result } = await server.call('instance.create', {});
  const instance = (result as { instance: string }).instance;
  const db = (await server.call('createDatabase', { instance, url: `plocal:${dir}/db-${instance}`, options: { $: 'undefined' } })) as { result: { connection: string } };
  return { server, instance, connection: db.result.connection };
}

describe('the protocol server', () => {
  it('answers the handshake, creates instances and connections, and maps adapter calls', async () => {
    const { server, instance, connection } = await startedServer();
    expect(instance).toBe('i1');
    expect(connection).toBe('c1');
    expect(await server.call('connection.createClass', { connection, name: 'Item' })).toMatchObject({ ok: true, result: null });
    const inserted = await server.call('connection.insert', { connection, className: 'Item', content: { x: 1, $weird: { $: 'object', value: { $: 2 } } } });
    expect(inserted).toMatchObject({ ok: true, result: { rid: '#10:0', version: 1, content: { x: 1, $weird: { $: 'object', value: { $: 2 } } } } });
    expect(await server.call('connection.count', { connection, className: 'Item' })).toMatchObject({ ok: true, result: 1 });
    expect(await server.call('connection.load', { connection, rid: '#10:9' })).toMatchObject({
      ok: false,
      error: { code: 'ERR_RECORD_NOT_FOUND', message: 'no record #10:9' },
    });
    expect(await server.call('instance.dispose', { instance })).toMatchObject({ ok: true, result: null });
    expect(await server.call('connection.count', { connection, className: 'Item' })).toMatchObject({
      ok: false,
      error: { code: 'ERR_PROTOCOL', message: 'expected a live connection handle, received "c1"' },
    });
    await server.end();
    expect(server.problems).toEqual([]);
  });

  it('carries NaN and undefined arguments exactly to the implementation', async () => {
    const { server, connection } = await startedServer();
    const out = { kind: 'file', path: join(dir, 'nan.json') };
    const nan = await server.call('connection.backup', { connection, out, options: null, callable: false, listener: null, compressionLevel: { $: 'NaN' }, bufferSize: { $: 'undefined' } });
    expect(nan).toMatchObject({ ok: false, error: { code: 'ERR_INVALID_COMPRESSION_LEVEL', message: 'compressionLevel NaN is not an integer from 0 to 9' } });
    const undef = await server.call('connection.backup', { connection, out, options: null, callable: false, listener: null, compressionLevel: { $: 'undefined' }, bufferSize: { $: '-0' } });
    expect(undef).toMatchObject({ ok: false, error: { code: 'ERR_INVALID_BUFFER_SIZE', message: 'bufferSize 0 is not a positive integer' } });
    await server.end();
  });

  it('handles requests concurrently while a callable waits for its ack, and resumes the backup on ack', async () => {
    const { server, instance, connection } = await startedServer();
    await server.call('connection.createClass', { connection, name: 'Item' });
    const other = ((await server.call('openDatabase', { instance, url: `plocal:${dir}/db-${instance}`, user: 'admin', password: 'admin' })) as { result: { connection: string } }).result.connection;
    const backup = server.request('connection.backup', {
      connection,
      out: { kind: 'file', path: join(dir, 'b.json') },
      options: null,
      callable: true,
      listener: {},
      compressionLevel: 1,
      bufferSize: { $: 'undefined' },
    });
    const event = await server.next((m) => m['type'] === 'callable');
    expect(event).toEqual({ event: 1, type: 'callable', request: backup });
    // A read on another connection is answered while the callable is pending...
    expect(await server.call('connection.count', { connection: other, className: 'Item' })).toMatchObject({ ok: true, result: 0 });
    // ...and a write waits for the lock.
    const write = server.request('connection.insert', { connection: other, className: 'Item', content: { during: true } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.received.some((m) => m['id'] === write || m['id'] === backup)).toBe(false);
    server.send({ ack: 1, ok: true });
    const done = await server.response(backup);
    expect(done).toMatchObject({ ok: true, result: { bytes: expect.any(Number) } });
    expect(await server.response(write)).toMatchObject({ ok: true, result: { rid: '#10:0' } });
    const order = server.received.map((m) => (m['type'] === 'listener' ? 'listener' : m['id'] === backup ? 'backup' : m['id'] === write ? 'write' : 'other'));
    expect(order.indexOf('listener')).toBeLessThan(order.indexOf('backup'));
    expect(order.indexOf('backup')).toBeLessThan(order.indexOf('write'));
    await server.end();
    expect(server.problems).toEqual([]);
  });

  it('turns a failed ack into a throwing callable, and throws from a declared listener', async () => {
    const { server, connection } = await startedServer();
    await server.call('connection.createClass', { connection, name: 'A' });
    await server.call('connection.createClass', { connection, name: 'B' });
    const out = { kind: 'file', path: join(dir, 'c.json') };
    const failing = server.request('connection.backup', { connection, out, options: null, callable: true, listener: null, compressionLevel: 9, bufferSize: 1024 });
    const event = await server.next((m) => m['type'] === 'callable' && m['request'] === failing);
    server.send({ ack: event['event'] as number, ok: false, error: { message: 'scenario says no' } });
    expect(await server.response(failing)).toMatchObject({ ok: false, error: { code: 'ERR_CALLABLE_FAILED', message: 'callable failed: scenario says no' } });

    const listened = server.request('connection.backup', { connection, out, options: null, callable: false, listener: { throwFrom: 1, message: 'listener says no' }, compressionLevel: 9, bufferSize: 1024 });
    expect(await server.response(listened)).toMatchObject({ ok: true });
    const messages = server.received.filter((m) => m['type'] === 'listener' && m['request'] === listened).map((m) => m['message']);
    expect(messages).toEqual(['A: 0 record(s)', 'B: 0 record(s)', expect.stringMatching(/^backup done: \d+ bytes$/)]);
    await server.end();
  });

  it('answers malformed messages with ERR_PROTOCOL "expected ... received ..." and keeps serving', async () => {
    const server = serveInMemory(createFakeFactory());
    server.sendRaw('{"id": 1, "method": "createDatabase", "params": {}}');
    expect(await server.response(1)).toEqual({ id: 1, ok: false, error: { code: 'ERR_PROTOCOL', message: 'at /params: expected property "instance", received an object without it' } });
    server.sendRaw('{"id": 2, "method": "instance.create", "params": {}}');
    expect(await server.response(2)).toMatchObject({ ok: false, error: { code: 'ERR_PROTOCOL', message: 'expected the "start" request first, received "instance.create"' } });
    server.sendRaw('{"id": 3, "method": "start", "params": {"protocolVersion": 2}}');
    expect(await server.response(3)).toMatchObject({ ok: false, error: { code: 'ERR_PROTOCOL', message: 'expected protocolVersion 1, received 2' } });
    server.sendRaw('not json at all');
    expect(await server.next((m) => m['id'] === null)).toEqual({ id: null, ok: false, error: { code: 'ERR_PROTOCOL', message: 'expected one JSON object per line, received "not json at all"' } });
    server.sendRaw('{"id": 4, "method": "teleport", "params": {}}');
    expect(((await server.response(4))['error'] as { message: string }).message).toMatch(/^at \/method: expected one of "start", .* received "teleport"$/);
    server.sendRaw('{"id": 5, "method": "start", "params": {"protocolVersion": 1}, "extra": true}');
    expect(await server.response(5)).toMatchObject({ error: { message: 'at the top level: expected only the documented properties, received unexpected property "extra"' } });
    server.sendRaw('{"id": 6, "method": "connection.insert", "params": {"connection": "c1", "className": "X", "content": {"$": "Date"}}}');
    expect(await server.response(6)).toMatchObject({ error: { message: 'at /params/content/$: expected one of "undefined", "NaN", "Infinity", "-Infinity", "-0", received "Date"' } });
    server.sendRaw('{"ack": 99, "ok": true}');
    expect(await server.next((m) => m['id'] === null && String((m['error'] as { message: string }).message).includes('ack 99'))).toBeDefined();
    server.sendRaw('');
    server.sendRaw('{"id": 7, "method": "start", "params": {"protocolVersion": 1}}');
    expect(await server.response(7)).toMatchObject({ ok: true });
    await server.end();
    expect(server.problems).toEqual([]);
  });

  it('reports a factory that cannot start as ERR_IMPLEMENTATION_LOAD at the handshake', async () => {
    const server = serveInMemory(createFakeFactory({ factoryThrows: true }));
    expect(await server.call('start', { protocolVersion: 1 })).toMatchObject({
      ok: false,
      error: { code: 'ERR_IMPLEMENTATION_LOAD', message: 'the implementation could not be created: ERR_IO: fake factory refuses to start' },
    });
    await server.end();
  });

  it('fails callables still waiting for an ack when the runner goes away, then disposes every instance', async () => {
    const factory = createFakeFactory();
    const { server, connection } = await startedServer(factory);
    const backup = server.request('connection.backup', { connection, out: { kind: 'file', path: join(dir, 'd.json') }, options: null, callable: true, listener: null, compressionLevel: 9, bufferSize: 1024 });
    await server.next((m) => m['type'] === 'callable');
    await server.end();
    expect(await server.response(backup)).toMatchObject({ ok: false, error: { code: 'ERR_CALLABLE_FAILED', message: 'callable failed: the runner closed the protocol stream' } });
    expect(factory.stats.created).toBe(2); // the handshake's probe and the instance
    expect(factory.stats.disposed).toBe(2);
  });
});
