/**
 * The adapter: what an implementation under test provides to the conformance suite.
 *
 * An implementation is tested either in-process (an ES module whose default export is an
 * {@link ImplementationFactory}) or out-of-process over the stdio protocol (`spec/protocol.md`),
 * whose client presents the same interface. The suite only ever talks to these types; it never
 * imports the reference implementation.
 *
 * Conventions every method follows:
 * - Failures reject with an `Error` that has a string `code` from `spec/errors.md`
 *   ({@link CodedError}). The suite asserts codes, never messages.
 * - Paths are absolute and lie inside the scenario's work directory, which the runner creates
 *   and removes.
 * - `null` and `undefined` both mean "omitted", as `null` does in OrientDB's Java API.
 *
 * `spec/adapter.md` describes the same contract in prose.
 *
 * @packageDocumentation
 */

/** A JSON value as stored in a record. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A record's content: a JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Optional capabilities. A scenario that needs a feature the implementation does not list is
 * reported as `skip` with that reason, never as `pass`.
 */
export type Feature =
  /** `incrementalBackup(dir)` and restoring a directory of incremental files. */
  | 'incremental'
  /** {@link Implementation.console}: the OrientDB-style console. */
  | 'console'
  /** Full backup `options.mode = "snapshot"`: writers resume once a snapshot is taken. */
  | 'snapshot-backup'
  /** {@link Implementation.verify}: checking an archive or chain without restoring it. */
  | 'verify'
  /** {@link Connection.exportDatabase} and {@link Connection.importDatabase}. */
  | 'export'
  /** `memory:` URLs: in-memory databases (whose backup must be refused). */
  | 'memory-storage'
  /** Users with roles (`admin`, `writer`, `reader`) and permission checks on backup and restore. */
  | 'permissions'
  /** Backing up to a stream: {@link BackupOutput} of kind `stream`, with its writes reported. */
  | 'stream-output'
  /** {@link Implementation.restoreDatabase}: restoring into a new database directory. */
  | 'restore-to-new';

/** Every known feature, in a stable order. */
export const FEATURES: readonly Feature[] = [
  'incremental',
  'console',
  'snapshot-backup',
  'verify',
  'export',
  'memory-storage',
  'permissions',
  'stream-output',
  'restore-to-new',
];

/** The shape of every rejection: an `Error` with a stable `code`. */
export interface CodedError extends Error {
  /** A code from `spec/errors.md`, e.g. `ERR_INVALID_COMPRESSION_LEVEL`. */
  readonly code: string;
}

/** Facts about the implementation, shown in reports. */
export interface ImplementationInfo {
  /** A short name, e.g. `reference`. */
  readonly name: string;
  /** Its version. */
  readonly version: string;
  /** The language it is written in, for reports. */
  readonly language?: string;
  /** Free-form details (a URL, a commit). */
  readonly details?: string;
}

/** A stored record as the adapter reports it. */
export interface RecordData {
  /** The record id, `#<clusterId>:<position>`. */
  readonly rid: string;
  /** The record version: 1 after creation, one more after each update. */
  readonly version: number;
  /** The record's content. */
  readonly content: JsonObject;
}

/** The roles every implementation knows. */
export type Role = 'admin' | 'writer' | 'reader';

/**
 * Where a full backup goes.
 * - `file`: the path helper. The implementation writes the archive to `path` (atomically: a temp
 *   file beside it, fsync, rename). A failed backup leaves nothing at `path`.
 * - `stream`: the implementation opens a writable stream on `path` and passes that stream as
 *   `out`, exactly as a caller of the streaming API would. It records the byte length of each
 *   write the backup makes to the stream and reports them in {@link BackupResult.writes}.
 *   `failAfterBytes` makes the stream fail (emit an error) once that many bytes were written;
 *   `stallAfterBytes` makes it stop accepting data (never call back) after that many bytes.
 * - `null`: the Java API's null output, which must be refused.
 */
export type BackupOutput =
  | { readonly kind: 'file'; readonly path: string }
  | {
      readonly kind: 'stream';
      readonly path: string;
      readonly failAfterBytes?: number;
      readonly stallAfterBytes?: number;
    }
  | null;

/** Options of a full backup (the manual's `Map<String, Object> options`). */
export interface BackupOptions {
  /** `freeze` (default): writers wait for the whole backup. `snapshot`: writers wait only while a snapshot is taken. */
  readonly mode?: 'freeze' | 'snapshot';
  /** Unknown keys must be refused with `ERR_INVALID_OPTIONS`; scenarios send some on purpose. */
  readonly [key: string]: unknown;
}

/**
 * The manual's `callable`: called once while the database is locked. It may be async; the
 * operation waits for it. Throwing or rejecting aborts the operation with `ERR_CALLABLE_FAILED`.
 */
export type LockedCallable = () => void | Promise<void>;

/** The manual's `listener`: receives progress messages as text. */
export type MessageListener = (message: string) => void;

/** What a full backup reports back. */
export interface BackupResult {
  /** Total bytes written to the output. */
  readonly bytes: number;
  /** For a `stream` output: the length of every write made to it, in order. */
  readonly writes?: readonly number[];
}

/**
 * Where a restore reads from.
 * - `file`: an archive at `path`.
 * - `stream`: the implementation opens a readable stream on `path` and restores from the stream.
 * - `directory`: a directory of incremental backup files (feature `incremental`).
 */
export type RestoreSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stream'; readonly path: string }
  | { readonly kind: 'directory'; readonly path: string };

/** Options of a restore. */
export interface RestoreOptions {
  /** For a `directory` source: apply the chain only up to and including this index (point in time). */
  readonly upToIndex?: number;
  /** Unknown keys must be refused with `ERR_INVALID_OPTIONS`. */
  readonly [key: string]: unknown;
}

/** The result of checking an archive or a chain without restoring it. */
export interface VerifyReport {
  /** True when everything checked is valid. */
  readonly valid: boolean;
  /** When invalid: the code of the first problem found (from `spec/errors.md`). */
  readonly code?: string;
  /** One line per file checked and a final verdict, as the CLI prints them. */
  readonly lines: readonly string[];
}

/** The outcome of running the console. */
export interface ConsoleRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * One session on a database (OrientDB's `ODatabaseDocument`). Several connections to the same
 * database may be open at once, so that a scenario can play "another client" while a backup holds
 * the lock.
 */
export interface Connection {
  /** The URL the connection was opened with. */
  readonly url: string;

  /** Creates a class (and its cluster). `ERR_CLASS_EXISTS` when it exists. */
  createClass(name: string): Promise<void>;
  /** Inserts a document into a class; resolves the stored record (version 1). */
  insert(className: string, content: JsonObject): Promise<RecordData>;
  /** Loads a record; `ERR_RECORD_NOT_FOUND` when there is none. */
  load(rid: string): Promise<RecordData>;
  /** Replaces a record's content; resolves the record with its new version. */
  update(rid: string, content: JsonObject): Promise<RecordData>;
  /** Deletes a record. */
  delete(rid: string): Promise<void>;
  /** Counts the records of a class. */
  count(className: string): Promise<number>;
  /** Lists the records of a class in RID order. */
  scan(className: string): Promise<RecordData[]>;
  /** Creates a user with a role (feature `permissions`). */
  createUser(name: string, password: string, role: Role): Promise<void>;

  /**
   * The canonical dump of the database's logical content: classes, records (rid, version,
   * content) and users (name, role), in the exact form `spec/adapter.md` defines. Two databases
   * with the same content dump to the same string.
   */
  dump(): Promise<string>;

  /**
   * Full backup, in the manual's parameter order:
   * `backup(out, options, callable, listener, compressionLevel, bufferSize)`.
   * `compressionLevel` defaults to 9 and `bufferSize` to 1048576 when null or undefined.
   * Values are passed through unvalidated so that the implementation's own checks are tested.
   */
  backup(
    out: BackupOutput,
    options: BackupOptions | null,
    callable: LockedCallable | null,
    listener: MessageListener | null,
    compressionLevel?: unknown,
    bufferSize?: unknown,
  ): Promise<BackupResult>;

  /** Incremental backup into a directory (feature `incremental`); resolves the file name written (no directory part). */
  incrementalBackup(dir: string): Promise<string>;

  /**
   * Restore into this open database, in the manual's style `restore(in, options, callable,
   * listener)`. On failure the database must be exactly as it was before and still usable.
   */
  restore(
    source: RestoreSource,
    options: RestoreOptions | null,
    callable: LockedCallable | null,
    listener: MessageListener | null,
  ): Promise<void>;

  /** Writes a gzipped JSON export of the logical content (feature `export`). */
  exportDatabase(path: string): Promise<void>;
  /** Imports an export into this (empty) database (feature `export`). */
  importDatabase(path: string): Promise<void>;

  /** Closes this connection. Other connections stay open. */
  close(): Promise<void>;
}

/**
 * One fresh, isolated instance of the implementation under test. The runner calls
 * {@link Implementation.dispose} after each scenario.
 */
export interface Implementation {
  /** Facts for reports. */
  readonly info: ImplementationInfo;
  /** The optional features implemented. */
  readonly supports: readonly Feature[];

  /**
   * Creates a database and resolves a connection to it as its admin. The admin user is
   * `admin`/`admin` unless `user` and `password` are given. URLs: `plocal:<absolute path>`,
   * `memory:<name>`, `remote:<host>/<name>`.
   */
  createDatabase(url: string, options?: { readonly user?: string; readonly password?: string }): Promise<Connection>;

  /** Opens another connection to an existing database. */
  openDatabase(url: string, user: string, password: string): Promise<Connection>;

  /**
   * Restores an archive or an incremental directory into a new database at `url` (feature
   * `restore-to-new`). `ERR_DATABASE_EXISTS` when one is there already.
   */
  restoreDatabase(source: RestoreSource, url: string, options?: RestoreOptions | null): Promise<void>;

  /** Checks an archive or an incremental directory without restoring it (feature `verify`). */
  verify(path: string): Promise<VerifyReport>;

  /**
   * Runs the console with command-line arguments (e.g. `['-c', 'CONNECT ...; BACKUP DATABASE ...']`)
   * and optional standard input, in `cwd` (feature `console`).
   */
  console(args: readonly string[], options?: { readonly stdin?: string; readonly cwd?: string }): Promise<ConsoleRun>;

  /** Releases everything this instance holds (open databases, child processes). */
  dispose(): Promise<void>;
}

/**
 * Makes a fresh, isolated implementation for each scenario. The default export of an
 * implementation module passed to `backup-conformance run --impl <path>`.
 */
export type ImplementationFactory = () => Implementation | Promise<Implementation>;
