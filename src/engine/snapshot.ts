/**
 * Storage snapshots: a consistent image of a database's files for a backup, readable while
 * writers go on (copy-on-write) or while they are held (freeze mode).
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type BackupConformanceError, fail } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/index.js';
import { PAGE_SIZE, TEMP_FILE_SUFFIX } from './constants.js';
import { pageLsn, verifyPage } from './page.js';
import { type DataFile, type OverwriteObserver, type PageStore, readFully, writeFully } from './page-store.js';

/** A file of a snapshot. */
export interface SnapshotFile {
  /** Relative to the database directory, `/`-separated. */
  readonly name: string;
  readonly size: number;
}

/** A page changed after a given LSN, as {@link StorageSnapshot.pagesNewerThan} yields it. */
export interface ChangedPage {
  readonly pageIndex: number;
  readonly lsn: number;
  readonly bytes: Buffer;
}

/**
 * A consistent image of a database's files, taken by `Storage.beginSnapshot`. Its files are
 * exactly `database.ocf`, `database.wal` and every `.pcl` / `.cpm` file, never a transient file.
 */
export interface StorageSnapshot {
  /** The LSN of the last operation the snapshot holds. */
  readonly lsn: number;
  readonly name: string;
  readonly instanceId: string;
  readonly formatVersion: number;
  /** The files, sorted by name. */
  readonly files: readonly SnapshotFile[];
  /** The bytes of a file exactly as of the snapshot, in chunks of at most `chunkSize` bytes. */
  readFile(name: string, chunkSize: number): AsyncIterable<Buffer>;
  /**
   * Reads the bytes of a file as of the snapshot from `position` into `target` (from its start);
   * resolves how many: `target.length`, fewer only at the end of the file, 0 from its end on.
   * Lets a reader reuse one buffer instead of allocating a chunk per read.
   */
  readAt(name: string, position: number, target: Uint8Array): Promise<number>;
  /** The pages of a `.pcl` or `.cpm` file (as of the snapshot) whose LSN is greater than `lsn`. */
  pagesNewerThan(name: string, lsn: number): AsyncIterable<ChangedPage>;
  /** Ends the snapshot (and the freeze of a freeze-mode snapshot). Idempotent. */
  release(): Promise<void>;
}

/**
 * Keeps, for a snapshot, the old bytes of every page that is overwritten on disk after it was
 * taken. Pages stay in memory up to a budget, then go to a temporary file (`*.cow.tmp` in the
 * database directory, which backups skip as a transient file).
 */
export class CopyOnWrite implements OverwriteObserver {
  private readonly memory = new Map<number, Buffer>();
  private readonly spilled = new Map<number, number>();
  private memoryBytes = 0;
  private spill: FileHandle | null = null;
  private spillSize = 0;
  private readonly spillPath: string;

  /**
   * @param limits the number of pages each data file (by id) had when the snapshot was taken
   * @param memoryBudget bytes of old pages kept in memory before spilling to disk
   */
  constructor(
    private readonly fs: FileSystem,
    directory: string,
    private readonly limits: ReadonlyMap<number, number>,
    private readonly memoryBudget: number,
  ) {
    this.spillPath = join(directory, `snapshot-${randomUUID()}.cow${TEMP_FILE_SUFFIX}`);
  }

  /** Pages preserved so far. */
  get preservedPages(): number {
    return this.memory.size + this.spilled.size;
  }

  /** True once some pages went to the temporary file. */
  get hasSpilled(): boolean {
    return this.spilled.size > 0;
  }

  async beforeOverwrite(file: DataFile, firstPage: number, count: number): Promise<void> {
    const limit = this.limits.get(file.id) ?? 0;
    const end = Math.min(firstPage + count, limit);
    let runStart = -1;
    for (let index = firstPage; index <= end; index++) {
      const needed = index < end && !this.has(file.id, index);
      if (needed && runStart < 0) runStart = index;
      if (!needed && runStart >= 0) {
        await this.preserveRun(file, runStart, index - runStart);
        runStart = -1;
      }
    }
  }

  /** The preserved old bytes of a page, or `undefined` when the page was not overwritten. */
  async page(fileId: number, index: number): Promise<Buffer | undefined> {
    const key = fileId * 0x1_0000_0000 + index;
    const inMemory = this.memory.get(key);
    if (inMemory !== undefined) return inMemory;
    const offset = this.spilled.get(key);
    if (offset === undefined || this.spill === null) return undefined;
    const buffer = Buffer.alloc(PAGE_SIZE);
    await readFully(this.spill, buffer, offset);
    return buffer;
  }

  /** Drops everything and removes the temporary file. */
  async dispose(): Promise<void> {
    this.memory.clear();
    this.spilled.clear();
    const spill = this.spill;
    this.spill = null;
    if (spill !== null) {
      await spill.close().catch(() => undefined);
      await this.fs.unlink(this.spillPath).catch(() => undefined);
    }
  }

  private has(fileId: number, index: number): boolean {
    const key = fileId * 0x1_0000_0000 + index;
    return this.memory.has(key) || this.spilled.has(key);
  }

  private async preserveRun(file: DataFile, start: number, count: number): Promise<void> {
    const old = Buffer.alloc(count * PAGE_SIZE);
    await readFully(file.handle, old, start * PAGE_SIZE);
    for (let i = 0; i < count; i++) {
      const key = file.id * 0x1_0000_0000 + start + i;
      const bytes = old.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
      if (this.memoryBytes + PAGE_SIZE <= this.memoryBudget) {
        this.memory.set(key, Buffer.from(bytes));
        this.memoryBytes += PAGE_SIZE;
      } else {
        this.spill ??= await this.fs.open(this.spillPath, 'w+');
        await writeFully(this.spill, bytes, this.spillSize);
        this.spilled.set(key, this.spillSize);
        this.spillSize += PAGE_SIZE;
      }
    }
  }
}

/** How a snapshot file's bytes are found. */
export type SnapshotSource =
  | { readonly kind: 'bytes'; readonly bytes: Buffer }
  | { readonly kind: 'pages'; readonly fileId: number; readonly size: number };

/** What `Storage` hands a snapshot. */
export interface SnapshotInit {
  readonly lsn: number;
  readonly name: string;
  readonly instanceId: string;
  readonly formatVersion: number;
  readonly sources: ReadonlyMap<string, SnapshotSource>;
  readonly store: PageStore;
  readonly cow: CopyOnWrite;
  /** Called once, by the first `release()` (or when the storage closes). */
  readonly onRelease: () => Promise<void>;
}

/** Every page below `pages`, in runs of `step`. */
function* wholeFile(pages: number, step: number): Generator<{ readonly first: number; readonly count: number }> {
  for (let first = 0; first < pages; first += step) yield { first, count: Math.min(step, pages - first) };
}

function validateChunkSize(chunkSize: number): void {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) {
    throw fail('ERR_INVALID_ARGUMENT', `chunkSize must be a positive integer, got ${String(chunkSize)}`);
  }
}

/** The snapshot implementation behind {@link StorageSnapshot}. */
export class Snapshot implements StorageSnapshot {
  readonly lsn: number;
  readonly name: string;
  readonly instanceId: string;
  readonly formatVersion: number;
  readonly files: readonly SnapshotFile[];
  private releasing: Promise<void> | null = null;
  private releasedBy: BackupConformanceError | null = null;

  constructor(private readonly init: SnapshotInit) {
    this.lsn = init.lsn;
    this.name = init.name;
    this.instanceId = init.instanceId;
    this.formatVersion = init.formatVersion;
    this.files = [...init.sources.entries()]
      .map(([name, source]) => ({ name, size: source.kind === 'bytes' ? source.bytes.length : source.size }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)); // names are map keys: never equal
  }

  /** True once released. */
  get released(): boolean {
    return this.releasing !== null;
  }

  async *readFile(name: string, chunkSize: number): AsyncIterable<Buffer> {
    validateChunkSize(chunkSize);
    const source = this.source(name);
    if (source.kind === 'bytes') {
      for (let at = 0; at < source.bytes.length; at += chunkSize) {
        this.checkLive();
        yield Buffer.from(source.bytes.subarray(at, at + chunkSize));
      }
      return;
    }
    for (let at = 0; at < source.size; at += chunkSize) {
      yield await this.readRange(source.fileId, at, Math.min(chunkSize, source.size - at));
    }
  }

  /**
   * Reads only the pages the file's LSN index names as possibly newer than `lsn` once the index
   * is complete (see `PageLsnIndex`); otherwise reads every page, noting their LSNs in the index,
   * which is complete after one such scan. Each page read is checked (`verifyPage`).
   */
  async readAt(name: string, position: number, target: Uint8Array): Promise<number> {
    if (!Number.isSafeInteger(position) || position < 0) throw fail('ERR_INVALID_ARGUMENT', `position must be a non-negative integer, got ${String(position)}`);
    if (!(target instanceof Uint8Array)) throw fail('ERR_INVALID_ARGUMENT', 'readAt needs a Uint8Array to read into');
    const source = this.source(name);
    const size = source.kind === 'bytes' ? source.bytes.length : source.size;
    const count = Math.max(0, Math.min(target.length, size - position));
    if (count === 0) return 0;
    if (source.kind === 'bytes') {
      this.checkLive();
      target.set(source.bytes.subarray(position, position + count));
    } else {
      await this.readRangeInto(source.fileId, position, Buffer.from(target.buffer, target.byteOffset, count));
    }
    return count;
  }

  async *pagesNewerThan(name: string, lsn: number): AsyncIterable<ChangedPage> {
    if (typeof lsn !== 'number' || Number.isNaN(lsn)) throw fail('ERR_INVALID_ARGUMENT', `lsn must be a number, got ${String(lsn)}`);
    const source = this.source(name);
    if (source.kind !== 'pages') throw fail('ERR_INVALID_ARGUMENT', `'${name}' is not a paged file (.pcl or .cpm)`);
    const pages = Math.ceil(source.size / PAGE_SIZE);
    const index = this.init.store.file(source.fileId).lsnIndex;
    const step = 64;
    const scanAll = !index.complete;
    const runs = scanAll ? wholeFile(pages, step) : index.candidates(pages, lsn, step);
    for (const run of runs) {
      const chunk = await this.readRange(source.fileId, run.first * PAGE_SIZE, run.count * PAGE_SIZE);
      for (let i = 0; i < run.count; i++) {
        const bytes = chunk.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
        verifyPage(bytes, name, run.first + i);
        const pageLsnValue = pageLsn(bytes);
        if (scanAll) index.note(run.first + i, pageLsnValue);
        if (pageLsnValue > lsn) yield { pageIndex: run.first + i, lsn: pageLsnValue, bytes: Buffer.from(bytes) };
      }
    }
    // Every page of the snapshot is noted now, and every later change notes its own.
    if (scanAll) index.complete = true;
  }

  release(): Promise<void> {
    this.releasing ??= this.init.onRelease();
    return this.releasing;
  }

  /** @internal ends the snapshot because the storage closes; later reads fail with `error`. */
  invalidate(error: BackupConformanceError): Promise<void> {
    this.releasedBy = error;
    return this.release();
  }

  private source(name: string): SnapshotSource {
    this.checkLive();
    const source = this.init.sources.get(name);
    if (source === undefined) throw fail('ERR_INVALID_ARGUMENT', `The snapshot holds no file named '${String(name)}'`);
    return source;
  }

  private checkLive(): void {
    if (this.releasing !== null) {
      throw this.releasedBy ?? fail('ERR_DATABASE_CLOSED', 'The snapshot was released');
    }
  }

  /** Reads bytes of a data file as of the snapshot: the disk, with preserved old pages laid over it. */
  private async readRange(fileId: number, position: number, length: number): Promise<Buffer> {
    return this.readRangeInto(fileId, position, Buffer.allocUnsafe(length));
  }

  /** {@link Snapshot.readRange} into `out` (all of it). */
  private async readRangeInto(fileId: number, position: number, out: Buffer): Promise<Buffer> {
    const length = out.length;
    this.checkLive();
    const { store, cow } = this.init;
    return store.lock.withShared(async () => {
      this.checkLive();
      store.checkUsable();
      // The file may be shorter on disk than in the snapshot (pages allocated, not yet written):
      // those bytes are zeros, as readFully leaves them in a fresh buffer.
      out.fill(0, await readFully(store.file(fileId).handle, out, position));
      const end = position + length;
      if (cow.preservedPages === 0) return out;
      for (let index = Math.floor(position / PAGE_SIZE); index * PAGE_SIZE < end; index++) {
        const old = await cow.page(fileId, index);
        if (old === undefined) continue;
        const from = Math.max(position, index * PAGE_SIZE);
        // copy() stops at the end of the page and at the end of `out`.
        old.copy(out, from - position, from - index * PAGE_SIZE);
      }
      return out;
    });
  }
}
