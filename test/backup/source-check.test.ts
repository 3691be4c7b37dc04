/**
 * The checks a backup makes on its source files (spec/backup.md BACKUP-057, spec/errors.md
 * `ERR_SOURCE_CHANGED`, `ERR_IO`): the sizes seen when the lock is taken, the snapshot's files
 * against them, each paged file again once it has been read, and an engine failure caused by a
 * vanished file. The database directory is an in-memory file system whose `readdir` and `stat`
 * a test can make fail; the snapshot is a small in-memory one that serves fixed bytes.
 */
import { describe, expect, it } from 'vitest';
import { checkSnapshotFiles, snapshotSource, sourceChangedOrSelf, statDatabaseFiles } from '../../src/backup/source-check.js';
import type { ZipChunkReader } from '../../src/archive/write/index.js';
import type { SnapshotFile, StorageSnapshot } from '../../src/engine/index.js';
import { fail } from '../../src/errors.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import type { DirEntry, FileStat } from '../../src/fs/index.js';
import { expectCode } from './_helpers.js';

const DIR = '/db';

/** A Node-style errno error, as `node:fs` raises it. */
function errnoError(code: string, path?: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: simulated, stat '${path ?? ''}'`);
  error.code = code;
  if (path !== undefined) error.path = path;
  return error;
}

/** A memory file system whose `readdir` and `stat` can be made to throw any value, and which records the paths it stats. */
class ScriptedFileSystem extends MemoryFileSystem {
  /** What `stat` of a path throws instead of answering. */
  readonly statFailures = new Map<string, unknown>();
  /** Every path given to `stat`, in order. */
  readonly statted: string[] = [];
  /** When set, what `readdir` throws. */
  readdirFailure: { value: unknown } | undefined;

  override async stat(path: string): Promise<FileStat> {
    this.statted.push(path);
    if (this.statFailures.has(path)) throw this.statFailures.get(path);
    return super.stat(path);
  }

  override async readdir(path: string): Promise<DirEntry[]> {
    if (this.readdirFailure !== undefined) throw this.readdirFailure.value;
    return super.readdir(path);
  }
}

/** Bytes `0, 1, 2, ...` (mod 251) of the given length, so that misplaced chunks show. */
function pattern(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => i % 251));
}

/** A file system with `DIR` holding the given files (name to size), each filled with {@link pattern}. */
async function directoryWith(files: Record<string, number>): Promise<ScriptedFileSystem> {
  const fs = new ScriptedFileSystem();
  await fs.mkdir(DIR, { recursive: true });
  for (const [name, size] of Object.entries(files)) {
    const handle = await fs.open(`${DIR}/${name}`, 'w');
    await handle.write(pattern(size), 0, size, 0);
    await handle.close();
  }
  return fs;
}

/** A snapshot serving fixed bytes per file through `readAt`, the only member `snapshotSource` uses. */
function snapshotOf(files: Record<string, Buffer>): StorageSnapshot {
  const unused = (): never => {
    throw new Error('not used by snapshotSource');
  };
  return {
    lsn: 1,
    name: 'db',
    instanceId: 'id',
    formatVersion: 1,
    files: Object.entries(files).map(([name, data]) => ({ name, size: data.length })),
    readFile: unused,
    pagesNewerThan: unused,
    release: async () => undefined,
    async readAt(name, position, target) {
      const data = files[name];
      if (data === undefined) throw new Error(`no file ${name} in the snapshot`);
      if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`bad position ${position}`);
      if (position >= data.length) return 0;
      return data.copy(target, 0, position, Math.min(data.length, position + target.length));
    },
  };
}

/** Opens the source of `file` and reads it with a `chunkSize` buffer to its end; resolves the bytes. */
async function readToEnd(reader: ZipChunkReader, chunkSize: number, beforeEachRead: (readSoFar: number) => Promise<void> = async () => undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    await beforeEachRead(total);
    const buffer = Buffer.alloc(chunkSize);
    const count = await reader.readInto(buffer);
    if (count === 0) return Buffer.concat(chunks);
    chunks.push(buffer.subarray(0, count));
    total += count;
  }
}

function readerOf(snapshot: StorageSnapshot, fs: ScriptedFileSystem, file: SnapshotFile): ZipChunkReader {
  return snapshotSource(snapshot, fs, DIR, file).open() as ZipChunkReader;
}

describe('statDatabaseFiles', () => {
  it('gives the size of every regular file, leaving out subdirectories, the lock file and temporary files', async () => {
    const fs = await directoryWith({ 'database.ocf': 10, 'database.wal': 0, 'item.pcl': 8192, 'item.cpm': 16, 'database.lock': 5, 'item.cow.tmp': 3 });
    await fs.mkdir(`${DIR}/sub`);
    const sizes = await statDatabaseFiles(fs, DIR);
    expect([...sizes]).toEqual([
      ['database.ocf', 10],
      ['database.wal', 0],
      ['item.cpm', 16],
      ['item.pcl', 8192],
    ]);
  });

  it('leaves out a file that vanishes between the listing and its stat', async () => {
    const fs = await directoryWith({ 'database.ocf': 10, 'item.pcl': 8192 });
    fs.statFailures.set(`${DIR}/item.pcl`, errnoError('ENOENT', `${DIR}/item.pcl`));
    expect([...(await statDatabaseFiles(fs, DIR))]).toEqual([['database.ocf', 10]]);
  });

  it('turns a failing listing into ERR_IO naming the directory, with the failure as cause', async () => {
    const fs = await directoryWith({});
    const failure = errnoError('EIO', DIR);
    fs.readdirFailure = { value: failure };
    const error = await expectCode(statDatabaseFiles(fs, DIR), 'ERR_IO');
    expect(error.cause).toBe(failure);
    expect(error.message).toContain(DIR);
    expect(error.message).toContain(failure.message);
    expect(error.message).not.toContain('Error');
    fs.readdirFailure = { value: 'the disk went away' };
    expect((await expectCode(statDatabaseFiles(fs, DIR), 'ERR_IO')).message).toContain('the disk went away');
  });

  it.each<[string, unknown]>([
    ['an errno other than ENOENT', errnoError('EACCES')],
    ['an error without a code', new Error('odd failure')],
    ['an error with a numeric code', Object.assign(new Error('odd failure'), { code: -2 })],
    ['a coded error', fail('ERR_IO', 'inner failure')],
    ['a string', 'odd failure'],
    ['null', null],
  ])('turns a stat failing with %s into ERR_IO naming the file, with the failure as cause', async (_what, failure) => {
    const fs = await directoryWith({ 'item.pcl': 8192 });
    fs.statFailures.set(`${DIR}/item.pcl`, failure);
    const error = await expectCode(statDatabaseFiles(fs, DIR), 'ERR_IO');
    expect(error.cause).toBe(failure);
    expect(error.message).toContain(`${DIR}/item.pcl`);
    const text = failure instanceof Error ? failure.message : String(failure);
    expect(error.message).toContain(text);
    expect(error.message).not.toContain('Error');
  });
});

describe('checkSnapshotFiles', () => {
  const files: SnapshotFile[] = [
    { name: 'database.ocf', size: 10 },
    { name: 'database.wal', size: 0 },
    { name: 'item.cpm', size: 16 },
    { name: 'item.pcl', size: 8192 },
  ];
  const atLock = new Map(files.map((file) => [file.name, file.size]));

  it('passes when every file had its snapshot size at the lock and the paged files are on disk', async () => {
    const fs = await directoryWith({ 'item.cpm': 16, 'item.pcl': 8192 });
    // The metadata and the log are held by the snapshot, so their absence on disk is not checked.
    await expect(checkSnapshotFiles(fs, DIR, files, atLock)).resolves.toBeUndefined();
    expect(fs.statted.sort()).toEqual([`${DIR}/item.cpm`, `${DIR}/item.pcl`]);
  });

  it('refuses a file the lock did not see, naming it and its size', async () => {
    const fs = await directoryWith({ 'item.cpm': 16, 'item.pcl': 8192, 'other.pcl': 4096 });
    const error = await expectCode(checkSnapshotFiles(fs, DIR, [...files, { name: 'other.pcl', size: 4096 }], atLock), 'ERR_SOURCE_CHANGED');
    expect(error.details).toEqual({ file: 'other.pcl', size: 4096 });
    expect(error.message).toMatch(/'other\.pcl' appeared/);
  });

  it('refuses a file whose size changed between the lock and the snapshot, naming both sizes', async () => {
    const fs = await directoryWith({ 'item.cpm': 16, 'item.pcl': 8192 });
    const grown = files.map((file) => (file.name === 'database.wal' ? { ...file, size: 77 } : file));
    const error = await expectCode(checkSnapshotFiles(fs, DIR, grown, atLock), 'ERR_SOURCE_CHANGED');
    expect(error.details).toEqual({ file: 'database.wal', before: 0, after: 77 });
    expect(error.message).toContain("'database.wal'");
    expect(error.message).toMatch(/\b0\b.*\b77\b/);
  });

  it.each(['item.pcl', 'item.cpm'])('refuses a paged file (%s) gone from the directory', async (gone) => {
    const fs = await directoryWith({ 'item.cpm': 16, 'item.pcl': 8192 });
    await fs.unlink(`${DIR}/${gone}`);
    const error = await expectCode(checkSnapshotFiles(fs, DIR, files, atLock), 'ERR_SOURCE_CHANGED');
    expect(error.details).toEqual({ file: gone });
    expect(error.message).toContain(`'${gone}' vanished`);
  });

  it('reports the first file in the snapshot order that fails', async () => {
    const fs = await directoryWith({});
    const error = await expectCode(checkSnapshotFiles(fs, DIR, [{ name: 'a.pcl', size: 1 }, { name: 'b.pcl', size: 2 }], new Map([['b.pcl', 3]])), 'ERR_SOURCE_CHANGED');
    expect(error.details).toEqual({ file: 'a.pcl', size: 1 });
  });

  it('turns a failing stat into ERR_IO', async () => {
    const fs = await directoryWith({ 'item.cpm': 16, 'item.pcl': 8192 });
    const failure = errnoError('EIO', `${DIR}/item.pcl`);
    fs.statFailures.set(`${DIR}/item.pcl`, failure);
    expect((await expectCode(checkSnapshotFiles(fs, DIR, files, atLock), 'ERR_IO')).cause).toBe(failure);
  });
});

describe('snapshotSource', () => {
  const data = pattern(10_000);

  it('reads the snapshot bytes in buffer-sized chunks and checks a paged file on disk once, at its end', async () => {
    const fs = await directoryWith({ 'item.pcl': data.length });
    const source = snapshotSource(snapshotOf({ 'item.pcl': data }), fs, DIR, { name: 'item.pcl', size: data.length });
    expect(source).toMatchObject({ name: 'item.pcl', size: data.length });
    const statsAfterRead: number[] = [];
    const bytes = await readToEnd(source.open() as ZipChunkReader, 4096, async () => void statsAfterRead.push(fs.statted.length));
    expect(bytes.equals(data)).toBe(true);
    expect(statsAfterRead).toEqual([0, 0, 0, 0]);
    expect(fs.statted).toEqual([`${DIR}/item.pcl`]);
  });

  it('never checks a file that is not paged on disk', async () => {
    const fs = await directoryWith({});
    const log = pattern(300);
    const reader = readerOf(snapshotOf({ 'database.wal': log }), fs, { name: 'database.wal', size: log.length });
    expect((await readToEnd(reader, 128)).equals(log)).toBe(true);
    expect(fs.statted).toEqual([]);
  });

  it.each(['item.pcl', 'item.cpm'])('fails with ERR_SOURCE_CHANGED when %s vanishes before its end is read', async (name) => {
    const fs = await directoryWith({ [name]: data.length });
    const reader = readerOf(snapshotOf({ [name]: data }), fs, { name, size: data.length });
    const removeAtEnd = async (readSoFar: number): Promise<void> => {
      if (readSoFar === data.length) await fs.unlink(`${DIR}/${name}`);
    };
    const error = await expectCode(readToEnd(reader, 4096, removeAtEnd), 'ERR_SOURCE_CHANGED');
    expect(error.details).toEqual({ file: name });
    expect(error.message).toContain(`'${name}' vanished`);
  });

  it('fails with ERR_SOURCE_CHANGED naming both sizes when a paged file shrank below its snapshot size', async () => {
    const fs = await directoryWith({ 'item.pcl': data.length });
    const reader = readerOf(snapshotOf({ 'item.pcl': data }), fs, { name: 'item.pcl', size: data.length });
    const truncateAtEnd = async (readSoFar: number): Promise<void> => {
      if (readSoFar !== data.length) return;
      const handle = await fs.open(`${DIR}/item.pcl`, 'r+');
      await handle.truncate(data.length - 1);
      await handle.close();
    };
    const error = await expectCode(readToEnd(reader, 4096, truncateAtEnd), 'ERR_SOURCE_CHANGED');
    expect(error.details).toEqual({ file: 'item.pcl', before: data.length, after: data.length - 1 });
    expect(error.message).toContain("'item.pcl'");
    expect(error.message).toContain(`${data.length} to ${data.length - 1}`);
  });

  it('accepts a paged file that grew on disk after the snapshot (writers go on in snapshot mode)', async () => {
    const fs = await directoryWith({ 'item.pcl': data.length + 8192 });
    const reader = readerOf(snapshotOf({ 'item.pcl': data }), fs, { name: 'item.pcl', size: data.length });
    expect((await readToEnd(reader, 4096)).equals(data)).toBe(true);
  });

  it('turns a failing stat at the end into ERR_IO', async () => {
    const fs = await directoryWith({ 'item.pcl': data.length });
    fs.statFailures.set(`${DIR}/item.pcl`, errnoError('EIO'));
    const reader = readerOf(snapshotOf({ 'item.pcl': data }), fs, { name: 'item.pcl', size: data.length });
    await expectCode(readToEnd(reader, 65_536), 'ERR_IO');
  });
});

describe('sourceChangedOrSelf', () => {
  /** `innermost` wrapped in `links` errors, each the cause of the next. */
  function chain(innermost: unknown, links: number): unknown {
    let error = innermost;
    for (let i = 0; i < links; i++) error = i % 2 === 0 ? new Error(`wrapper ${i}`, { cause: error }) : fail('ERR_IO', `coded wrapper ${i}`, { cause: error });
    return error;
  }

  it('turns ENOENT into ERR_SOURCE_CHANGED naming the path, with the original as cause', () => {
    const original = errnoError('ENOENT', '/db/item.pcl');
    const result = sourceChangedOrSelf(original) as Error & { code: string; details: Record<string, unknown> };
    expect(result).toMatchObject({ code: 'ERR_SOURCE_CHANGED', details: { file: '/db/item.pcl' }, cause: original });
    expect(result.message).toContain('/db/item.pcl');
  });

  it('names some file when the ENOENT carries no path', () => {
    const result = sourceChangedOrSelf(errnoError('ENOENT')) as Error & { code: string; details: { file?: unknown } };
    expect(result.code).toBe('ERR_SOURCE_CHANGED');
    expect(typeof result.details.file).toBe('string');
    expect(result.details.file).not.toBe('');
    expect(result.message).toContain(String(result.details.file));
  });

  it('finds ENOENT through seven wrapping errors (plain and coded), but not through eight', () => {
    const deep = chain(errnoError('ENOENT', '/db/deep.pcl'), 7);
    expect(sourceChangedOrSelf(deep)).toMatchObject({ code: 'ERR_SOURCE_CHANGED', details: { file: '/db/deep.pcl' }, cause: deep });
    const tooDeep = chain(errnoError('ENOENT', '/db/deep.pcl'), 8);
    expect(sourceChangedOrSelf(tooDeep)).toBe(tooDeep);
  });

  it('follows the causes of errors only, not of other objects', () => {
    const notAnError = { message: 'not an error', cause: errnoError('ENOENT', '/db/item.pcl') };
    expect(sourceChangedOrSelf(notAnError)).toBe(notAnError);
  });

  it.each<[string, unknown]>([
    ['another errno', errnoError('EIO', '/db/item.pcl')],
    ['a coded error', fail('ERR_DATABASE_CLOSED', 'closed')],
    ['an error whose code only contains ENOENT', Object.assign(new Error('x'), { code: 'ERR_ENOENT' })],
    ['a string', 'ENOENT'],
    ['null', null],
    ['undefined', undefined],
  ])('returns %s unchanged', (_what, error) => {
    expect(sourceChangedOrSelf(error)).toBe(error);
  });

  it('stops on a cycle of causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(sourceChangedOrSelf(a)).toBe(a);
  });
});
