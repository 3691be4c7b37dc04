/**
 * `Database`: a session on a database, as OrientDB's `ODatabaseDocument`.
 *
 * @packageDocumentation
 */
import { basename, join } from 'node:path';
import { errnoOf, fail, messageOf } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { canonicalJson } from './canonical-json.js';
import {
  countRecords,
  deleteRecord,
  importRecord,
  insertRecord,
  nextPositionOf,
  readRecord,
  reservePositions,
  scanChunk,
  updateRecord,
} from './cluster.js';
import { LOCK_FILE, METADATA_FILE, TEMP_FILE_SUFFIX, WAL_FILE } from './constants.js';
import { parseDatabaseUrl } from './database-url.js';
import { type JsonObject, type JsonValue, encodeDocument } from './documents.js';
import { type Durability, type EngineOptions, type ResolvedOptions, resolveOptions } from './engine-options.js';
import type { ClassInfo, Metadata, StoredUser } from './metadata.js';
import { type Permission, type Role, checkRolePermission } from './permissions.js';
import {
  MEMORY_DIRECTORY,
  addMemoryDatabase,
  memoryDatabase,
  removeMemoryDatabase,
  retainStorage,
} from './storage-registry.js';
import { Storage, type StorageKind, clusterFileNames, clusterFiles } from './storage.js';
// The backup, restore and export entry points live in their own modules; they import only engine
// submodules (never this file's index), so these imports form no evaluation cycle.
import { type BackupArguments, type BackupSummary, backupDatabase } from '../backup/full-backup.js';
import { incrementalBackup } from '../incremental/incremental-backup.js';
import { type RestoreArguments, restoreInto } from '../restore/restore-into.js';
import { exportDatabase, importDatabase } from '../export/export-database.js';

/** A record: its id, version and content. */
export interface DbRecord {
  /** `#<clusterId>:<position>`. */
  readonly rid: string;
  /** 1 after creation, one more after each update. */
  readonly version: number;
  readonly content: JsonObject;
}

/** A record as IMPORT DATABASE stores it: at its exported position, with its exported version. */
export interface ImportedRecord {
  readonly position: number;
  readonly version: number;
  readonly content: JsonObject;
}

/** The `format` value of a canonical dump. */
export const DUMP_FORMAT = 'orientdb-backup-conformance/dump@1';

const PERMISSIONS: readonly Permission[] = ['backup', 'restore', 'write', 'read', 'schema', 'users'];

/** Parses `#<clusterId>:<position>`; anything else is `ERR_INVALID_RID`. */
export function parseRid(rid: unknown): { clusterId: number; position: number } {
  const match = typeof rid === 'string' ? /^#(\d{1,9}):(\d{1,15})$/.exec(rid) : null;
  if (match === null) throw fail('ERR_INVALID_RID', `${JSON.stringify(rid)} is not a record id of the form #<clusterId>:<position>`);
  return { clusterId: Number(match[1]), position: Number(match[2]) };
}

function findClass(metadata: Metadata, className: unknown): ClassInfo {
  if (typeof className !== 'string') throw fail('ERR_INVALID_ARGUMENT', `A class name must be a string, got ${typeof className}`);
  const key = className.toLowerCase();
  const info = metadata.classes.find((candidate) => candidate.clusterName === key);
  if (info === undefined) throw fail('ERR_CLASS_NOT_FOUND', `Class '${className}' does not exist`, { details: { className } });
  return info;
}

function recordNotFound(rid: string): never {
  throw fail('ERR_RECORD_NOT_FOUND', `Record ${rid} does not exist`, { details: { rid } });
}

function checkExpectedVersion(expectedVersion: unknown): number | undefined {
  if (expectedVersion === undefined || expectedVersion === null) return undefined;
  if (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion) || expectedVersion < 1) {
    throw fail('ERR_INVALID_ARGUMENT', `expectedVersion must be a positive integer, got ${String(expectedVersion)}`);
  }
  return expectedVersion;
}

function credentials(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw fail('ERR_INVALID_ARGUMENT', `The ${what} must be a non-empty string`);
  return value;
}

/** Where a URL's database lives. */
function locate(url: string, options: ResolvedOptions): { fs: FileSystem | undefined; directory: string; kind: StorageKind; name: string } {
  const parsed = parseDatabaseUrl(url);
  if (parsed.kind === 'memory') {
    return { fs: memoryDatabase(parsed.name), directory: MEMORY_DIRECTORY, kind: 'memory', name: parsed.name };
  }
  return { fs: options.fs, directory: parsed.directory, kind: 'plocal', name: basename(parsed.directory) };
}

/**
 * A session on a database. Sessions on the same database in one process share one
 * {@link Storage}; the storage closes with its last session. Every method of a closed session
 * rejects (or throws) `ERR_DATABASE_CLOSED`.
 */
export class Database {
  private closed = false;

  private constructor(
    /** The storage this session works on. */
    readonly storage: Storage,
    /** The URL the session was opened with. */
    readonly url: string,
    /** The user of this session. */
    readonly user: { readonly name: string; readonly role: Role },
    private readonly durability: Durability,
  ) {}

  /**
   * Creates a database and returns a session on it as its admin user (`admin`/`admin` unless
   * `options.user` / `options.password` say otherwise). `ERR_DATABASE_EXISTS` when one exists.
   */
  static async create(url: string, options?: EngineOptions & { user?: string; password?: string }): Promise<Database> {
    const resolved = resolveOptions(options);
    const user = credentials(options?.user ?? 'admin', 'user name');
    const password = credentials(options?.password ?? 'admin', 'password');
    const where = locate(url, resolved);
    const admin = { user, password };
    let storage: Storage;
    if (where.kind === 'memory') {
      if (where.fs !== undefined) throw fail('ERR_DATABASE_EXISTS', `The memory database '${where.name}' already exists`);
      const fs = addMemoryDatabase(where.name);
      try {
        storage = await retainStorage(fs, where.directory, (onClosed) =>
          Storage.create(fs, where.directory, 'memory', where.name, admin, resolved, onClosed), true);
      } catch (error) {
        removeMemoryDatabase(where.name);
        throw error;
      }
    } else {
      const fs = where.fs!;
      storage = await retainStorage(fs, where.directory, (onClosed) =>
        Storage.create(fs, where.directory, 'plocal', where.name, admin, resolved, onClosed), true);
    }
    return new Database(storage, url, { name: user, role: 'admin' }, resolved.durability);
  }

  /**
   * Opens a session, running crash recovery when the storage is not open yet in this process.
   * `ERR_DATABASE_NOT_FOUND`, `ERR_AUTH`, `ERR_DATABASE_LOCKED` (open in another process).
   */
  static async open(url: string, user: string, password: string, options?: EngineOptions): Promise<Database> {
    const resolved = resolveOptions(options);
    const where = locate(url, resolved);
    if (where.fs === undefined) throw fail('ERR_DATABASE_NOT_FOUND', `The memory database '${where.name}' does not exist`);
    const fs = where.fs;
    const storage = await retainStorage(fs, where.directory, (onClosed) =>
      Storage.open(fs, where.directory, where.kind, resolved, onClosed), false);
    try {
      const account = await storage.authenticate(user, password);
      return new Database(storage, url, account, resolved.durability);
    } catch (error) {
      await storage.releaseReference();
      throw error;
    }
  }

  /** True when a database exists at `url`. */
  static async exists(url: string, options?: EngineOptions): Promise<boolean> {
    const where = locate(url, resolveOptions(options));
    if (where.kind === 'memory') return where.fs !== undefined;
    try {
      return (await where.fs!.stat(join(where.directory, METADATA_FILE))).isFile;
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw fail('ERR_IO', `Checking '${where.directory}' failed: ${messageOf(error)}`, { cause: error });
    }
  }

  /**
   * Deletes a database (its files, then its directory when nothing else is left in it). Needs an
   * admin user. Every open session of it is closed.
   */
  static async drop(url: string, user: string, password: string, options?: EngineOptions): Promise<void> {
    const session = await Database.open(url, user, password, options);
    const { storage } = session;
    if (session.user.role !== 'admin') {
      await session.close();
      throw fail('ERR_PERMISSION_DENIED', `User '${session.user.name}' may not drop the database: it needs the admin role`);
    }
    const classes = storage.classes;
    await storage.shutdown();
    session.closed = true;
    await storage.releaseReference().catch(() => undefined);
    if (storage.kind === 'memory') {
      removeMemoryDatabase(session.name);
      return;
    }
    const { fs, workDirectory } = storage;
    const names = [METADATA_FILE, WAL_FILE, ...classes.flatMap((info) => Object.values(clusterFileNames(info))), LOCK_FILE];
    for (const name of names) await fs.rm(join(workDirectory, name), { force: true });
    for (const entry of await fs.readdir(workDirectory)) {
      if (entry.name.endsWith(TEMP_FILE_SUFFIX)) await fs.rm(join(workDirectory, entry.name), { force: true });
    }
    if ((await fs.readdir(workDirectory)).length === 0) await fs.rm(workDirectory, { recursive: true, force: true });
  }

  /** The database name. */
  get name(): string {
    return this.storage.name;
  }

  /** True once this session (or its storage) is closed. */
  get isClosed(): boolean {
    return this.closed || this.storage.isClosed;
  }

  /** Throws `ERR_PERMISSION_DENIED` unless this session's role has `permission`. */
  checkPermission(permission: Permission): void {
    this.checkOpen();
    if (!PERMISSIONS.includes(permission)) throw fail('ERR_INVALID_ARGUMENT', `Unknown permission ${JSON.stringify(permission)}`);
    checkRolePermission(this.user, permission);
  }

  /** Creates a class (and its cluster); names are unique case-insensitively. */
  async createClass(name: string): Promise<ClassInfo> {
    this.checkPermission('schema');
    return this.storage.createClass(this, name);
  }

  /** The classes, in creation order. */
  classes(): ClassInfo[] {
    this.checkOpen();
    return [...this.storage.classes];
  }

  /** Inserts a record into a class; it gets the next position of the class's cluster and version 1. */
  async insert(className: string, content: JsonObject): Promise<DbRecord> {
    this.checkPermission('write');
    const json = encodeDocument(content);
    const { clusterId, position } = await this.storage.write(this, this.durability, async (tx, metadata) => {
      const info = findClass(metadata, className);
      return { clusterId: info.clusterId, position: await insertRecord(tx, clusterFiles(info), json) };
    });
    return { rid: `#${clusterId}:${position}`, version: 1, content };
  }

  /** Reads a record; `ERR_RECORD_NOT_FOUND` when there is none. */
  async load(rid: string): Promise<DbRecord> {
    this.checkPermission('read');
    const { clusterId, position } = parseRid(rid);
    const stored = await this.storage.read(async (reader, metadata) => {
      const info = metadata.classes.find((candidate) => candidate.clusterId === clusterId);
      return info === undefined ? undefined : readRecord(reader, clusterFiles(info), position);
    });
    if (stored === undefined) recordNotFound(rid);
    // The canonical form: `#01:7` names the record `#1:7`, and that is the RID it answers with.
    return { rid: `#${clusterId}:${position}`, version: stored.version, content: JSON.parse(stored.json) as JsonObject };
  }

  /**
   * Replaces a record's content; its version grows by one. With `expectedVersion`, a record at
   * another version is `ERR_CONCURRENT_MODIFICATION` and stays unchanged.
   */
  async update(rid: string, content: JsonObject, expectedVersion?: number): Promise<DbRecord> {
    this.checkPermission('write');
    const { clusterId, position } = parseRid(rid);
    const expected = checkExpectedVersion(expectedVersion);
    const json = encodeDocument(content);
    const version = await this.storage.write(this, this.durability, async (tx, metadata) => {
      const info = metadata.classes.find((candidate) => candidate.clusterId === clusterId);
      if (info === undefined) recordNotFound(rid);
      return updateRecord(tx, clusterFiles(info), position, json, expected);
    });
    return { rid: `#${clusterId}:${position}`, version, content };
  }

  /** Deletes a record (same `expectedVersion` rule as {@link Database.update}); its position is never reused. */
  async delete(rid: string, expectedVersion?: number): Promise<void> {
    this.checkPermission('write');
    const { clusterId, position } = parseRid(rid);
    const expected = checkExpectedVersion(expectedVersion);
    await this.storage.write(this, this.durability, async (tx, metadata) => {
      const info = metadata.classes.find((candidate) => candidate.clusterId === clusterId);
      if (info === undefined) recordNotFound(rid);
      await deleteRecord(tx, clusterFiles(info), position, expected);
    });
  }

  /**
   * The live records of a class in record id (position) order, each once. The scan reads about a
   * thousand positions at a time and is not a snapshot: a record changed while the scan runs may
   * be seen in either state, one deleted meanwhile may be missed, one inserted meanwhile may be
   * seen.
   */
  async *scan(className: string): AsyncIterable<DbRecord> {
    this.checkPermission('read');
    let next: number | undefined = 0;
    while (next !== undefined) {
      this.checkOpen();
      const from: number = next;
      const chunk = await this.storage.read(async (reader, metadata) => {
        const info = findClass(metadata, className);
        return { clusterId: info.clusterId, ...(await scanChunk(reader, clusterFiles(info), from)) };
      });
      for (const record of chunk.records) {
        yield { rid: `#${chunk.clusterId}:${record.position}`, version: record.version, content: JSON.parse(record.json) as JsonObject };
      }
      next = chunk.next;
    }
  }

  /** Number of records of a class. */
  async count(className: string): Promise<number> {
    this.checkPermission('read');
    return this.storage.read((reader, metadata) => countRecords(reader, clusterFiles(findClass(metadata, className))));
  }

  /** Adds a user with a role. */
  async createUser(name: string, password: string, role: Role): Promise<void> {
    this.checkPermission('users');
    await this.storage.createUser(this, name, password, role);
  }

  /** The users and their roles, by name. */
  users(): { name: string; role: Role }[] {
    this.checkPermission('read');
    return [...this.storage.users].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Freezes the database (storage-wide; freezes nest): writes from any session wait until the
   * matching `release()` (or fail with `ERR_DATABASE_FROZEN` when `throwOnWrite`), reads go on.
   * Resolves once running writes finished and every committed change is in the data files.
   * Needs the `backup` permission.
   */
  async freeze(throwOnWrite = false): Promise<void> {
    this.checkPermission('backup');
    if (typeof throwOnWrite !== 'boolean') throw fail('ERR_INVALID_ARGUMENT', 'throwOnWrite must be a boolean');
    await this.storage.freeze(throwOnWrite);
  }

  /** Ends the most recent freeze; `ERR_NOT_FROZEN` when the database is not frozen. */
  async release(): Promise<void> {
    this.checkPermission('backup');
    this.storage.release();
  }

  /** Makes every operation so far durable (in `batch` durability, this is the acknowledgement). */
  async flush(): Promise<void> {
    this.checkOpen();
    await this.storage.flush();
  }

  /**
   * The canonical dump: `{"classes":[{"name":..,"records":[{"content":..,"rid":..,"version":..}]}],
   * "format":"orientdb-backup-conformance/dump@1","users":[{"name":..,"role":..}]}` without
   * whitespace, keys sorted at every depth, classes by name, records by position, users by name.
   * Two databases with the same content dump identically.
   */
  async dump(): Promise<string> {
    this.checkPermission('read');
    const classes = [...this.storage.classes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const dumped: JsonValue[] = [];
    for (const info of classes) {
      const records: { position: number; value: JsonValue }[] = [];
      for await (const record of this.scan(info.name)) {
        records.push({
          position: parseRid(record.rid).position,
          value: { content: record.content, rid: record.rid, version: record.version },
        });
      }
      records.sort((a, b) => a.position - b.position);
      dumped.push({ name: info.name, records: records.map((record) => record.value) });
    }
    const users = this.users().map(({ name, role }) => ({ name, role }));
    return canonicalJson({ classes: dumped, format: DUMP_FORMAT, users });
  }

  /**
   * Full backup, in the manual's parameter order:
   * `backup(out, options, callable, listener, compressionLevel = 9, bufferSize = 1048576)`,
   * or the idiomatic form `backup(out, { compressionLevel, bufferSize, onLocked, onMessage, ... })`.
   * See `src/backup/full-backup.ts` and `spec/backup.md`.
   */
  backup(...args: BackupArguments): Promise<BackupSummary> {
    return backupDatabase(this, args);
  }

  /**
   * Incremental backup into `dir` (created when missing): writes the next file of the chain and
   * resolves its name. See `spec/incremental.md`.
   */
  incrementalBackup(dir: string): Promise<string> {
    return incrementalBackup(this, dir);
  }

  /**
   * Restores an archive (path or readable stream) or a directory of incremental backup files into
   * this database, in the manual's style `restore(in, options, callable, listener)`. On failure the
   * database is left exactly as it was. See `spec/restore.md`.
   */
  restore(...args: RestoreArguments): Promise<void> {
    return restoreInto(this, args);
  }

  /** Writes a gzipped JSON export of the logical content to `path` (EXPORT DATABASE). */
  exportDatabase(path: string): Promise<void> {
    return exportDatabase(this, path);
  }

  /** Imports an export written by {@link Database.exportDatabase} into this empty database (IMPORT DATABASE). */
  importDatabase(path: string): Promise<void> {
    return importDatabase(this, path);
  }

  /**
   * @internal For IMPORT DATABASE: stores records of a class at their exported positions with their
   * exported versions, in one write operation. Positions must ascend, each at or above the class's
   * next position (the positions skipped are marked deleted, as in the exported database); then the
   * class's next position moves up to `nextPosition` when it is given.
   */
  async importRecords(className: string, records: readonly ImportedRecord[], nextPosition?: number): Promise<void> {
    this.checkPermission('write');
    const encoded = records.map((record) => ({ position: record.position, version: record.version, json: encodeDocument(record.content) }));
    await this.storage.write(this, this.durability, async (tx, metadata) => {
      const files = clusterFiles(findClass(metadata, className));
      for (const record of encoded) await importRecord(tx, files, record.position, record.version, record.json);
      if (nextPosition !== undefined) await reservePositions(tx, files, nextPosition);
    });
  }

  /** @internal The position the next insert into the class gets (for EXPORT DATABASE). */
  async nextPosition(className: string): Promise<number> {
    this.checkPermission('read');
    return this.storage.read((reader, metadata) => nextPositionOf(reader, clusterFiles(findClass(metadata, className))));
  }

  /** @internal For EXPORT DATABASE: the users with their salts and password hashes. Needs the `users` permission. */
  exportUsers(): StoredUser[] {
    this.checkPermission('users');
    return this.storage.storedUsers.map(({ name, role, salt, hash }) => ({ name, role, salt, hash }));
  }

  /** @internal For IMPORT DATABASE: replaces every user by the exported ones, password hashes kept. */
  async importUsers(users: readonly StoredUser[]): Promise<void> {
    this.checkPermission('users');
    await this.storage.replaceUsers(this, users);
  }

  /** The LSN of the last operation of the database. */
  currentLsn(): number {
    this.checkOpen();
    return this.storage.currentLsn();
  }

  /** Closes this session; its writes waiting on a freeze fail with `ERR_DATABASE_CLOSED`. The last session closes the storage. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.storage.abandonWaiters(this, fail('ERR_DATABASE_CLOSED', `Database '${this.name}' is closed`));
    await this.storage.releaseReference();
  }

  private checkOpen(): void {
    if (this.closed) throw fail('ERR_DATABASE_CLOSED', `Database '${this.name}' is closed`);
    if (this.storage.isClosed) throw fail('ERR_DATABASE_CLOSED', `Database '${this.name}' is closed`);
  }
}
