/**
 * The fault harness: a {@link FileSystem} that wraps another one, counts its calls and fails the
 * Nth with an errno, once or from then on (SQLite's "fail the Nth I/O call" trials).
 *
 * @packageDocumentation
 */
import type { DirEntry, FileHandle, FileStat, FileSystem, OpenFlags } from './file-system.js';

/** The errno values the harness injects: a full disk, a failing device, a refused permission, no file descriptor left. */
export const INJECTABLE_ERRNOS = ['ENOSPC', 'EIO', 'EACCES', 'EMFILE'] as const;

/** One of {@link INJECTABLE_ERRNOS}. */
export type InjectableErrno = (typeof INJECTABLE_ERRNOS)[number];

/** Linux's numbers for the injected errnos, as Node puts them in `error.errno` (negated). */
const ERRNO_NUMBERS: Record<InjectableErrno, number> = { ENOSPC: 28, EIO: 5, EACCES: 13, EMFILE: 24 };

const ERRNO_TEXT: Record<InjectableErrno, string> = {
  ENOSPC: 'no space left on device',
  EIO: 'i/o error',
  EACCES: 'permission denied',
  EMFILE: 'too many open files',
};

/** Every call of a {@link FileSystem} (up to `link`) and of a {@link FileHandle} (from `read` on) the harness can count and fail. */
export const FILE_SYSTEM_OPERATIONS = [
  'open',
  'readFile',
  'stat',
  'lstat',
  'readdir',
  'mkdir',
  'rename',
  'unlink',
  'rm',
  'syncDir',
  'realpath',
  'link',
  'read',
  'write',
  'sync',
  'truncate',
  'fstat',
  'close',
] as const;

/** One of {@link FILE_SYSTEM_OPERATIONS}. */
export type FileSystemOperation = (typeof FILE_SYSTEM_OPERATIONS)[number];

/** What to fail. Calls that the filters (`operations`, `path`) leave out are neither counted nor failed. */
export interface FaultPlan {
  /** The counted call (from 1) that fails; `Infinity` for none. */
  readonly failAt: number;
  /** The errno of the failure (default `EIO`). */
  readonly errno?: InjectableErrno;
  /** Fail every counted call from `failAt` on, not only that one (default false): the disk is gone for good. */
  readonly persistent?: boolean;
  /** Count only these operations (default: every one). */
  readonly operations?: readonly FileSystemOperation[];
  /** Count only the calls on a path for which this is true (a rename when either side is). */
  readonly path?: (path: string) => boolean;
}

/** A call as the harness saw it. */
export interface FileSystemCall {
  readonly operation: FileSystemOperation;
  /** The path (two for a rename or a link: from, to; a handle's call names the path it was opened with). */
  readonly paths: readonly string[];
  /** Its number among the counted calls since the plan was armed, or undefined when the plan's filters leave it out. */
  readonly counted: number | undefined;
  /** The errno injected into it, if it was failed. */
  readonly failed: InjectableErrno | undefined;
}

/** Options of {@link FaultyFileSystem}. */
export interface FaultyFileSystemOptions {
  /** Keep every call in {@link FaultyFileSystem.calls} (default false: long runs would hold millions). */
  readonly record?: boolean;
}

const NO_FAULT: FaultPlan = { failAt: Number.POSITIVE_INFINITY };

function checkPlan(plan: FaultPlan): FaultPlan {
  if (typeof plan !== 'object' || plan === null) throw new TypeError('FaultyFileSystem: a plan must be an object');
  const { failAt, errno, operations, path } = plan;
  if (typeof failAt !== 'number' || !(failAt === Number.POSITIVE_INFINITY || (Number.isSafeInteger(failAt) && failAt >= 1))) {
    throw new RangeError(`FaultyFileSystem: failAt must be an integer from 1, or Infinity; got ${String(failAt)}`);
  }
  if (errno !== undefined && !(INJECTABLE_ERRNOS as readonly string[]).includes(errno)) {
    throw new RangeError(`FaultyFileSystem: errno must be one of ${INJECTABLE_ERRNOS.join(', ')}; got ${String(errno)}`);
  }
  for (const operation of operations ?? []) {
    if (!(FILE_SYSTEM_OPERATIONS as readonly string[]).includes(operation)) {
      throw new RangeError(`FaultyFileSystem: unknown operation ${JSON.stringify(operation)}`);
    }
  }
  if (path !== undefined && typeof path !== 'function') throw new TypeError('FaultyFileSystem: path must be a function of a path');
  return plan;
}

/** A Node-style errno error, as `node:fs` raises it, marked `injected`. */
function injectedError(errno: InjectableErrno, syscall: string, path: string): NodeJS.ErrnoException & { injected: true } {
  const error = new Error(`${errno}: ${ERRNO_TEXT[errno]} (injected), ${syscall} '${path}'`) as NodeJS.ErrnoException & { injected: true };
  error.code = errno;
  error.errno = -ERRNO_NUMBERS[errno];
  error.syscall = syscall;
  error.path = path;
  error.injected = true;
  return error;
}

/**
 * Wraps `base` so that its calls, and those of the handles it opens, are counted and, as the
 * {@link FaultPlan} says, failed: the `failAt`-th counted call rejects with a Node-style error
 * (`code` the errno, `syscall`, `path`, `injected: true`) before it reaches `base`, so it has no
 * effect; with `persistent`, so does every counted call after it. One exception: a failed
 * `close` still closes the handle underneath, as Linux releases the descriptor whatever
 * `close(2)` reports.
 *
 * Typical trial: run an operation once with no fault to learn how many calls it makes
 * ({@link FaultyFileSystem.counted}), then for N = 1, 2, ... `arm({ failAt: N, ... })`, run it
 * again and check what it left behind.
 */
export class FaultyFileSystem implements FileSystem {
  private plan: FaultPlan;
  private count = 0;
  private faults = 0;
  private readonly log: FileSystemCall[] | undefined;
  private readonly observers = new Set<(call: FileSystemCall) => void>();

  /**
   * @param base - the file system the calls go to
   * @param plan - what to fail (default: nothing)
   * @param options - see {@link FaultyFileSystemOptions}
   */
  constructor(
    readonly base: FileSystem,
    plan: FaultPlan = NO_FAULT,
    options: FaultyFileSystemOptions = {},
  ) {
    this.plan = checkPlan(plan);
    this.log = options.record === true ? [] : undefined;
    const realpath = base.realpath?.bind(base);
    if (realpath !== undefined) {
      this.realpath = async (path: string) => {
        this.enter('realpath', path);
        return realpath(path);
      };
    }
    const link = base.link?.bind(base);
    if (link !== undefined) {
      this.link = async (existingPath: string, newPath: string) => {
        this.enter('link', existingPath, newPath);
        return link(existingPath, newPath);
      };
    }
  }

  /** The base's `realpath`, counted like any call; absent when the base has none. */
  readonly realpath?: (path: string) => Promise<string>;

  /** The base's `link`, counted like any call (a call on both paths); absent when the base has none. */
  readonly link?: (existingPath: string, newPath: string) => Promise<void>;

  /** Follows `plan` from now on, counting from zero again. */
  arm(plan: FaultPlan): void {
    this.plan = checkPlan(plan);
    this.count = 0;
  }

  /** Stops failing calls (counting goes on under the last plan's filters). */
  heal(): void {
    this.plan = { ...this.plan, failAt: Number.POSITIVE_INFINITY, persistent: false };
  }

  /** The calls counted since the plan was armed (or since construction). */
  get counted(): number {
    return this.count;
  }

  /** How many calls were failed since construction. */
  get injected(): number {
    return this.faults;
  }

  /** Every call so far, when the harness was made with `record: true` (else empty). */
  get calls(): readonly FileSystemCall[] {
    return this.log ?? [];
  }

  /**
   * Calls `observer` with every call just before it runs (or fails): the moment to take a
   * power-loss copy of the file system underneath. Returns a function that stops it.
   */
  observe(observer: (call: FileSystemCall) => void): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  /** Counts the call, tells the observers, and throws the planned fault if it is this call's turn. */
  private enter(operation: FileSystemOperation, ...paths: string[]): void {
    const { operations, path } = this.plan;
    const included = (operations === undefined || operations.includes(operation)) && (path === undefined || paths.some(path));
    let counted: number | undefined;
    let failed: InjectableErrno | undefined;
    if (included) {
      counted = ++this.count;
      if (counted === this.plan.failAt || (this.plan.persistent === true && counted > this.plan.failAt)) failed = this.plan.errno ?? 'EIO';
    }
    const call: FileSystemCall = { operation, paths, counted, failed };
    this.log?.push(call);
    for (const observer of this.observers) observer(call);
    if (failed !== undefined) {
      this.faults++;
      throw injectedError(failed, operation, paths[0] ?? '');
    }
  }

  private wrap(handle: FileHandle, path: string): FileHandle {
    const run = async <T>(operation: FileSystemOperation, action: () => Promise<T>): Promise<T> => {
      this.enter(operation, path);
      return action();
    };
    return {
      read: (buffer, offset, length, position) => run('read', () => handle.read(buffer, offset, length, position)),
      write: (buffer, offset, length, position) => run('write', () => handle.write(buffer, offset, length, position)),
      sync: () => run('sync', () => handle.sync()),
      truncate: (length) => run('truncate', () => handle.truncate(length)),
      stat: () => run('fstat', () => handle.stat()),
      close: async () => {
        try {
          this.enter('close', path);
        } catch (error) {
          await handle.close().catch(() => undefined);
          throw error;
        }
        await handle.close();
      },
    };
  }

  async open(path: string, flags: OpenFlags, mode?: number): Promise<FileHandle> {
    this.enter('open', path);
    return this.wrap(await this.base.open(path, flags, mode), path);
  }

  async readFile(path: string): Promise<Buffer> {
    this.enter('readFile', path);
    return this.base.readFile(path);
  }

  async stat(path: string): Promise<FileStat> {
    this.enter('stat', path);
    return this.base.stat(path);
  }

  async lstat(path: string): Promise<FileStat> {
    this.enter('lstat', path);
    return this.base.lstat(path);
  }

  async readdir(path: string): Promise<DirEntry[]> {
    this.enter('readdir', path);
    return this.base.readdir(path);
  }

  async mkdir(path: string, options?: { recursive?: boolean }): Promise<void> {
    this.enter('mkdir', path);
    return this.base.mkdir(path, options);
  }

  async rename(from: string, to: string): Promise<void> {
    this.enter('rename', from, to);
    return this.base.rename(from, to);
  }

  async unlink(path: string): Promise<void> {
    this.enter('unlink', path);
    return this.base.unlink(path);
  }

  async rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void> {
    this.enter('rm', path);
    return this.base.rm(path, options);
  }

  async syncDir(path: string): Promise<void> {
    this.enter('syncDir', path);
    return this.base.syncDir(path);
  }
}
