/**
 * A small in-memory implementation of the adapter, for testing the harness without the
 * reference engine. Databases live in memory per instance; backups are JSON files on disk (not
 * ZIP archives: the harness only needs something it can round-trip). It follows just enough of
 * the contract for the toy scenarios of `toy-suite.ts`.
 */
import { open, readFile, writeFile } from 'node:fs/promises';
import type {
  BackupOptions,
  BackupOutput,
  BackupResult,
  Connection,
  Feature,
  Implementation,
  ImplementationFactory,
  JsonObject,
  LockedCallable,
  MessageListener,
  RecordData,
  RestoreOptions,
  RestoreSource,
  Role,
  VerifyReport,
  ConsoleRun,
} from '../../../conformance/adapter.js';
import { canonicalDump } from '../../../conformance/dump.js';

/** An error with a code, as the adapter contract wants. */
export class FakeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FakeError';
  }
}

/** Options of {@link createFakeFactory}. */
export interface FakeOptions {
  readonly name?: string;
  readonly supports?: readonly Feature[];
  /** Called at the start of every createClass, e.g. to crash or hang the serving process on purpose. */
  readonly onCreateClass?: (name: string) => void | Promise<void>;
  /** Throw from the factory itself. */
  readonly factoryThrows?: boolean;
}

/** Counters a test can read. */
export interface FakeStats {
  created: number;
  disposed: number;
}

interface FakeRecord {
  version: number;
  content: JsonObject;
}
interface FakeClass {
  clusterId: number;
  nextPosition: number;
  records: Map<number, FakeRecord>;
}
interface FakeDatabase {
  path: string;
  classes: Map<string, FakeClass>;
  users: Map<string, { password: string; role: Role }>;
  nextClusterId: number;
  freeze: Promise<void> | undefined;
}

interface Snapshot {
  format: 'fake-backup@1';
  level: number;
  classes: Array<[string, { clusterId: number; nextPosition: number; records: Array<[number, FakeRecord]> }]>;
  users: Array<[string, { password: string; role: Role }]>;
  nextClusterId: number;
}

/** Creates a factory of fresh fake implementations, with counters. */
export function createFakeFactory(options: FakeOptions = {}): ImplementationFactory & { stats: FakeStats } {
  const stats: FakeStats = { created: 0, disposed: 0 };
  const factory = (): Implementation => {
    if (options.factoryThrows === true) throw new FakeError('ERR_IO', 'fake factory refuses to start');
    stats.created++;
    return new FakeImplementation(options, stats);
  };
  return Object.assign(factory, { stats });
}

class FakeImplementation implements Implementation {
  readonly info = { name: 'fake', version: '1.0.0', language: 'TypeScript' };
  readonly supports: readonly Feature[];
  private readonly databases = new Map<string, FakeDatabase>();
  private disposed = false;

  constructor(
    private readonly options: FakeOptions,
    private readonly stats: FakeStats,
  ) {
    this.supports = options.supports ?? ['restore-to-new'];
    if (options.name !== undefined) this.info = { ...this.info, name: options.name };
  }

  async createDatabase(url: string, options?: { user?: string; password?: string }): Promise<Connection> {
    const path = pathOf(url);
    if (this.databases.has(path)) throw new FakeError('ERR_DATABASE_EXISTS', `database exists at ${url}`);
    const db: FakeDatabase = { path, classes: new Map(), users: new Map(), nextClusterId: 10, freeze: undefined };
    db.users.set(options?.user ?? 'admin', { password: options?.password ?? 'admin', role: 'admin' });
    this.databases.set(path, db);
    return new FakeConnection(url, db, this.options);
  }

  async openDatabase(url: string, user: string, password: string): Promise<Connection> {
    const db = this.databases.get(pathOf(url));
    if (db === undefined) throw new FakeError('ERR_DATABASE_NOT_FOUND', `no database at ${url}`);
    if (db.users.get(user)?.password !== password) throw new FakeError('ERR_AUTH', 'wrong user or password');
    return new FakeConnection(url, db, this.options);
  }

  async restoreDatabase(source: RestoreSource, url: string): Promise<void> {
    const connection = (await this.createDatabase(url)) as FakeConnection;
    await connection.restore(source, null, null, null);
  }

  async verify(): Promise<VerifyReport> {
    throw new FakeError('ERR_NOT_SUPPORTED', 'verify is not supported');
  }

  async console(): Promise<ConsoleRun> {
    throw new FakeError('ERR_NOT_SUPPORTED', 'console is not supported');
  }

  async dispose(): Promise<void> {
    if (!this.disposed) this.stats.disposed++;
    this.disposed = true;
    this.databases.clear();
  }
}

class FakeConnection implements Connection {
  private closed = false;

  constructor(
    readonly url: string,
    private readonly db: FakeDatabase,
    private readonly options: FakeOptions,
  ) {}

  async createClass(name: string): Promise<void> {
    await this.options.onCreateClass?.(name);
    await this.writable();
    if (this.db.classes.has(name)) throw new FakeError('ERR_CLASS_EXISTS', `class ${name} exists`);
    this.db.classes.set(name, { clusterId: this.db.nextClusterId++, nextPosition: 0, records: new Map() });
  }

  async insert(className: string, content: JsonObject): Promise<RecordData> {
    await this.writable();
    const cls = this.classOf(className);
    const position = cls.nextPosition++;
    const record = { version: 1, content: structuredClone(content) };
    cls.records.set(position, record);
    return { rid: `#${cls.clusterId}:${position}`, ...structuredClone(record) };
  }

  async load(rid: string): Promise<RecordData> {
    this.open();
    const { record } = this.find(rid);
    return { rid, ...structuredClone(record) };
  }

  async update(rid: string, content: JsonObject): Promise<RecordData> {
    await this.writable();
    const { record } = this.find(rid);
    record.version++;
    record.content = structuredClone(content);
    return { rid, ...structuredClone(record) };
  }

  async delete(rid: string): Promise<void> {
    await this.writable();
    const { cls, position } = this.find(rid);
    cls.records.delete(position);
  }

  async count(className: string): Promise<number> {
    this.open();
    return this.classOf(className).records.size;
  }

  async scan(className: string): Promise<RecordData[]> {
    this.open();
    const cls = this.classOf(className);
    return [...cls.records].sort(([a], [b]) => a - b).map(([p, r]) => ({ rid: `#${cls.clusterId}:${p}`, ...structuredClone(r) }));
  }

  async createUser(name: string, password: string, role: Role): Promise<void> {
    await this.writable();
    this.db.users.set(name, { password, role });
  }

  async dump(): Promise<string> {
    this.open();
    return canonicalDump({
      classes: [...this.db.classes].map(([name, cls]) => ({
        name,
        records: [...cls.records].map(([p, r]) => ({ rid: `#${cls.clusterId}:${p}`, version: r.version, content: r.content })),
      })),
      users: [...this.db.users].map(([name, u]) => ({ name, role: u.role })),
    });
  }

  async backup(
    out: BackupOutput,
    options: BackupOptions | null,
    callable: LockedCallable | null,
    listener: MessageListener | null,
    compressionLevel?: unknown,
    bufferSize?: unknown,
  ): Promise<BackupResult> {
    this.open();
    if (out === null || out === undefined) throw new FakeError('ERR_INVALID_OUTPUT', 'out is null');
    if (options !== null && options !== undefined) {
      if (typeof options !== 'object') throw new FakeError('ERR_INVALID_OPTIONS', 'options is not an object');
      const unknown = Object.keys(options).filter((key) => key !== 'mode');
      if (unknown.length > 0) throw new FakeError('ERR_INVALID_OPTIONS', `unknown option(s) ${unknown.join(', ')}`);
    }
    const level = compressionLevel ?? 9;
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 9) {
      throw new FakeError('ERR_INVALID_COMPRESSION_LEVEL', `compressionLevel ${String(level)} is not an integer from 0 to 9`);
    }
    const chunk = bufferSize ?? 1_048_576;
    if (typeof chunk !== 'number' || !Number.isInteger(chunk) || chunk < 1) {
      throw new FakeError('ERR_INVALID_BUFFER_SIZE', `bufferSize ${String(chunk)} is not a positive integer`);
    }

    let release!: () => void;
    this.db.freeze = new Promise<void>((resolve) => (release = resolve));
    try {
      if (callable !== null && callable !== undefined) {
        try {
          await callable();
        } catch (error) {
          throw new FakeError('ERR_CALLABLE_FAILED', `callable failed: ${(error as Error).message}`);
        }
      }
      const snapshot: Snapshot = {
        format: 'fake-backup@1',
        level,
        classes: [...this.db.classes].map(([name, cls]) => [
          name,
          { clusterId: cls.clusterId, nextPosition: cls.nextPosition, records: structuredClone([...cls.records]) },
        ]),
        users: [...this.db.users],
        nextClusterId: this.db.nextClusterId,
      };
      const bytes = Buffer.from(JSON.stringify(snapshot));
      for (const [name, cls] of this.db.classes) {
        try {
          listener?.(`${name}: ${cls.records.size} record(s)`);
        } catch {
          // a throwing listener must not break the backup
        }
      }
      const writes: number[] = [];
      if (out.kind === 'file') {
        await writeFile(out.path, bytes);
      } else {
        const handle = await open(out.path, 'w');
        try {
          for (let offset = 0; offset < bytes.length; offset += chunk) {
            const piece = bytes.subarray(offset, offset + chunk);
            await handle.write(piece);
            writes.push(piece.length);
          }
        } finally {
          await handle.close();
        }
      }
      try {
        listener?.(`backup done: ${bytes.length} bytes`);
      } catch {
        // ignored, as above
      }
      return out.kind === 'stream' ? { bytes: bytes.length, writes } : { bytes: bytes.length };
    } finally {
      this.db.freeze = undefined;
      release();
    }
  }

  async incrementalBackup(): Promise<string> {
    throw new FakeError('ERR_NOT_SUPPORTED', 'incremental backup is not supported');
  }

  async restore(source: RestoreSource, options: RestoreOptions | null, callable: LockedCallable | null, listener: MessageListener | null): Promise<void> {
    await this.writable();
    if (source.kind === 'directory') throw new FakeError('ERR_NOT_SUPPORTED', 'no incremental restore');
    let snapshot: Snapshot;
    try {
      snapshot = JSON.parse(await readFile(source.path, 'utf8')) as Snapshot;
    } catch (error) {
      throw new FakeError('ERR_NOT_A_BACKUP', `cannot read ${source.path}: ${(error as Error).message}`);
    }
    if (snapshot.format !== 'fake-backup@1') throw new FakeError('ERR_NOT_A_BACKUP', 'not a fake backup');
    void options;
    await callable?.();
    this.db.classes = new Map(
      snapshot.classes.map(([name, c]) => [name, { clusterId: c.clusterId, nextPosition: c.nextPosition, records: new Map(c.records) }]),
    );
    this.db.users = new Map(snapshot.users);
    this.db.nextClusterId = snapshot.nextClusterId;
    listener?.('restore done');
  }

  async exportDatabase(): Promise<void> {
    throw new FakeError('ERR_NOT_SUPPORTED', 'export is not supported');
  }

  async importDatabase(): Promise<void> {
    throw new FakeError('ERR_NOT_SUPPORTED', 'import is not supported');
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new FakeError('ERR_DATABASE_CLOSED', 'connection closed');
  }

  /** Writes wait while a backup holds the database frozen. */
  private async writable(): Promise<void> {
    this.open();
    while (this.db.freeze !== undefined) await this.db.freeze;
  }

  private classOf(name: string): FakeClass {
    const cls = this.db.classes.get(name);
    if (cls === undefined) throw new FakeError('ERR_CLASS_NOT_FOUND', `no class ${name}`);
    return cls;
  }

  private find(rid: string): { cls: FakeClass; position: number; record: FakeRecord } {
    const match = /^#(\d+):(\d+)$/.exec(rid);
    if (match === null) throw new FakeError('ERR_INVALID_RID', `malformed rid ${rid}`);
    const clusterId = Number(match[1]);
    const position = Number(match[2]);
    for (const cls of this.db.classes.values()) {
      const record = cls.clusterId === clusterId ? cls.records.get(position) : undefined;
      if (record !== undefined) return { cls, position, record };
    }
    throw new FakeError('ERR_RECORD_NOT_FOUND', `no record ${rid}`);
  }
}

function pathOf(url: string): string {
  const match = /^plocal:(.+)$/.exec(url);
  if (match === null) throw new FakeError('ERR_INVALID_URL', `unsupported url ${url}`);
  return match[1] ?? '';
}

