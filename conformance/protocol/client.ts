/**
 * The runner side of the stdio protocol: an {@link ImplementationFactory} backed by a child
 * process that speaks the protocol (`spec/protocol.md`).
 *
 * One process serves many scenarios: each `factory()` call creates an instance in it. When the
 * process crashes, hangs (no answer within the per-request time limit), or breaks the protocol,
 * every live instance is marked faulty (the runner reports its scenario as `error`, with the tail
 * of the process's stderr), the process is killed, and the next `factory()` call starts a new one.
 *
 * @packageDocumentation
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type {
  BackupOptions,
  BackupOutput,
  BackupResult,
  Connection,
  ConsoleRun,
  Feature,
  Implementation,
  ImplementationFactory,
  ImplementationInfo,
  JsonObject,
  LockedCallable,
  MessageListener,
  RecordData,
  RestoreOptions,
  RestoreSource,
  Role,
  VerifyReport,
} from '../adapter.js';
import { describeThrown, HarnessError } from '../errors.js';
import { listenerBehaviour } from '../listeners.js';
import { reportImplementationFault } from '../runner/fault.js';
import { splitCommandLine } from './command-line.js';
import { readLines } from './lines.js';
import { PROTOCOL_VERSION, type Method } from './methods.js';
import { checkImplementationMessage, checkRunnerMessage } from './validate.js';
import { decodeValue, encodeValue } from './values.js';

/** Options of {@link stdioFactory}. */
export interface StdioOptions {
  /** Time an implementation may take to answer one request (default 60000 ms); the time a callable runs on the runner's side does not count. */
  readonly requestTimeoutMs?: number;
  /** Time to start the process and answer `start` (default 20000 ms). */
  readonly startTimeoutMs?: number;
  /** Time `instance.dispose` may take (default 5000 ms). */
  readonly disposeTimeoutMs?: number;
  /** Validate every message in both directions against the protocol's JSON Schemas, results included (Bowtie-style). */
  readonly validate?: boolean;
  /** Working directory of the process (default: the runner's). */
  readonly cwd?: string;
  /** Environment of the process (default: the runner's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Receives the process's stderr as it comes (default: kept only as a tail for error messages). */
  readonly onStderr?: (text: string) => void;
  /** How many characters of stderr to keep for error messages (default 4000). */
  readonly stderrTail?: number;
}

/** The factory {@link stdioFactory} returns, with its process management. */
export interface StdioFactory extends ImplementationFactory {
  /** Ends the current process (closes its stdin, then kills it if it does not exit within 2 s). */
  close(): Promise<void>;
  /** How many processes were started so far (1 + restarts). */
  readonly processesStarted: number;
  /** The command line's words. */
  readonly command: readonly string[];
}

interface Pending {
  readonly method: Method;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly callable: LockedCallable | null;
  readonly listener: MessageListener | null;
  readonly timeoutMs: number;
  /** The instance the request belongs to, so its leftovers can be abandoned when it is disposed. */
  readonly owner: object | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * An implementation factory that runs `commandLine` (split by {@link splitCommandLine}, no shell)
 * and talks to it over stdin/stdout. The process is started on the first `factory()` call.
 */
export function stdioFactory(commandLine: string | readonly string[], options: StdioOptions = {}): StdioFactory {
  const command = typeof commandLine === 'string' ? splitCommandLine(commandLine) : [...commandLine];
  if (command.length === 0) throw new HarnessError('ERR_USAGE', 'stdioFactory(): expected a command, received nothing');
  let session: Promise<Session> | undefined;
  let started = 0;

  const current = async (): Promise<Session> => {
    const existing = session === undefined ? undefined : await session.catch(() => undefined);
    if (existing !== undefined && existing.fault === undefined) return existing;
    started++;
    const next = Session.start(command, options);
    session = next;
    next.catch(() => {
      if (session === next) session = undefined;
    });
    return next;
  };

  const factory = async (): Promise<Implementation> => {
    const s = await current();
    const { instance } = (await s.request('instance.create', {})) as { instance: string };
    const impl = new StdioImplementation(s, instance);
    s.instances.add(impl);
    return impl;
  };
  const close = async (): Promise<void> => {
    const s = session === undefined ? undefined : await session.catch(() => undefined);
    session = undefined;
    await s?.close();
  };
  return Object.defineProperties(factory, {
    close: { value: close },
    command: { value: Object.freeze(command) },
    processesStarted: { get: () => started },
  }) as StdioFactory;
}

/** One running process. */
class Session {
  info!: ImplementationInfo;
  supports!: readonly Feature[];
  fault: HarnessError | undefined;
  readonly instances = new Set<StdioImplementation>();
  private readonly pending = new Map<number, Pending>();
  /** Requests of disposed instances still unanswered: their late responses and events are ignored. */
  private readonly abandoned = new Set<number>();
  private nextId = 0;
  private stderr = '';
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly command: readonly string[],
    readonly options: StdioOptions,
  ) {
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      options.onStderr?.(text);
      const keep = options.stderrTail ?? 4000;
      this.stderr = (this.stderr + text).slice(-keep);
    });
    child.stdin?.on('error', () => {
      // EPIPE when the process died; the close handler reports it.
    });
    readLines(child.stdout as Readable, {
      onLine: (line) => this.onLine(line),
      onTooLong: () => this.die('ERR_PROTOCOL', 'expected lines shorter than 64 MiB on stdout, received a longer one'),
    });
    child.once('error', (error) => this.die('ERR_IMPLEMENTATION_LOAD', `cannot run ${this.command.join(' ')}: ${error.message}`));
    child.once('close', (code, signal) => {
      const how = signal === null ? `exited with code ${String(code)}` : `was killed by ${signal}`;
      this.die('ERR_IMPLEMENTATION_CRASHED', `the implementation process ${how}`);
    });
    this.idle();
  }

  /** Spawns the process and performs the handshake. */
  static async start(command: readonly string[], options: StdioOptions): Promise<Session> {
    const [program, ...args] = command as [string, ...string[]];
    const child = spawn(program, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const session = new Session(child, command, options);
    let result: { protocolVersion?: unknown; implementation?: ImplementationInfo; supports?: Feature[] } | null;
    try {
      result = (await session.request('start', { protocolVersion: PROTOCOL_VERSION }, { timeoutMs: options.startTimeoutMs ?? 20_000 })) as typeof result;
    } catch (error) {
      session.kill();
      const coded = error instanceof HarnessError ? error : new HarnessError('ERR_IMPLEMENTATION_LOAD', describeThrown(error));
      throw new HarnessError(coded.code, `the handshake failed: ${coded.message}`);
    }
    if (
      result === null ||
      typeof result !== 'object' ||
      result.protocolVersion !== PROTOCOL_VERSION ||
      typeof result.implementation !== 'object' ||
      result.implementation === null ||
      !Array.isArray(result.supports)
    ) {
      session.kill();
      const problem = checkImplementationMessage({ id: 1, ok: true, result }, 'start');
      throw new HarnessError('ERR_PROTOCOL', `the handshake failed: expected protocolVersion ${PROTOCOL_VERSION} with implementation and supports, received ${problem ?? JSON.stringify(result)}`);
    }
    session.info = result.implementation;
    session.supports = result.supports;
    return session;
  }

  /** Sends a request; resolves its decoded result or rejects with the implementation's coded error. */
  request(
    method: Method,
    params: Record<string, unknown>,
    extra: { callable?: LockedCallable | null; listener?: MessageListener | null; timeoutMs?: number; owner?: object } = {},
  ): Promise<unknown> {
    if (this.fault !== undefined) return Promise.reject(this.fault);
    const id = ++this.nextId;
    const message = { id, method, params };
    if (this.options.validate === true) {
      const problem = checkRunnerMessage(message);
      if (problem !== undefined) return Promise.reject(new HarnessError('ERR_PROTOCOL', `the runner's ${method} request is invalid: ${problem}`));
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        method,
        resolve,
        reject,
        callable: extra.callable ?? null,
        listener: extra.listener ?? null,
        timeoutMs: extra.timeoutMs ?? this.options.requestTimeoutMs ?? 60_000,
        owner: extra.owner,
        timer: undefined,
      };
      this.pending.set(id, pending);
      this.arm(id, pending);
      this.busy();
      this.child.stdin?.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Closes stdin and waits for the process to exit; kills it after 2 s. */
  async close(): Promise<void> {
    this.child.stdin?.end();
    const timer = setTimeout(() => this.kill(), 2000);
    await this.exited;
    clearTimeout(timer);
  }

  /**
   * Forgets the unanswered requests of a disposed instance (a scenario may end with an operation
   * still pending, e.g. a backup into a stalled stream): their promises stay pending, their late
   * responses are ignored and their callable events refused, and their time limits no longer run.
   */
  abandon(owner: object): void {
    for (const [id, pending] of this.pending) {
      if (pending.owner !== owner) continue;
      clearTimeout(pending.timer);
      this.pending.delete(id);
      this.abandoned.add(id);
    }
    this.idle();
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private arm(id: number, pending: Pending): void {
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => {
      this.die('ERR_IMPLEMENTATION_TIMEOUT', `the implementation did not answer ${pending.method} (request ${id}) within ${pending.timeoutMs} ms`);
      this.kill();
    }, pending.timeoutMs);
  }

  private onLine(line: string): void {
    if (this.fault !== undefined) return;
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.breakProtocol(`expected one JSON object per line on stdout (logs belong on stderr), received ${JSON.stringify(line.slice(0, 120))}`);
      return;
    }
    const pendingOf = (id: unknown): Pending | undefined => (typeof id === 'number' ? this.pending.get(id) : undefined);
    const shapeProblem = checkImplementationMessage(message, this.options.validate === true ? pendingOf(message?.['id'])?.method : undefined);
    if (shapeProblem !== undefined) {
      this.breakProtocol(shapeProblem);
      return;
    }
    if ('event' in message) {
      if (this.abandoned.has(message['request'] as number)) {
        if (message['type'] === 'callable') this.child.stdin?.write(`${JSON.stringify({ ack: message['event'], ok: false, error: { message: 'the scenario ended' } })}\n`);
        return;
      }
      this.onEvent(message as { event: number; type: 'callable' | 'listener'; request: number; message?: string });
      return;
    }
    const id = message['id'];
    if (id === null) {
      const error = message['error'] as { code: string | null; message: string };
      this.breakProtocol(`the implementation reported a protocol error: ${error.code ?? ''} ${error.message}`.replace('  ', ' '));
      return;
    }
    if (this.abandoned.delete(id as number)) return;
    const pending = pendingOf(id);
    if (pending === undefined) {
      this.breakProtocol(`expected a response to a pending request, received one for id ${String(id)}`);
      return;
    }
    this.pending.delete(id as number);
    clearTimeout(pending.timer);
    this.idle();
    if (message['ok'] === true) {
      try {
        pending.resolve(decodeValue(message['result'], '/result'));
      } catch (error) {
        this.breakProtocol(describeThrown(error));
      }
      return;
    }
    const error = message['error'] as { code: string | null; message: string };
    if (error.code === 'ERR_PROTOCOL') {
      // The implementation says our request was malformed: that is a harness or implementation bug, not a behaviour.
      pending.reject(new HarnessError('ERR_PROTOCOL', `the implementation refused ${pending.method}: ${error.message}`));
      return;
    }
    pending.reject(error.code === null ? new Error(error.message) : Object.assign(new Error(error.message), { code: error.code, name: 'ImplementationError' }));
  }

  private onEvent(event: { event: number; type: 'callable' | 'listener'; request: number; message?: string }): void {
    const pending = this.pending.get(event.request);
    if (pending === undefined) {
      this.breakProtocol(`expected an event of a pending request, received a ${event.type} event for request ${event.request}`);
      return;
    }
    if (event.type === 'listener') {
      if (pending.listener === null) {
        this.breakProtocol(`expected no listener event for ${pending.method} (no listener was given), received one`);
        return;
      }
      try {
        pending.listener(event.message ?? '');
      } catch {
        // A declared throwing listener throws on the implementation's side too; others cannot cross the process boundary.
      }
      return;
    }
    const callable = pending.callable;
    if (callable === null) {
      this.breakProtocol(`expected no callable event for ${pending.method} (no callable was given), received one`);
      return;
    }
    clearTimeout(pending.timer); // the callable's own time is the scenario's, not the implementation's
    void Promise.resolve()
      .then(() => callable())
      .then(
        () => ({ ack: event.event, ok: true }),
        (error: unknown) => ({ ack: event.event, ok: false, error: { message: describeThrown(error) } }),
      )
      .then((ack) => {
        if (this.fault !== undefined) return;
        if (this.pending.has(event.request)) this.arm(event.request, pending);
        this.child.stdin?.write(`${JSON.stringify(ack)}\n`);
      });
  }

  private breakProtocol(problem: string): void {
    this.die('ERR_PROTOCOL', `the implementation broke the protocol: ${problem}`);
    this.kill();
  }

  /** Marks the session dead once: rejects what is pending and marks live instances faulty. */
  private die(code: 'ERR_PROTOCOL' | 'ERR_IMPLEMENTATION_CRASHED' | 'ERR_IMPLEMENTATION_TIMEOUT' | 'ERR_IMPLEMENTATION_LOAD', message: string): void {
    if (this.fault !== undefined) return;
    // stderr may still be arriving; 'close' comes after the streams ended, so the tail is complete there.
    const tail = this.stderr.trim();
    this.fault = new HarnessError(code, tail === '' ? `${message} (stderr was empty)` : `${message}; stderr ends with:\n${tail}`);
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(this.fault);
      this.pending.delete(id);
    }
    for (const impl of this.instances) reportImplementationFault(impl, this.fault);
    this.idle();
  }

  /** While no request is pending the process must not keep the runner alive. */
  private idle(): void {
    if (this.pending.size > 0) return;
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr]) (handle as { unref?: () => void } | null)?.unref?.();
  }

  private busy(): void {
    for (const handle of [this.child, this.child.stdin, this.child.stdout, this.child.stderr]) (handle as { ref?: () => void } | null)?.ref?.();
  }
}

/** An instance in a {@link Session}, presenting the adapter interface. */
class StdioImplementation implements Implementation {
  readonly info: ImplementationInfo;
  readonly supports: readonly Feature[];

  constructor(
    private readonly session: Session,
    private readonly instance: string,
  ) {
    this.info = session.info;
    this.supports = session.supports;
  }

  async createDatabase(url: string, options?: { readonly user?: string; readonly password?: string }): Promise<Connection> {
    const r = (await this.call('createDatabase', { url: encodeValue(url), options: encodeValue(options) })) as { connection: string; url: string };
    return new StdioConnection(this.session, this, r.connection, r.url);
  }

  async openDatabase(url: string, user: string, password: string): Promise<Connection> {
    const r = (await this.call('openDatabase', { url: encodeValue(url), user: encodeValue(user), password: encodeValue(password) })) as {
      connection: string;
      url: string;
    };
    return new StdioConnection(this.session, this, r.connection, r.url);
  }

  async restoreDatabase(source: RestoreSource, url: string, options?: RestoreOptions | null): Promise<void> {
    await this.call('restoreDatabase', { source: encodeValue(source), url: encodeValue(url), options: encodeValue(options) });
  }

  async verify(path: string): Promise<VerifyReport> {
    return (await this.call('verify', { path: encodeValue(path) })) as VerifyReport;
  }

  async console(args: readonly string[], options?: { readonly stdin?: string; readonly cwd?: string }): Promise<ConsoleRun> {
    return (await this.call('console', { args: encodeValue(args), options: encodeValue(options) })) as ConsoleRun;
  }

  async dispose(): Promise<void> {
    this.session.instances.delete(this);
    if (this.session.fault !== undefined) return; // the process is gone; nothing to release
    await this.session.request('instance.dispose', { instance: this.instance }, { timeoutMs: this.session.options.disposeTimeoutMs ?? 5000 });
    this.session.abandon(this);
  }

  private call(method: Method, params: Record<string, unknown>): Promise<unknown> {
    return this.session.request(method, { instance: this.instance, ...params }, { owner: this });
  }
}

/** A connection handle in a {@link Session}. */
class StdioConnection implements Connection {
  constructor(
    private readonly session: Session,
    private readonly owner: StdioImplementation,
    private readonly handle: string,
    readonly url: string,
  ) {}

  async createClass(name: string): Promise<void> {
    await this.call('createClass', { name });
  }
  async insert(className: string, content: JsonObject): Promise<RecordData> {
    return (await this.call('insert', { className, content })) as RecordData;
  }
  async load(rid: string): Promise<RecordData> {
    return (await this.call('load', { rid })) as RecordData;
  }
  async update(rid: string, content: JsonObject): Promise<RecordData> {
    return (await this.call('update', { rid, content })) as RecordData;
  }
  async delete(rid: string): Promise<void> {
    await this.call('delete', { rid });
  }
  async count(className: string): Promise<number> {
    return (await this.call('count', { className })) as number;
  }
  async scan(className: string): Promise<RecordData[]> {
    return (await this.call('scan', { className })) as RecordData[];
  }
  async createUser(name: string, password: string, role: Role): Promise<void> {
    await this.call('createUser', { name, password, role });
  }
  async dump(): Promise<string> {
    return (await this.call('dump', {})) as string;
  }
  async backup(
    out: BackupOutput,
    options: BackupOptions | null,
    callable: LockedCallable | null,
    listener: MessageListener | null,
    compressionLevel?: unknown,
    bufferSize?: unknown,
  ): Promise<BackupResult> {
    return (await this.call('backup', { out, options, compressionLevel, bufferSize }, callable, listener)) as BackupResult;
  }
  async incrementalBackup(dir: string): Promise<string> {
    return (await this.call('incrementalBackup', { dir })) as string;
  }
  async restore(source: RestoreSource, options: RestoreOptions | null, callable: LockedCallable | null, listener: MessageListener | null): Promise<void> {
    await this.call('restore', { source, options }, callable, listener);
  }
  async exportDatabase(path: string): Promise<void> {
    await this.call('exportDatabase', { path });
  }
  async importDatabase(path: string): Promise<void> {
    await this.call('importDatabase', { path });
  }
  async close(): Promise<void> {
    await this.call('close', {});
  }

  /** Encodes the value arguments; `callable` and `listener`, when the method has them, travel as a flag and a description. */
  private call(
    name: string,
    values: Record<string, unknown>,
    callable?: LockedCallable | null,
    listener?: MessageListener | null,
  ): Promise<unknown> {
    const params: Record<string, unknown> = { connection: this.handle };
    for (const [key, value] of Object.entries(values)) params[key] = encodeValue(value, `/params/${key}`);
    const hasCallback = name === 'backup' || name === 'restore';
    const usable = {
      callable: typeof callable === 'function' ? callable : null,
      listener: typeof listener === 'function' ? listener : null,
    };
    if (hasCallback) {
      params['callable'] = usable.callable !== null;
      const behaviour = listenerBehaviour(usable.listener);
      params['listener'] = usable.listener === null ? null : behaviour === undefined ? {} : { throwFrom: behaviour.throwFrom, message: behaviour.message };
    }
    return this.session.request(`connection.${name}` as Method, params, { ...usable, owner: this.owner });
  }
}
