/**
 * The implementation side of the stdio protocol: serves any in-process implementation (an
 * {@link ImplementationFactory}) to a runner in another process. `backup-conformance serve` uses it
 * for the reference; any JavaScript implementation can reuse it.
 *
 * Requests are handled concurrently, so the runner can, for instance, send a write on another
 * connection while a backup waits for the acknowledgement of its callable event.
 *
 * @packageDocumentation
 */
import type { Readable, Writable } from 'node:stream';
import type { Connection, Implementation, ImplementationFactory, MessageListener } from '../adapter.js';
import { describeThrown, HarnessError } from '../errors.js';
import { listenerFromBehaviour, type ListenerBehaviour } from '../listeners.js';
import { readLines } from './lines.js';
import { ARGUMENTS, PROTOCOL_VERSION, type ConnectionMethod, type InstanceMethod } from './methods.js';
import { checkRunnerMessage } from './validate.js';
import { decodeValue, encodeValue } from './values.js';

/** Options of {@link serveImplementation}. */
export interface ServeOptions {
  /** Receives diagnostic lines (default: written to stderr). */
  readonly log?: (line: string) => void;
}

interface Request {
  readonly id: number;
  readonly method: string;
  readonly params: Record<string, unknown>;
}

/**
 * Serves `factory` over line-delimited JSON: requests on `input`, responses and events on
 * `output`. Resolves when `input` ends and every request in flight has been answered and every
 * instance disposed. When `output` is `process.stdout`, `console.log`/`info`/`debug` are sent
 * to stderr while serving, so stray logging cannot break the protocol.
 */
export async function serveImplementation(
  factory: ImplementationFactory,
  input: Readable,
  output: Writable,
  options: ServeOptions = {},
): Promise<void> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const instances = new Map<string, { impl: Implementation; connections: Set<string> }>();
  const connections = new Map<string, Connection>();
  const acks = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  const inflight = new Set<Promise<void>>();
  let started = false;
  let closed = false;
  let nextInstance = 0;
  let nextConnection = 0;
  let nextEvent = 0;

  const send = (message: unknown): void => {
    if (closed) return;
    output.write(`${JSON.stringify(message)}\n`);
  };
  output.on('error', (error) => {
    closed = true;
    log(`serve: output failed (${describeThrown(error)}); stopping`);
  });
  const protocolError = (message: string): HarnessError => new HarnessError('ERR_PROTOCOL', message);

  const restoreConsole = output === process.stdout ? redirectConsole() : () => {};

  const callableFor = (request: number) => (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const event = ++nextEvent;
      acks.set(event, { resolve, reject });
      send({ event, type: 'callable', request });
    });
  const listenerFor = (request: number, description: unknown): MessageListener | null => {
    if (description === null) return null;
    const { throwFrom, message } = description as { throwFrom?: number; message?: string };
    const behaviour: ListenerBehaviour | undefined = throwFrom === undefined ? undefined : { throwFrom, message: message ?? '' };
    return listenerFromBehaviour(behaviour, (text) => send({ event: ++nextEvent, type: 'listener', request, message: String(text) }));
  };

  const handle = async (request: Request): Promise<unknown> => {
    const { method, params } = request;
    if (method === 'start') {
      if (params['protocolVersion'] !== PROTOCOL_VERSION) {
        throw protocolError(`expected protocolVersion ${PROTOCOL_VERSION}, received ${JSON.stringify(params['protocolVersion'])}`);
      }
      let probe: Implementation;
      try {
        probe = await factory();
      } catch (error) {
        throw new HarnessError('ERR_IMPLEMENTATION_LOAD', `the implementation could not be created: ${describeThrown(error)}`);
      }
      const { name, version, language, details } = probe.info;
      const supports = [...probe.supports];
      await probe.dispose();
      started = true;
      return {
        protocolVersion: PROTOCOL_VERSION,
        implementation: { name, version, ...(language === undefined ? {} : { language }), ...(details === undefined ? {} : { details }) },
        supports,
      };
    }
    if (!started) throw protocolError(`expected the "start" request first, received "${method}"`);
    if (method === 'instance.create') {
      const id = `i${++nextInstance}`;
      instances.set(id, { impl: await factory(), connections: new Set() });
      return { instance: id };
    }
    if (method === 'instance.dispose') {
      const entry = instanceOf(params['instance']);
      instances.delete(params['instance'] as string);
      for (const c of entry.connections) connections.delete(c);
      await entry.impl.dispose();
      return null;
    }
    const args = (name: InstanceMethod | ConnectionMethod): unknown[] =>
      ARGUMENTS[name].map((argument) => {
        if (argument === 'callable') return params['callable'] === true ? callableFor(request.id) : null;
        if (argument === 'listener') return listenerFor(request.id, params['listener']);
        return decodeValue(params[argument], `/params/${argument}`);
      });
    if (method.startsWith('connection.')) {
      const name = method.slice('connection.'.length) as ConnectionMethod;
      const connection = connections.get(params['connection'] as string);
      if (connection === undefined) throw protocolError(`expected a live connection handle, received "${String(params['connection'])}"`);
      const fn = connection[name] as (...a: unknown[]) => Promise<unknown>;
      return encodeValue((await fn.apply(connection, args(name))) ?? null);
    }
    const name = method as InstanceMethod;
    const entry = instanceOf(params['instance']);
    const fn = entry.impl[name] as (...a: unknown[]) => Promise<unknown>;
    const result = await fn.apply(entry.impl, args(name));
    if (name === 'createDatabase' || name === 'openDatabase') {
      const connection = result as Connection;
      const id = `c${++nextConnection}`;
      connections.set(id, connection);
      entry.connections.add(id);
      return { connection: id, url: connection.url };
    }
    return encodeValue(result ?? null);
  };

  const instanceOf = (handle: unknown): { impl: Implementation; connections: Set<string> } => {
    const entry = instances.get(handle as string);
    if (entry === undefined) throw protocolError(`expected a live instance handle, received "${String(handle)}"`);
    return entry;
  };

  const onLine = (line: string): void => {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      send({ id: null, ok: false, error: { code: 'ERR_PROTOCOL', message: `expected one JSON object per line, received ${truncate(line)}` } });
      return;
    }
    const problem = checkRunnerMessage(message);
    const m = message as Record<string, unknown>;
    if (problem !== undefined) {
      const id = typeof m?.['id'] === 'number' && Number.isInteger(m['id']) && m['id'] > 0 ? m['id'] : null;
      send({ id, ok: false, error: { code: 'ERR_PROTOCOL', message: problem } });
      return;
    }
    if ('ack' in m) {
      const pending = acks.get(m['ack'] as number);
      if (pending === undefined) {
        send({ id: null, ok: false, error: { code: 'ERR_PROTOCOL', message: `expected an ack of a pending callable event, received ack ${String(m['ack'])}` } });
        return;
      }
      acks.delete(m['ack'] as number);
      if (m['ok'] === true) pending.resolve();
      else pending.reject(new Error((m['error'] as { message: string }).message));
      return;
    }
    const request = m as unknown as Request;
    const task = handle(request).then(
      (result) => send({ id: request.id, ok: true, result }),
      (error: unknown) => send({ id: request.id, ok: false, error: toWireError(error) }),
    );
    inflight.add(task);
    void task.finally(() => inflight.delete(task));
  };

  await new Promise<void>((resolve) => {
    readLines(input, {
      onLine,
      onTooLong: () => {
        send({ id: null, ok: false, error: { code: 'ERR_PROTOCOL', message: 'expected lines shorter than 64 MiB, received a longer one; stopping' } });
        resolve();
      },
      onEnd: resolve,
    });
  });
  // The runner is gone: callables still waiting for an ack fail, so their operations can end.
  for (const pending of acks.values()) pending.reject(new Error('the runner closed the protocol stream'));
  acks.clear();
  while (inflight.size > 0) await Promise.allSettled([...inflight]);
  for (const { impl } of instances.values()) {
    await impl.dispose().catch((error: unknown) => log(`serve: dispose failed: ${describeThrown(error)}`));
  }
  instances.clear();
  restoreConsole();
}

function toWireError(error: unknown): { code: string | null; message: string } {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' ? code : null, message };
}

function truncate(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function redirectConsole(): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  const toStderr = (...parts: unknown[]): void => {
    console.error(...parts);
  };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  return () => Object.assign(console, saved);
}
