/**
 * The storage: one open database directory in this process, shared by all its sessions. It owns
 * the process lock, the metadata, the page store, the write gate (freeze), snapshots and
 * exclusive access for restores.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { asCodedError, type BackupConformanceError, errnoOf, fail, messageOf } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/index.js';
import { type ClusterFiles, dataFileId, mapFileId } from './cluster.js';
import {
  DATA_FILE_EXTENSION,
  FORMAT_VERSION,
  METADATA_FILE,
  PAGE_SIZE,
  POSITION_MAP_FILE_EXTENSION,
  TEMP_FILE_SUFFIX,
  WAL_FILE,
} from './constants.js';
import type { ResolvedOptions } from './engine-options.js';
import { CLASS_NAME_PATTERN, type ClassInfo, type Metadata, type StoredUser, readMetadata, writeMetadata } from './metadata.js';
import { type PageReader, PageStore, type PageStoreOptions, type PageTx } from './page-store.js';
import { hashPassword, spendVerificationTime, verifyPassword } from './passwords.js';
import { type Role, isRole } from './permissions.js';
import { type ProcessLock, acquireProcessLock } from './process-lock.js';
import { ReadWriteLock } from './read-write-lock.js';
import { recover } from './recovery.js';
import { CopyOnWrite, Snapshot, type SnapshotSource, type StorageSnapshot } from './snapshot.js';
import { WriteGate } from './write-gate.js';

/** `plocal` (a directory on the given file system) or `memory` (a process-wide in-memory database). */
export type StorageKind = 'plocal' | 'memory';

/** What a {@link BeforeOpenHook} is told. */
export interface OpenContext {
  readonly fs: FileSystem;
  /** The database directory on `fs`. */
  readonly directory: string;
  readonly kind: StorageKind;
}

/**
 * Called whenever a storage is opened (and reopened after exclusive access), after the process
 * lock is taken and before the metadata is read: the place to finish or roll back an interrupted
 * restore. A hook that throws makes the open fail with its error.
 */
export type BeforeOpenHook = (context: OpenContext) => void | Promise<void>;

const beforeOpenHooks = new Set<BeforeOpenHook>();

/** Registers a {@link BeforeOpenHook}; returns a function that removes it. */
export function registerBeforeOpenHook(hook: BeforeOpenHook): () => void {
  beforeOpenHooks.add(hook);
  return () => void beforeOpenHooks.delete(hook);
}

/** Options of {@link Storage.beginSnapshot}. */
export interface SnapshotOptions {
  /**
   * `'freeze'`: writers wait until the snapshot is released. `'snapshot'`: writers wait only
   * until the snapshot is taken; copy-on-write keeps its bytes while they go on.
   */
  readonly mode: 'freeze' | 'snapshot';
  /** Called while writers are held and every committed change is in the data files. */
  readonly onLocked?: () => void | Promise<void>;
}

/** The state read from disk at open (and reopen). */
interface LoadedState {
  readonly metadata: Metadata;
  readonly store: PageStore;
}

function storeOptions(options: ResolvedOptions): PageStoreOptions {
  return {
    cachePages: options.cachePages,
    walCheckpointBytes: options.walCheckpointBytes,
    batchFlushBytes: options.batchFlushBytes,
  };
}

/** The names of a cluster's two files. */
export function clusterFileNames(info: ClassInfo): { data: string; map: string } {
  return { data: info.clusterName + DATA_FILE_EXTENSION, map: info.clusterName + POSITION_MAP_FILE_EXTENSION };
}

/** The page store ids and names of a class's cluster. */
export function clusterFiles(info: ClassInfo): ClusterFiles {
  return {
    clusterId: info.clusterId,
    dataName: clusterFileNames(info).data,
    data: dataFileId(info.clusterId),
    map: mapFileId(info.clusterId),
  };
}

function isMissing(error: unknown): boolean {
  return errnoOf(error) === 'ENOENT';
}

async function exists(fs: FileSystem, path: string): Promise<boolean> {
  try {
    await fs.stat(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw asCodedError(error, 'ERR_IO');
  }
}

/** Removes the engine's own temporary files left by a crash (atomic writes, snapshot spills). */
async function removeTemporaryFiles(fs: FileSystem, directory: string): Promise<void> {
  for (const entry of await fs.readdir(directory)) {
    const ours =
      entry.name === METADATA_FILE + TEMP_FILE_SUFFIX ||
      entry.name === WAL_FILE + TEMP_FILE_SUFFIX ||
      (entry.name.startsWith('snapshot-') && entry.name.endsWith(`.cow${TEMP_FILE_SUFFIX}`));
    if (ours && entry.isFile) await fs.unlink(join(directory, entry.name)).catch(() => undefined);
  }
}

/** Reads metadata, opens the data files, replays the log and starts the page store. */
async function loadState(fs: FileSystem, directory: string, kind: StorageKind, options: ResolvedOptions): Promise<LoadedState> {
  for (const hook of beforeOpenHooks) await hook({ fs, directory, kind });
  const { metadata } = await readMetadata(fs, directory);
  const opened: { id: number; name: string; handle: FileHandle; size: number }[] = [];
  try {
    for (const info of metadata.classes) {
      const names = clusterFileNames(info);
      for (const [id, name] of [
        [dataFileId(info.clusterId), names.data],
        [mapFileId(info.clusterId), names.map],
      ] as const) {
        let handle: FileHandle;
        try {
          handle = await fs.open(join(directory, name), 'r+');
        } catch (error) {
          if (!isMissing(error)) throw error;
          throw fail('ERR_CORRUPT_DATABASE', `The file '${name}' of class '${info.name}' is missing`, { details: { file: name } });
        }
        opened.push({ id, name, handle, size: 0 });
      }
    }
    const recovered = await recover(fs, directory, new Map(opened.map((file) => [file.name, file.handle])));
    for (const file of opened) file.size = (await file.handle.stat()).size;
    const lsn = Math.max(metadata.lsn, recovered.lsn);
    const store = await PageStore.open(fs, directory, opened, lsn, storeOptions(options));
    await removeTemporaryFiles(fs, directory);
    return { metadata, store };
  } catch (error) {
    for (const file of opened) await file.handle.close().catch(() => undefined);
    throw asCodedError(error, 'ERR_IO');
  }
}

/**
 * One open database directory in this process. Sessions (`Database` objects) share it; it closes
 * when its last session closes. Everything here is safe to call from several sessions at once.
 */
export class Storage {
  /** The database directory, or `null` for a `memory:` database. */
  readonly directory: string | null;
  readonly kind: StorageKind;
  /** The file system holding the directory (an in-memory one for `memory:` databases). */
  readonly fs: FileSystem;
  /** @internal the directory on {@link Storage.fs} (for `memory:` databases, a fixed path in their own file system). */
  readonly workDirectory: string;

  private metadata: Metadata;
  private store: PageStore;
  private processLock: ProcessLock | null;
  private readonly options: ResolvedOptions;
  private readonly gate = new WriteGate();
  /** Shared by every read and snapshot read; exclusive while the files are swapped. */
  private readonly access = new ReadWriteLock();
  /** Held by the one snapshot, or the one exclusive action, at a time. */
  private readonly turn = new ReadWriteLock();
  private snapshot: Snapshot | null = null;
  private references = 0;
  private closing: Promise<void> | null = null;
  private failure: BackupConformanceError | null = null;
  private readonly onClosed: () => void;

  private constructor(init: {
    fs: FileSystem;
    workDirectory: string;
    kind: StorageKind;
    options: ResolvedOptions;
    state: LoadedState;
    processLock: ProcessLock | null;
    onClosed: () => void;
  }) {
    this.fs = init.fs;
    this.kind = init.kind;
    this.workDirectory = init.workDirectory;
    this.directory = init.kind === 'plocal' ? init.workDirectory : null;
    this.options = init.options;
    this.metadata = init.state.metadata;
    this.store = init.state.store;
    this.processLock = init.processLock;
    this.onClosed = init.onClosed;
  }

  /** @internal opens the database in `directory` (recovering it). */
  static async open(
    fs: FileSystem,
    directory: string,
    kind: StorageKind,
    options: ResolvedOptions,
    onClosed: () => void,
  ): Promise<Storage> {
    let isDirectory = false;
    try {
      isDirectory = (await fs.stat(directory)).isDirectory;
    } catch (error) {
      // ENOTDIR: the path runs through a regular file, so no database can be there either.
      if (!isMissing(error) && errnoOf(error) !== 'ENOTDIR') throw asCodedError(error, 'ERR_IO');
    }
    if (!isDirectory || (beforeOpenHooks.size === 0 && !(await exists(fs, join(directory, METADATA_FILE))))) {
      throw fail('ERR_DATABASE_NOT_FOUND', `No database exists in '${directory}'`, { details: { directory } });
    }
    const processLock = kind === 'plocal' ? await acquireProcessLock(fs, directory) : null;
    try {
      const state = await loadState(fs, directory, kind, options);
      return new Storage({ fs, workDirectory: directory, kind, options, state, processLock, onClosed });
    } catch (error) {
      await processLock?.release();
      throw error;
    }
  }

  /** @internal creates a database in `directory` with one admin user. */
  static async create(
    fs: FileSystem,
    directory: string,
    kind: StorageKind,
    name: string,
    admin: { user: string; password: string },
    options: ResolvedOptions,
    onClosed: () => void,
  ): Promise<Storage> {
    try {
      await fs.mkdir(directory, { recursive: true });
      await fs.syncDir(dirname(directory)).catch(() => undefined);
    } catch (error) {
      throw fail('ERR_IO', `Cannot create the database directory '${directory}': ${messageOf(error)}`, { cause: error });
    }
    const existing = (): BackupConformanceError =>
      fail('ERR_DATABASE_EXISTS', `A database already exists in '${directory}'`, { details: { directory } });
    if (await exists(fs, join(directory, METADATA_FILE))) throw existing();
    const processLock = kind === 'plocal' ? await acquireProcessLock(fs, directory) : null;
    let store: PageStore | undefined;
    try {
      if (await exists(fs, join(directory, METADATA_FILE))) throw existing();
      const { salt, hash } = await hashPassword(admin.password, options.scryptCost);
      const lsn = 1;
      store = await PageStore.open(fs, directory, [], lsn, storeOptions(options));
      const metadata: Metadata = {
        formatVersion: FORMAT_VERSION,
        name,
        instanceId: randomUUID(),
        createdAt: new Date().toISOString(),
        lsn,
        nextClusterId: 1,
        classes: [],
        users: [{ name: admin.user, role: 'admin', salt, hash }],
      };
      await writeMetadata(fs, directory, metadata);
      const state = { metadata, store };
      return new Storage({ fs, workDirectory: directory, kind, options, state, processLock, onClosed });
    } catch (error) {
      await store?.close().catch(() => undefined);
      await processLock?.release();
      throw asCodedError(error, 'ERR_IO');
    }
  }

  /**
   * The database name: the directory's last segment for `plocal:` (also after a restore brought
   * in the metadata of a database created under another name), the `memory:` name otherwise.
   */
  get name(): string {
    return this.kind === 'plocal' ? basename(this.workDirectory) : this.metadata.name;
  }

  /** The random id made when the database was created (a restored backup brings its own). */
  get instanceId(): string {
    return this.metadata.instanceId;
  }

  /** The on-disk format version. */
  get formatVersion(): number {
    return this.metadata.formatVersion;
  }

  /** True once the storage closed (or started closing). */
  get isClosed(): boolean {
    return this.closing !== null;
  }

  /** The LSN of the last operation (records or metadata). */
  currentLsn(): number {
    return this.store.lsn;
  }

  /** @internal the classes. */
  get classes(): readonly ClassInfo[] {
    return this.metadata.classes;
  }

  /** @internal the users (name and role). */
  get users(): readonly { name: string; role: Role }[] {
    return this.metadata.users.map(({ name, role }) => ({ name, role }));
  }

  /** @internal the class named `name` (case-insensitively), if any. */
  findClass(name: string): ClassInfo | undefined {
    const key = name.toLowerCase();
    return this.metadata.classes.find((info) => info.clusterName === key);
  }

  /** @internal the class whose cluster is `clusterId`, if any. */
  classOfCluster(clusterId: number): ClassInfo | undefined {
    return this.metadata.classes.find((info) => info.clusterId === clusterId);
  }

  /** @internal adds a reference (a session); false when the storage is closing. */
  retain(): boolean {
    if (this.closing !== null) return false;
    this.references++;
    return true;
  }

  /** @internal drops a reference; the last one closes the storage. */
  async releaseReference(): Promise<void> {
    this.references--;
    if (this.references === 0) await this.shutdown();
  }

  /** @internal checks a user's password; `ERR_AUTH` when the user is unknown or the password wrong. */
  async authenticate(user: string, password: string): Promise<{ name: string; role: Role }> {
    if (typeof user !== 'string' || typeof password !== 'string') {
      throw fail('ERR_INVALID_ARGUMENT', 'The user name and the password must be strings');
    }
    const stored = this.metadata.users.find((candidate) => candidate.name === user);
    const valid = stored === undefined ? (await spendVerificationTime(password, this.options.scryptCost), false) : await verifyPassword(password, stored);
    if (!valid || stored === undefined) {
      throw fail('ERR_AUTH', `User or password not valid for database: '${this.name}'`, { details: { database: this.name } });
    }
    return { name: stored.name, role: stored.role };
  }

  /** Throws when the storage cannot be used: closed, or failed. */
  checkUsable(): void {
    this.checkOpen();
    this.store.checkUsable();
  }

  /** Like {@link Storage.checkUsable}, but tolerates the page store being closed for exclusive access. */
  private checkOpen(): void {
    if (this.closing !== null) throw fail('ERR_DATABASE_CLOSED', `Database '${this.name}' is closed`);
    if (this.failure !== null) throw this.failure;
  }

  /**
   * @internal runs a write operation for session `owner`: passes the write gate (waiting while
   * frozen), applies `operation` to the pages with the next LSN, and makes it durable as
   * `durability` says.
   */
  async write<T>(owner: object, durability: 'sync' | 'batch', operation: (tx: PageTx, metadata: Metadata) => Promise<T>): Promise<T> {
    this.checkOpen();
    const waiting = this.gate.enter(owner);
    if (waiting !== undefined) await waiting;
    try {
      this.checkUsable();
      const store = this.store;
      const metadata = this.metadata;
      const { value, lsn } = await store.write((tx) => operation(tx, metadata));
      if (durability === 'sync') await store.flushUpTo(lsn);
      else await store.flushSoon(this.options.batchFlushMs);
      await store.maintain();
      return value;
    } finally {
      this.gate.leave();
    }
  }

  /** @internal runs a read under a shared hold of the pages; `operation` must not keep page buffers. */
  async read<T>(operation: (reader: PageReader, metadata: Metadata) => Promise<T>): Promise<T> {
    this.checkOpen();
    if (!this.access.tryShared()) await this.access.shared();
    try {
      this.checkUsable();
      const store = this.store;
      const metadata = this.metadata;
      if (!store.lock.tryShared()) await store.lock.shared();
      try {
        return await operation(store, metadata);
      } finally {
        store.lock.releaseShared();
      }
    } finally {
      this.access.releaseShared();
    }
  }

  /** @internal creates a class and its cluster files. */
  async createClass(owner: object, name: string): Promise<ClassInfo> {
    if (typeof name !== 'string' || !CLASS_NAME_PATTERN.test(name)) {
      throw fail('ERR_INVALID_ARGUMENT', `Invalid class name ${JSON.stringify(name)}: use a letter or _ then up to 63 letters, digits or _`);
    }
    return this.changeMetadata(owner, async (metadata) => {
      if (this.findClass(name) !== undefined) {
        throw fail('ERR_CLASS_EXISTS', `Class '${name}' already exists`, { details: { className: name } });
      }
      const info: ClassInfo = { name, clusterId: metadata.nextClusterId, clusterName: name.toLowerCase() };
      const names = clusterFileNames(info);
      const handles: FileHandle[] = [];
      try {
        // 'w+': a file of that name can only be left over from a creation that failed.
        for (const file of [names.data, names.map]) handles.push(await this.fs.open(join(this.workDirectory, file), 'w+'));
        await this.fs.syncDir(this.workDirectory);
      } catch (error) {
        for (const handle of handles) await handle.close().catch(() => undefined);
        throw error;
      }
      return {
        metadata: { ...metadata, nextClusterId: metadata.nextClusterId + 1, classes: [...metadata.classes, info] },
        result: info,
        commit: () => {
          this.store.addFile(dataFileId(info.clusterId), names.data, handles[0]!);
          this.store.addFile(mapFileId(info.clusterId), names.map, handles[1]!);
        },
        abort: async () => {
          for (const handle of handles) await handle.close().catch(() => undefined);
        },
      };
    });
  }

  /** @internal adds a user. */
  async createUser(owner: object, name: string, password: string, role: Role): Promise<void> {
    if (typeof name !== 'string' || !/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) {
      throw fail('ERR_INVALID_ARGUMENT', `Invalid user name ${JSON.stringify(name)}: 1 to 64 letters, digits, '_', '.', '@' or '-'`);
    }
    if (typeof password !== 'string' || password === '') throw fail('ERR_INVALID_ARGUMENT', 'The password must be a non-empty string');
    if (!isRole(role)) throw fail('ERR_INVALID_ROLE', `Unknown role ${JSON.stringify(role)}: use admin, writer or reader`);
    const exists = (): BackupConformanceError => fail('ERR_USER_EXISTS', `User '${name}' already exists`, { details: { user: name } });
    if (this.metadata.users.some((user) => user.name === name)) throw exists();
    const { salt, hash } = await hashPassword(password, this.options.scryptCost);
    await this.changeMetadata(owner, async (metadata) => {
      if (metadata.users.some((user) => user.name === name)) throw exists();
      return { metadata: { ...metadata, users: [...metadata.users, { name, role, salt, hash }] }, result: undefined };
    });
  }

  /** @internal the users with their salts and password hashes (for EXPORT DATABASE). */
  get storedUsers(): readonly StoredUser[] {
    return this.metadata.users;
  }

  /**
   * @internal replaces every user by `users`, salts and hashes kept (for IMPORT DATABASE). Names
   * must be valid and unique, roles known, and one user at least must be an admin.
   */
  async replaceUsers(owner: object, users: readonly StoredUser[]): Promise<void> {
    const names = new Set<string>();
    for (const user of users) {
      if (typeof user?.name !== 'string' || !/^[A-Za-z0-9_.@-]{1,64}$/.test(user.name) || names.has(user.name)) {
        throw fail('ERR_INVALID_ARGUMENT', `Invalid or repeated user name ${JSON.stringify(user?.name)}`);
      }
      if (!isRole(user.role)) throw fail('ERR_INVALID_ROLE', `Unknown role ${JSON.stringify(user.role)}: use admin, writer or reader`);
      if (typeof user.salt !== 'string' || typeof user.hash !== 'string') {
        throw fail('ERR_INVALID_ARGUMENT', `User '${user.name}' needs a salt and a hash`);
      }
      names.add(user.name);
    }
    if (!users.some((user) => user.role === 'admin')) throw fail('ERR_INVALID_ARGUMENT', 'At least one user must have the admin role');
    const copied = users.map(({ name, role, salt, hash }) => ({ name, role, salt, hash }));
    await this.changeMetadata(owner, async (metadata) => ({ metadata: { ...metadata, users: copied }, result: undefined }));
  }

  /**
   * Applies a metadata change as a write: through the gate, with everything before it durable,
   * an LSN of its own, and the new `database.ocf` durable before it counts.
   */
  private async changeMetadata<T>(
    owner: object,
    change: (metadata: Metadata) => Promise<{ metadata: Metadata; result: T; commit?: () => void; abort?: () => Promise<void> }>,
  ): Promise<T> {
    this.checkOpen();
    const waiting = this.gate.enter(owner);
    if (waiting !== undefined) await waiting;
    try {
      this.checkUsable();
      const store = this.store;
      return await store.quiesce(async () => {
        let planned: Awaited<ReturnType<typeof change>>;
        try {
          planned = await change(this.metadata);
        } catch (error) {
          throw asCodedError(error, 'ERR_IO', `Changing the metadata failed: ${messageOf(error)}`);
        }
        const next: Metadata = { ...planned.metadata, lsn: store.lsn + 1 };
        try {
          await writeMetadata(this.fs, this.workDirectory, next);
        } catch (error) {
          await planned.abort?.();
          // The rename may or may not have happened: memory and disk can no longer be trusted to agree.
          this.failure = fail('ERR_IO', `Writing the metadata failed (${messageOf(error)}); close and reopen the database`, {
            cause: error,
          });
          throw this.failure;
        }
        store.lsn = next.lsn;
        this.metadata = next;
        planned.commit?.();
        return planned.result;
      }, { checkpoint: false });
    } finally {
      this.gate.leave();
    }
  }

  /** Makes every operation so far durable (the end of a batch). */
  async flush(): Promise<void> {
    this.checkOpen();
    await this.access.withShared(async () => {
      this.checkUsable();
      await this.store.flush();
    });
  }

  /** Writes every committed change into the data files and empties the log. */
  async checkpoint(): Promise<void> {
    this.checkOpen();
    await this.access.withShared(async () => {
      this.checkUsable();
      await this.store.checkpoint();
    });
  }

  /**
   * @internal adds a freeze: from now on writes wait (or fail with `ERR_DATABASE_FROZEN` when
   * `throwOnWrite`); resolves once running writes finished and every committed change is in the
   * data files, so the directory may be copied as is.
   */
  async freeze(throwOnWrite: boolean): Promise<void> {
    this.checkOpen();
    this.gate.freeze(throwOnWrite);
    try {
      await this.gate.idle();
      await this.checkpoint();
    } catch (error) {
      if (this.gate.frozen) this.gate.release();
      throw error;
    }
  }

  /** @internal removes the most recent freeze (`ERR_NOT_FROZEN` when there is none). */
  release(): void {
    this.checkOpen();
    this.gate.release();
  }

  /** @internal fails the writes of a closing session that wait at the gate. */
  abandonWaiters(owner: object, error: unknown): void {
    this.gate.rejectWaiters(owner, error);
  }

  /**
   * Takes a consistent snapshot of the database files for a backup. Writers are held, running
   * writes finish, a checkpoint puts every committed change in the data files and empties the log,
   * then `onLocked` runs (if it throws, everything is released and the error rethrown). In
   * `'freeze'` mode the writers stay held until `release()`; in `'snapshot'` mode they resume at
   * once and copy-on-write keeps the snapshot's bytes. One snapshot at a time: a second call waits
   * for the first to be released.
   */
  async beginSnapshot(options: SnapshotOptions): Promise<StorageSnapshot> {
    if (typeof options !== 'object' || options === null || (options.mode !== 'freeze' && options.mode !== 'snapshot')) {
      throw fail('ERR_INVALID_ARGUMENT', "beginSnapshot needs { mode: 'freeze' | 'snapshot' }");
    }
    if (options.onLocked !== undefined && typeof options.onLocked !== 'function') {
      throw fail('ERR_INVALID_ARGUMENT', 'onLocked must be a function');
    }
    this.checkOpen();
    await this.turn.exclusive();
    let handedOver = false;
    this.gate.hold();
    try {
      await this.gate.idle();
      this.checkUsable();
      await this.store.checkpoint();
      await options.onLocked?.();
      this.checkUsable();
      const store = this.store;
      const snapshot = await store
        .quiesce(() => this.captureSnapshot(store, options.mode), { checkpoint: true })
        .catch((error: unknown) => {
          throw asCodedError(error, 'ERR_IO', `Taking the snapshot failed: ${messageOf(error)}`);
        });
      this.snapshot = snapshot;
      handedOver = true;
      if (options.mode === 'snapshot') this.gate.unhold();
      return snapshot;
    } finally {
      if (!handedOver) {
        this.gate.unhold();
        this.turn.releaseExclusive();
      }
    }
  }

  private async captureSnapshot(store: PageStore, mode: 'freeze' | 'snapshot'): Promise<Snapshot> {
    const sources = new Map<string, SnapshotSource>();
    sources.set(METADATA_FILE, { kind: 'bytes', bytes: await this.fs.readFile(join(this.workDirectory, METADATA_FILE)) });
    sources.set(WAL_FILE, { kind: 'bytes', bytes: await this.fs.readFile(join(this.workDirectory, WAL_FILE)) });
    const limits = new Map<number, number>();
    for (const info of this.metadata.classes) {
      const files = clusterFileNames(info);
      for (const [id, name] of [
        [dataFileId(info.clusterId), files.data],
        [mapFileId(info.clusterId), files.map],
      ] as const) {
        const size = (await store.file(id).handle.stat()).size;
        sources.set(name, { kind: 'pages', fileId: id, size });
        limits.set(id, Math.ceil(size / PAGE_SIZE));
      }
    }
    const cow = new CopyOnWrite(this.fs, this.workDirectory, limits, this.options.snapshotMemoryBytes);
    store.observer = cow;
    return new Snapshot({
      lsn: store.lsn,
      name: this.name,
      instanceId: this.metadata.instanceId,
      formatVersion: this.metadata.formatVersion,
      sources,
      store,
      cow,
      onRelease: async () => {
        await store.lock.withExclusive(async () => {
          if (store.observer === cow) store.observer = null;
        });
        await cow.dispose();
        if (mode === 'freeze') this.gate.unhold();
        this.snapshot = null;
        this.turn.releaseExclusive();
      },
    });
  }

  /**
   * Gives `action` the database directory with every file closed, for a restore to swap its
   * contents: waits for running writes and the running snapshot, holds new writers and readers,
   * checkpoints, closes every file and the process lock, runs `action`, then reopens the storage
   * from disk (process lock, metadata, recovery) and lets the waiting writers and readers go on,
   * whether `action` succeeded or threw. Sessions stay valid. If the reopen fails, the storage is
   * failed (every call rejects with that error) until it is closed.
   */
  async exclusive<T>(action: (directory: string) => Promise<T>): Promise<T> {
    if (this.kind === 'memory') {
      throw fail('ERR_UNSUPPORTED_STORAGE', 'Exclusive file access is not supported for memory: databases');
    }
    if (typeof action !== 'function') throw fail('ERR_INVALID_ARGUMENT', 'exclusive() needs a function');
    this.checkOpen();
    await this.turn.exclusive();
    this.gate.hold();
    try {
      await this.gate.idle();
      await this.access.exclusive();
      try {
        this.checkUsable();
        await this.store.close();
        await this.processLock?.release();
        this.processLock = null;
        let outcome: { ok: true; value: T } | { ok: false; error: unknown };
        try {
          outcome = { ok: true, value: await action(this.workDirectory) };
        } catch (error) {
          outcome = { ok: false, error };
        }
        try {
          this.processLock = await acquireProcessLock(this.fs, this.workDirectory);
          const state = await loadState(this.fs, this.workDirectory, this.kind, this.options);
          this.metadata = state.metadata;
          this.store = state.store;
          this.failure = null;
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          this.failure = asCodedError(error, 'ERR_IO', `The database could not be reopened after exclusive access: ${reason}`);
          if (outcome.ok) throw this.failure;
        }
        if (!outcome.ok) throw outcome.error;
        return outcome.value;
      } finally {
        this.access.releaseExclusive();
      }
    } finally {
      this.gate.unhold();
      this.turn.releaseExclusive();
    }
  }

  /**
   * @internal closes the storage: waiting and later writes fail with `ERR_DATABASE_CLOSED`,
   * running ones finish, a snapshot is ended, a checkpoint runs, files and the process lock are
   * released. Later calls return the same promise.
   */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      const closed = fail('ERR_DATABASE_CLOSED', `Database '${this.name}' is closed`);
      this.gate.close(closed);
      try {
        await this.gate.idle();
        await this.snapshot?.invalidate(closed);
        await this.access.exclusive();
        await this.store.close();
      } finally {
        await this.processLock?.release();
        this.processLock = null;
        this.onClosed();
      }
    })();
    return this.closing;
  }
}
