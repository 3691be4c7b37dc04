/**
 * The page store: the data files of one open storage, their pages in a bounded cache, the
 * write-ahead log and checkpoints.
 *
 * Design (physiological redo with full page images):
 * - A write operation runs under the exclusive hold of {@link PageStore.lock}, gets the next LSN,
 *   and changes pages in the cache, stamping each with its LSN. Should it fail half-way, the
 *   pages it touched are put back as they were (before-images), so a failed operation leaves no
 *   trace.
 * - Making operations durable ({@link PageStore.flush}) captures, under the same exclusive hold,
 *   the after-image of every page changed since the last capture (each once, however many
 *   operations changed it) followed by a commit frame, appends them to the log in one write and
 *   fsyncs. Concurrent callers share one capture and one fsync (group commit). Captures only happen
 *   between operations, so a committed group always holds whole operations.
 * - A changed page may be written to its data file (eviction, checkpoint) only once its latest
 *   image is durable in the log, so recovery can always redo it; this also repairs a page torn by
 *   a crash during that write.
 * - Eviction runs in the background when the cache is over capacity (operations wait for it only
 *   past 1.5 times the capacity) and writes copies of the pages outside the content lock, so
 *   operations go on meanwhile.
 * - A checkpoint writes every dirty page, fsyncs the data files, then replaces the log with an
 *   empty one whose header holds the checkpoint LSN (temp file, fsync, rename, fsync directory).
 *
 * Locks, always taken in this order: `walLock` (appends to the log), `diskLock` (page writes to
 * the data files), `lock` (the pages: exclusive to change them, shared to read them).
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { BackupConformanceError, asCodedError, fail } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/index.js';
import { PAGE_SIZE, TEMP_FILE_SUFFIX, WAL_FILE } from './constants.js';
import { type CachedPage, PageCache, pageKey } from './page-cache.js';
import { PageLsnIndex } from './page-lsn-index.js';
import { pageLsn, sealPage, setPageLsn, verifyPage } from './page.js';
import { ReadWriteLock } from './read-write-lock.js';
import { type PageImage, WAL_HEADER_SIZE, encodeGroup, encodeWalHeader } from './wal-format.js';

/** A data file (`.pcl` or `.cpm`) of the store. */
export interface DataFile {
  readonly id: number;
  readonly name: string;
  readonly encodedName: Buffer;
  handle: FileHandle;
  /** Pages present in the file on disk. */
  diskPages: number;
  /** Pages of the file including those only allocated in memory so far. */
  logicalPages: number;
  /** Written since its last fsync. */
  unsynced: boolean;
  /** Upper bounds of its pages' LSNs (incremental backups read only the pages it names). */
  readonly lsnIndex: PageLsnIndex;
}

/** Read access to pages, for callers holding {@link PageStore.lock} (shared or exclusive). */
export interface PageReader {
  /** The page's bytes; valid until the caller gives back its hold on the lock. Do not modify. */
  page(fileId: number, index: number): Promise<Buffer>;
  /** Pages `start` .. `start + count - 1` (clipped to the file), read from disk in one call where possible. */
  pages(fileId: number, start: number, count: number): Promise<Buffer[]>;
  /** Number of pages of the file. */
  pageCount(fileId: number): number;
}

/** Told before pages of a data file are overwritten on disk (copy-on-write snapshots). */
export interface OverwriteObserver {
  beforeOverwrite(file: DataFile, firstPage: number, count: number): Promise<void>;
}

/** Tuning of a page store. */
export interface PageStoreOptions {
  /** Pages the cache keeps between operations. */
  readonly cachePages: number;
  /** The log size that triggers a checkpoint. */
  readonly walCheckpointBytes: number;
  /** In batch durability: unlogged page bytes that trigger a background flush. */
  readonly batchFlushBytes: number;
}

interface SavedPage {
  readonly page: CachedPage;
  /** The bytes before the operation, or null for a page the operation allocated. */
  readonly before: Buffer | null;
  readonly dirty: boolean;
  readonly needsLog: boolean;
  readonly logGroup: number;
}

/** A captured WAL group waiting to be appended. */
interface CapturedGroup {
  readonly bytes: Buffer;
  readonly group: number;
  readonly lsn: number;
}

/**
 * The page access of one write operation. Pages obtained with {@link PageTx.write} or
 * {@link PageTx.allocate} may be modified until the operation ends.
 */
export class PageTx implements PageReader {
  /** @internal */
  readonly saved = new Map<number, SavedPage>();
  /** @internal */
  readonly allocations: { file: DataFile; previous: number }[] = [];

  constructor(
    private readonly store: PageStore,
    /** The LSN of this operation: every page it changes carries it. */
    readonly lsn: number,
    /** @internal */
    readonly epoch: number,
  ) {}

  page(fileId: number, index: number): Promise<Buffer> {
    return this.store.page(fileId, index, this.epoch);
  }

  pages(fileId: number, start: number, count: number): Promise<Buffer[]> {
    return this.store.pages(fileId, start, count);
  }

  pageCount(fileId: number): number {
    return this.store.pageCount(fileId);
  }

  /** The page's bytes, to be modified by this operation (it gets this operation's LSN). */
  async write(fileId: number, index: number): Promise<Buffer> {
    const page = await this.store.cachedPage(fileId, index, this.epoch);
    this.touch(page, false);
    return page.buffer;
  }

  /** Appends a new zero page to the file and returns it for this operation to format. */
  allocate(fileId: number): { index: number; buffer: Buffer } {
    const file = this.store.file(fileId);
    const index = file.logicalPages;
    this.allocations.push({ file, previous: index });
    file.logicalPages = index + 1;
    const page: CachedPage = {
      key: pageKey(fileId, index),
      fileId,
      index,
      buffer: Buffer.alloc(PAGE_SIZE),
      dirty: true,
      needsLog: false,
      logGroup: 0,
      opEpoch: this.epoch,
      referenced: true,
    };
    this.store.cache.add(page);
    this.touch(page, true);
    return { index, buffer: page.buffer };
  }

  private touch(page: CachedPage, allocated: boolean): void {
    if (!this.saved.has(page.key)) {
      this.saved.set(page.key, {
        page,
        before: allocated ? null : this.store.copyForUndo(page.buffer),
        dirty: page.dirty,
        needsLog: page.needsLog,
        logGroup: page.logGroup,
      });
    }
    page.dirty = true;
    if (!page.needsLog) {
      page.needsLog = true;
      this.store.unlogged.add(page);
    }
    setPageLsn(page.buffer, this.lsn);
    this.store.file(page.fileId).lsnIndex.note(page.index, this.lsn);
  }
}

/** See the module documentation. */
export class PageStore implements PageReader {
  /** Exclusive for operations that change pages, checkpoints and evictions; shared for readers. */
  readonly lock = new ReadWriteLock();
  /** @internal */
  readonly cache: PageCache;
  /** @internal pages changed since their last capture. */
  readonly unlogged = new Set<CachedPage>();
  /** The last LSN handed out. */
  lsn: number;
  /** Every operation up to this LSN is durable in the log or the data files. */
  durableLsn: number;
  /** Set when a write to the log or a data file failed: the store refuses all work from then on. */
  failure: BackupConformanceError | null = null;
  /** Informed before pages are overwritten on disk. */
  observer: OverwriteObserver | null = null;

  /** Serialises appends to the log (held exclusively; taken before {@link PageStore.lock}). */
  private readonly walLock = new ReadWriteLock();
  /** Serialises writes of pages to the data files: evictions and checkpoints (after `walLock`, before `lock`). */
  private readonly diskLock = new ReadWriteLock();
  private readonly files = new Map<number, DataFile>();
  private readonly loading = new Map<number, Promise<CachedPage>>();
  private readonly undoPool: Buffer[] = [];
  private wal: FileHandle | null = null;
  private walSize = 0;
  private walHeaderLsn = -1;
  private group = 0;
  private durableGroup = 0;
  private epoch = 0;
  private activeEpoch = -1;
  private backgroundFlush: Promise<void> | null = null;
  private backgroundEviction: Promise<void> | null = null;
  private timedFlush: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(
    private readonly fs: FileSystem,
    private readonly directory: string,
    private readonly options: PageStoreOptions,
    lsn: number,
  ) {
    this.cache = new PageCache(Math.max(8, options.cachePages));
    this.lsn = lsn;
    this.durableLsn = lsn;
  }

  /**
   * Opens a store over data files whose contents are complete up to `lsn` (after recovery), and
   * starts a fresh, empty log.
   */
  static async open(
    fs: FileSystem,
    directory: string,
    files: readonly { id: number; name: string; handle: FileHandle; size: number }[],
    lsn: number,
    options: PageStoreOptions,
  ): Promise<PageStore> {
    const store = new PageStore(fs, directory, options, lsn);
    for (const file of files) store.addFile(file.id, file.name, file.handle, file.size);
    await store.resetWal();
    return store;
  }

  /** Adds a data file with `size` bytes on disk. */
  addFile(id: number, name: string, handle: FileHandle, size = 0): void {
    const pages = Math.ceil(size / PAGE_SIZE);
    this.files.set(id, {
      id,
      name,
      encodedName: Buffer.from(name, 'utf8'),
      handle,
      diskPages: pages,
      logicalPages: pages,
      unsynced: false,
      // An empty file's pages are all made (and noted) from now on; others must be read once.
      lsnIndex: new PageLsnIndex(pages === 0),
    });
  }

  /** The data file with id `id`. */
  file(id: number): DataFile {
    const file = this.files.get(id);
    if (file === undefined) throw fail('ERR_CORRUPT_DATABASE', `No data file has id ${id}`);
    return file;
  }

  /** Throws the failure that stopped the store, if any. */
  checkUsable(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw fail('ERR_DATABASE_CLOSED', 'The storage is closed');
  }

  pageCount(fileId: number): number {
    return this.file(fileId).logicalPages;
  }

  page(fileId: number, index: number, epoch = -1): Promise<Buffer> {
    const cached = this.cache.get(fileId, index);
    if (cached !== undefined) {
      if (epoch >= 0) cached.opEpoch = epoch;
      return Promise.resolve(cached.buffer);
    }
    return this.load(fileId, index, epoch).then((page) => page.buffer);
  }

  /** @internal the cache entry of a page, loading it if needed. */
  async cachedPage(fileId: number, index: number, epoch: number): Promise<CachedPage> {
    const cached = this.cache.get(fileId, index);
    const page = cached ?? (await this.load(fileId, index, epoch));
    page.opEpoch = epoch;
    return page;
  }

  async pages(fileId: number, start: number, count: number): Promise<Buffer[]> {
    const file = this.file(fileId);
    const end = Math.min(start + count, file.logicalPages);
    if (end <= start) return [];
    const diskEnd = Math.min(end, file.diskPages);
    let chunk: Buffer | undefined;
    const result: Buffer[] = [];
    for (let index = start; index < end; index++) {
      const cached = this.cache.peek(fileId, index);
      if (cached !== undefined) {
        result.push(cached.buffer);
        continue;
      }
      if (index >= diskEnd) throw this.missingPage(file, index);
      chunk ??= await this.readDisk(file, start, diskEnd - start);
      const view = chunk.subarray((index - start) * PAGE_SIZE, (index - start + 1) * PAGE_SIZE);
      verifyPage(view, file.name, index);
      result.push(view);
    }
    return result;
  }

  /**
   * Runs a write operation under the exclusive lock with the next LSN. When it throws, every page
   * it touched is restored. Resolves its result and its LSN; the caller decides on durability.
   */
  async write<T>(operation: (tx: PageTx) => Promise<T>): Promise<{ value: T; lsn: number }> {
    this.checkUsable();
    if (!this.lock.tryExclusive()) await this.lock.exclusive();
    const tx = new PageTx(this, ++this.lsn, ++this.epoch);
    this.activeEpoch = tx.epoch;
    try {
      this.checkUsable();
      const value = await operation(tx);
      return { value, lsn: tx.lsn };
    } catch (error) {
      this.rollback(tx);
      throw error;
    } finally {
      this.activeEpoch = -1;
      for (const saved of tx.saved.values()) if (saved.before !== null) this.undoPool.push(saved.before);
      this.lock.releaseExclusive();
    }
  }

  /** @internal a copy of a page for undo, from a pool of spare buffers. */
  copyForUndo(buffer: Buffer): Buffer {
    const copy = this.undoPool.pop() ?? Buffer.allocUnsafe(PAGE_SIZE);
    buffer.copy(copy);
    return copy;
  }

  private rollback(tx: PageTx): void {
    for (const saved of tx.saved.values()) {
      const { page } = saved;
      if (saved.before === null) {
        this.cache.delete(page);
        this.unlogged.delete(page);
        continue;
      }
      saved.before.copy(page.buffer);
      page.dirty = saved.dirty;
      page.needsLog = saved.needsLog;
      page.logGroup = saved.logGroup;
      if (page.needsLog) this.unlogged.add(page);
      else this.unlogged.delete(page);
    }
    for (const { file, previous } of tx.allocations.reverse()) file.logicalPages = Math.min(file.logicalPages, previous);
  }

  /**
   * Makes every operation so far durable: captures the changed pages into one group, appends it
   * to the log and fsyncs. Callers arriving while a flush runs share the next one.
   */
  async flush(): Promise<void> {
    this.checkUsable();
    const target = this.lsn;
    if (this.durableLsn >= target && this.unlogged.size === 0) return;
    await this.walLock.exclusive();
    try {
      this.checkUsable();
      if (this.durableLsn >= target) return;
      await this.lock.exclusive();
      let group: CapturedGroup | null;
      try {
        group = this.capture();
      } finally {
        this.lock.releaseExclusive();
      }
      if (group !== null) await this.guard(this.appendGroup(group));
    } finally {
      this.walLock.releaseExclusive();
    }
  }

  /** Resolves once every operation up to `lsn` is durable. */
  async flushUpTo(lsn: number): Promise<void> {
    if (this.durableLsn >= lsn) return;
    await this.flush();
  }

  /**
   * Batch durability: starts a background flush once enough changed pages wait for the log, or
   * after `delayMs`; waits for it when the backlog doubles (so memory stays bounded).
   */
  async flushSoon(delayMs: number): Promise<void> {
    const backlog = this.unlogged.size * PAGE_SIZE;
    if (backlog >= this.options.batchFlushBytes) {
      this.backgroundFlush ??= this.flush()
        .catch(() => undefined)
        .finally(() => {
          this.backgroundFlush = null;
        });
      if (backlog >= 2 * this.options.batchFlushBytes) await this.backgroundFlush;
    } else if (this.timedFlush === null && this.durableLsn < this.lsn) {
      this.timedFlush = setTimeout(() => {
        this.timedFlush = null;
        if (!this.closed && this.failure === null) void this.flush().catch(() => undefined);
      }, delayMs);
      this.timedFlush.unref();
    }
  }

  /**
   * Keeps the store within its bounds after an operation: when the cache is over capacity, starts
   * an eviction in the background (waiting for it only when the cache passes 1.5 times its
   * capacity, so memory stays bounded), and checkpoints when the log has grown past its limit.
   */
  async maintain(): Promise<void> {
    const capacity = this.cache.capacity;
    if (this.cache.size > capacity) {
      this.backgroundEviction ??= this.evictInBackground().finally(() => {
        this.backgroundEviction = null;
      });
      if (this.cache.size > capacity * 1.5) await this.backgroundEviction;
    }
    if (this.walSize >= this.options.walCheckpointBytes) await this.checkpoint(this.options.walCheckpointBytes);
  }

  /**
   * Writes every committed change to the data files and empties the log (see the module
   * documentation). Waits for running operations; runs alone. With `ifLogReaches`, does nothing
   * unless the log is at least that large by the time it runs (writers that crossed the limit
   * together then checkpoint once).
   */
  async checkpoint(ifLogReaches = 0): Promise<void> {
    this.checkUsable();
    await this.walLock.exclusive();
    await this.diskLock.exclusive();
    try {
      if (this.walSize < ifLogReaches) return;
      await this.lock.withExclusive(() => this.checkpointLocked());
    } finally {
      this.diskLock.releaseExclusive();
      this.walLock.releaseExclusive();
    }
  }

  /**
   * Runs `action` while nothing else touches the pages or the log: every operation before it is
   * durable (in the log, or with `checkpoint` in the data files with an empty log) and none runs
   * until `action` settles. Readers wait too.
   */
  async quiesce<T>(action: () => Promise<T>, options: { checkpoint: boolean }): Promise<T> {
    this.checkUsable();
    await this.walLock.exclusive();
    await this.diskLock.exclusive();
    try {
      return await this.lock.withExclusive(async () => {
        this.checkUsable();
        if (options.checkpoint) {
          await this.checkpointLocked();
        } else {
          const group = this.capture();
          if (group !== null) await this.guard(this.appendGroup(group));
        }
        return action();
      });
    } finally {
      this.diskLock.releaseExclusive();
      this.walLock.releaseExclusive();
    }
  }

  /**
   * Closes the store: waits for a background flush, stops the timer, checkpoints (unless the
   * store failed) and closes every file. Later calls do nothing.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.backgroundFlush;
    await this.backgroundEviction;
    if (this.timedFlush !== null) clearTimeout(this.timedFlush);
    this.timedFlush = null;
    let error: unknown;
    if (this.failure === null) {
      try {
        await this.checkpoint();
      } catch (caught) {
        error = caught;
      }
    }
    await this.walLock.exclusive();
    await this.diskLock.exclusive();
    await this.lock.exclusive();
    try {
      this.closed = true;
      for (const file of this.files.values()) await file.handle.close().catch(() => undefined);
      await this.wal?.close().catch(() => undefined);
      this.wal = null;
    } finally {
      this.lock.releaseExclusive();
      this.diskLock.releaseExclusive();
      this.walLock.releaseExclusive();
    }
    if (error !== undefined) throw asCodedError(error, 'ERR_IO');
  }

  private async checkpointLocked(): Promise<void> {
    this.checkUsable();
    const group = this.capture();
    if (group !== null) await this.guard(this.appendGroup(group));
    const dirty: CachedPage[] = [];
    for (const page of this.cache.values()) if (page.dirty) dirty.push(page);
    if (dirty.length === 0 && this.walSize === WAL_HEADER_SIZE && this.walHeaderLsn === this.lsn) return;
    for (const page of dirty) sealPage(page.buffer);
    await this.guard(this.writeImages(dirty.map((page) => ({ fileId: page.fileId, index: page.index, bytes: page.buffer }))));
    for (const page of dirty) page.dirty = false;
    for (const file of this.files.values()) {
      if (file.unsynced) {
        await this.guard(file.handle.sync());
        file.unsynced = false;
      }
    }
    await this.guard(this.resetWal());
  }

  private async resetWal(): Promise<void> {
    const path = join(this.directory, WAL_FILE);
    const temp = path + TEMP_FILE_SUFFIX;
    const header = encodeWalHeader(this.lsn);
    const handle = await this.fs.open(temp, 'w');
    try {
      try {
        await writeFully(handle, header, 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.wal?.close();
      this.wal = null;
      await this.fs.rename(temp, path);
    } catch (error) {
      // Leave no temporary file behind (the next open would remove it, but the directory stays clean now).
      await this.fs.unlink(temp).catch(() => undefined);
      throw error;
    }
    await this.fs.syncDir(this.directory);
    this.wal = await this.fs.open(path, 'r+');
    this.walSize = header.length;
    this.walHeaderLsn = this.lsn;
    this.durableLsn = this.lsn;
    this.durableGroup = this.group;
  }

  /** Takes the images of every page changed since the last capture; the caller holds the exclusive lock. */
  private capture(): CapturedGroup | null {
    if (this.unlogged.size === 0 && this.durableLsn >= this.lsn) return null;
    const group = ++this.group;
    const images: PageImage[] = [];
    for (const page of this.unlogged) {
      sealPage(page.buffer);
      images.push({ fileName: this.file(page.fileId).encodedName, index: page.index, page: page.buffer });
      page.needsLog = false;
      page.logGroup = group;
    }
    this.unlogged.clear();
    return { bytes: encodeGroup(images, this.lsn), group, lsn: this.lsn };
  }

  private async appendGroup(group: CapturedGroup): Promise<void> {
    if (this.wal === null) throw fail('ERR_DATABASE_CLOSED', 'The write-ahead log is closed');
    await writeFully(this.wal, group.bytes, this.walSize);
    await this.wal.sync();
    this.walSize += group.bytes.length;
    this.durableLsn = Math.max(this.durableLsn, group.lsn);
    this.durableGroup = Math.max(this.durableGroup, group.group);
  }

  /** Flushes the log if the pages to evict are not durable in it yet, then evicts. Failures stop the store (see `guard`). */
  private async evictInBackground(): Promise<void> {
    try {
      if (this.unlogged.size > 0 || this.durableGroup < this.group) await this.flush();
      await this.evict();
    } catch {
      // A failed write has already stopped the store; the next operation reports it.
    }
  }

  /**
   * Evicts pages down to 75% of the capacity (the margin makes evictions come in batches of
   * coalesced writes). A dirty page is written only once its latest image is durable in the log.
   * The writes happen outside the content lock, from copies taken under it, so operations and
   * readers go on meanwhile (they use the cached pages, which stay until written); a page changed
   * during its write stays cached and dirty. Recovery redoes any page whose write a crash tore.
   */
  private async evict(): Promise<void> {
    await this.diskLock.exclusive();
    try {
      this.checkUsable();
      const writes: { page: CachedPage; lsn: number; image: { fileId: number; index: number; bytes: Buffer } }[] = [];
      await this.lock.withExclusive(async () => {
        const excess = this.cache.size - Math.floor(this.cache.capacity * 0.75);
        if (excess <= 0) return;
        const evictable = (page: CachedPage): boolean => !page.dirty || (!page.needsLog && page.logGroup <= this.durableGroup);
        for (const page of this.cache.victims(excess, evictable)) {
          if (!page.dirty) {
            this.cache.delete(page);
            continue;
          }
          sealPage(page.buffer);
          writes.push({ page, lsn: pageLsn(page.buffer), image: { fileId: page.fileId, index: page.index, bytes: Buffer.from(page.buffer) } });
        }
      });
      if (writes.length === 0) return;
      await this.guard(this.writeImages(writes.map((write) => write.image)));
      await this.lock.withExclusive(async () => {
        for (const { page, lsn } of writes) {
          if (this.cache.peek(page.fileId, page.index) !== page || page.needsLog || pageLsn(page.buffer) !== lsn) continue;
          page.dirty = false;
          this.cache.delete(page);
        }
      });
    } finally {
      this.diskLock.releaseExclusive();
    }
  }

  /** Writes sealed page images to their data files, coalescing neighbours into one write; the caller holds the disk lock. */
  private async writeImages(images: { fileId: number; index: number; bytes: Buffer }[]): Promise<void> {
    images.sort((a, b) => a.fileId - b.fileId || a.index - b.index);
    let run: typeof images = [];
    const flushRun = async (): Promise<void> => {
      if (run.length === 0) return;
      const first = run[0]!;
      const file = this.file(first.fileId);
      if (this.observer !== null) await this.observer.beforeOverwrite(file, first.index, run.length);
      const bytes = run.length === 1 ? first.bytes : Buffer.concat(run.map((image) => image.bytes));
      await writeFully(file.handle, bytes, first.index * PAGE_SIZE);
      file.diskPages = Math.max(file.diskPages, first.index + run.length);
      file.unsynced = true;
      run = [];
    };
    for (const image of images) {
      const last = run[run.length - 1];
      if (last !== undefined && (last.fileId !== image.fileId || last.index + 1 !== image.index || run.length >= 256)) {
        await flushRun();
      }
      run.push(image);
    }
    await flushRun();
  }

  private async load(fileId: number, index: number, epoch: number): Promise<CachedPage> {
    const key = pageKey(fileId, index);
    const inFlight = this.loading.get(key);
    if (inFlight !== undefined) return inFlight;
    const loading = this.readPage(fileId, index, epoch);
    this.loading.set(key, loading);
    try {
      return await loading;
    } finally {
      this.loading.delete(key);
    }
  }

  private async readPage(fileId: number, index: number, epoch: number): Promise<CachedPage> {
    this.checkUsable();
    const file = this.file(fileId);
    if (index >= file.diskPages) throw this.missingPage(file, index);
    const buffer = await this.readDisk(file, index, 1);
    verifyPage(buffer, file.name, index);
    const existing = this.cache.peek(fileId, index);
    if (existing !== undefined) return existing;
    const page: CachedPage = {
      key: pageKey(fileId, index),
      fileId,
      index,
      buffer,
      dirty: false,
      needsLog: false,
      logGroup: 0,
      opEpoch: epoch,
      referenced: true,
    };
    this.cache.add(page);
    this.cache.dropClean(this.activeEpoch);
    return page;
  }

  private async readDisk(file: DataFile, start: number, count: number): Promise<Buffer> {
    const buffer = Buffer.alloc(count * PAGE_SIZE);
    try {
      await readFully(file.handle, buffer, start * PAGE_SIZE);
    } catch (error) {
      throw asCodedError(error, 'ERR_IO', `Reading page ${start} of '${file.name}' failed: ${String(error)}`);
    }
    return buffer;
  }

  private missingPage(file: DataFile, index: number): BackupConformanceError {
    return fail('ERR_CORRUPT_DATABASE', `Page ${index} of file '${file.name}' does not exist (the file has ${file.logicalPages} pages)`, {
      details: { file: file.name, page: index },
    });
  }

  /** Runs a write to the log or a data file; a failure stops the store for good (its memory is now ahead of the disk). */
  private async guard(work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (this.failure === null) {
        const reason = error instanceof Error ? error.message : String(error);
        this.failure = fail('ERR_IO', `A write to the storage failed (${reason}); close and reopen the database to recover`, {
          cause: error,
        });
      }
      throw this.failure;
    }
  }
}

/** Reads until `buffer` is full or the file ends; the rest stays zero. */
export async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const count = await handle.read(buffer, done, buffer.length - done, position + done);
    if (count === 0) break;
    done += count;
  }
  return done;
}

/** Writes all of `buffer` at `position`. */
export async function writeFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buffer.length) {
    done += await handle.write(buffer, done, buffer.length - done, position + done);
  }
}
