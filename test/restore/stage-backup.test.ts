/**
 * Staging a backup (src/restore/stage-backup.ts), on a MemoryFileSystem: an archive extracted and
 * checked in one pass, a chain rebuilt, and either finalised with the target's name and a fresh
 * instance id. The database is small but its data file spans two read chunks (256 KiB), so the
 * page checks made during extraction see a file in pieces.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractArchive, type ExtractedEntry } from '../../src/archive/read/index.js';
import { writeZipToFile } from '../../src/archive/write/index.js';
import { MANIFEST_ENTRY, buildManifest, parseManifest, type FullManifest } from '../../src/backup/manifest.js';
import { Database } from '../../src/engine/index.js';
import { type Metadata, parseMetadata } from '../../src/engine/metadata.js';
import { BackupConformanceError } from '../../src/errors.js';
import { FaultyFileSystem, MemoryFileSystem, type FileSystem } from '../../src/fs/index.js';
import { incrementalBackup } from '../../src/incremental/incremental-backup.js';
import { finalizeStagedDatabase, stageArchive, stageChainDirectory, upToIndexNeedsDirectory } from '../../src/restore/stage-backup.js';
import { backupToFile } from './_helpers/backup-file.js';

const FAST = { scryptCost: 16 } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ARCHIVE = '/backup.zip';
const CHAIN = '/chain';

interface World {
  /** Holds the archive and the chain; every test stages on a copy of it. */
  readonly fs: MemoryFileSystem;
  /** The archive's entries, as extracted. */
  readonly entries: readonly ExtractedEntry[];
  /** The bytes of each entry. */
  readonly bytes: ReadonlyMap<string, Buffer>;
  readonly manifest: FullManifest;
  /** The metadata the archive holds. */
  readonly metadata: Metadata;
  /** The database's dump at the archive, and after each chain file. */
  readonly dump: string;
  readonly chainDumps: readonly string[];
}

let world: Promise<World> | undefined;

/** Made lazily by the first test that needs it (a fixture failing in a hook would hide every test). */
function fixture(): Promise<World> {
  world ??= build();
  return world;
}

async function build(): Promise<World> {
  const fs = new MemoryFileSystem();
  const db = await Database.create('plocal:/source/db', { fs, ...FAST });
  await db.createClass('Item');
  await db.createClass('Empty');
  for (let i = 0; i < 300; i++) await db.insert('Item', { n: i, text: `${'x'.repeat(1000)}${i}` });
  await incrementalBackup(db, CHAIN);
  const first = await db.dump();
  await db.insert('Item', { n: 1000, text: 'after the first chain file' });
  await incrementalBackup(db, CHAIN);
  await backupToFile(db, ARCHIVE, { fs, level: 1 });
  const dump = await db.dump();
  await db.close();
  const entries = await extractArchive(ARCHIVE, '/peek', { fs });
  const bytes = new Map<string, Buffer>();
  for (const entry of entries) bytes.set(entry.name, await fs.readFile(join('/peek', entry.name)));
  await fs.rm('/peek', { recursive: true });
  const manifest = parseManifest(bytes.get(MANIFEST_ENTRY)!) as FullManifest;
  const metadata = parseMetadata(bytes.get('database.ocf')!, 'database.ocf');
  return { fs, entries, bytes, manifest, metadata, dump, chainDumps: [first, dump] };
}

/** A fresh file system holding the world's archive and chain. */
async function freshCopy(): Promise<MemoryFileSystem> {
  return (await fixture()).fs.processCrashCopy();
}

/** Writes an archive of `files` (with a manifest listing them unless `withManifest` is false). */
async function writeArchive(fs: FileSystem, path: string, files: readonly { name: string; data: Buffer }[], withManifest: boolean): Promise<void> {
  const { manifest } = await fixture();
  await writeZipToFile(
    path,
    files.map((file) => ({ name: file.name, size: file.data.length, open: () => file.data })),
    {
      fs,
      compressionLevel: 0,
      bufferSize: 64 * 1024,
      finalEntries: (written) => {
        if (!withManifest) return [];
        const { bytes } = buildManifest({ ...manifest, files: written.map(({ name, size, sha256 }) => ({ name, size, sha256 })) });
        return [{ name: MANIFEST_ENTRY, data: bytes }];
      },
    },
  );
}

/** The archive's database files (not the manifest), with `changes` applied. */
async function databaseFiles(changes: Record<string, Buffer | null> = {}): Promise<{ name: string; data: Buffer }[]> {
  const { entries, bytes } = await fixture();
  const files = entries.filter((entry) => entry.name !== MANIFEST_ENTRY).map((entry) => ({ name: entry.name, data: bytes.get(entry.name)! }));
  const changed = files.filter((file) => changes[file.name] !== null).map((file) => ({ name: file.name, data: changes[file.name] ?? file.data }));
  for (const [name, data] of Object.entries(changes)) {
    if (data !== null && !files.some((file) => file.name === name)) changed.push({ name, data });
  }
  return changed;
}

const OPEN_FLAGS: readonly string[] = ['r', 'r+', 'w', 'wx', 'w+', 'a'];

/**
 * `base` as a stricter disk: it refuses open flags other than the documented ones (as `node:fs`
 * does; the memory file system takes anything) and counts the handles open right now.
 */
function strictDisk(base: FileSystem): { fs: FileSystem; open: () => number } {
  let open = 0;
  const fs: FileSystem = Object.assign(Object.create(base) as FileSystem, {
    async open(path: string, flags: string, mode?: number) {
      if (!OPEN_FLAGS.includes(flags)) throw Object.assign(new Error(`EINVAL: bad open flags ${JSON.stringify(flags)}`), { code: 'EINVAL' });
      const handle = await base.open(path, flags as 'r', mode);
      open++;
      let closed = false;
      return {
        read: (...args: Parameters<typeof handle.read>) => handle.read(...args),
        write: (...args: Parameters<typeof handle.write>) => handle.write(...args),
        sync: () => handle.sync(),
        truncate: (length: number) => handle.truncate(length),
        stat: () => handle.stat(),
        close: async () => {
          if (!closed) open--;
          closed = true;
          await handle.close();
        },
      };
    },
  });
  return { fs, open: () => open };
}

async function names(fs: FileSystem, directory: string): Promise<string[]> {
  return (await fs.readdir(directory)).map((entry) => entry.name);
}

/** The SHA-256 of the dump of the database in `directory` (a hash: a failing comparison of two dumps would print megabytes). */
async function dumpOf(fs: FileSystem, directory: string): Promise<string> {
  const db = await Database.open(`plocal:${directory}`, 'admin', 'admin', { fs, ...FAST });
  try {
    return digest(await db.dump());
  } finally {
    await db.close();
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function coded(action: Promise<unknown>): Promise<BackupConformanceError> {
  try {
    await action;
  } catch (error) {
    expect(error).toBeInstanceOf(BackupConformanceError);
    return error as BackupConformanceError;
  }
  throw new Error('expected a rejection');
}

/** What finalising must keep of the source's metadata: everything but the name and the instance id. */
function expectRenamedCopy(staged: Metadata, source: Metadata, name: string): void {
  expect(staged.name).toBe(name);
  expect(staged.instanceId).toMatch(UUID);
  expect(staged.instanceId).not.toBe(source.instanceId);
  expect({ ...staged, name: source.name, instanceId: source.instanceId }).toEqual(source);
}

describe('stageArchive', () => {
  it('extracts, checks and finalises a backup: the database files, the new name and a fresh instance id', async () => {
    const { entries, metadata, dump } = await fixture();
    const fs = await freshCopy();
    const disk = strictDisk(fs);
    const seen: [string, number][] = [];
    const staged = await stageArchive(ARCHIVE, '/stage/new', { fs: disk.fs, databaseName: 'restored', onFile: (name, size) => seen.push([name, size]) });
    expect(disk.open()).toBe(0);
    const databaseEntries = entries.filter((entry) => entry.name !== MANIFEST_ENTRY);
    expect(staged.files).toBe(databaseEntries.length);
    expect(seen).toEqual(databaseEntries.map((entry) => [entry.name, entry.size]));
    expectRenamedCopy(staged.metadata, metadata, 'restored');
    expect(await names(fs, '/stage/new')).toEqual(databaseEntries.map((entry) => entry.name).sort());
    expect(parseMetadata(await fs.readFile('/stage/new/database.ocf'), 'database.ocf')).toEqual(staged.metadata);
    // Durable: a power loss now finds the same staged database.
    const afterPowerLoss = fs.powerLossCopy();
    expect(parseMetadata(await afterPowerLoss.readFile('/stage/new/database.ocf'), 'database.ocf')).toEqual(staged.metadata);
    expect(await dumpOf(afterPowerLoss, '/stage/new')).toBe(digest(dump));
  });

  it('gives each staging its own instance id, and works without any callback', async () => {
    const fs = await freshCopy();
    const a = await stageArchive(ARCHIVE, '/a/new', { fs, databaseName: 'a' });
    const b = await stageArchive(ARCHIVE, '/b/new', { fs, databaseName: 'b' });
    expect(a.metadata.instanceId).not.toBe(b.metadata.instanceId);
    expect([a.metadata.name, b.metadata.name]).toEqual(['a', 'b']);
  });

  it('checks each page as it is extracted, reading back only the empty files no data went by for', async () => {
    const fs = new FaultyFileSystem(await freshCopy(), undefined, { record: true });
    await stageArchive(ARCHIVE, '/stage/new', { fs, databaseName: 'restored' });
    const opens = (name: string): number => fs.calls.filter((call) => call.operation === 'open' && call.paths[0] === join('/stage/new', name)).length;
    expect(opens('item.pcl')).toBe(1);
    expect(opens('item.cpm')).toBe(1);
    expect(opens('empty.pcl')).toBe(2);
    expect(opens('empty.cpm')).toBe(2);
  });

  it('refuses a backup whose first page fails its checksum, though its manifest matches', async () => {
    const fs = await freshCopy();
    const { bytes } = await fixture();
    const pages = Buffer.from(bytes.get('item.pcl')!);
    expect(pages.length).toBeGreaterThan(256 * 1024);
    pages[100] = pages[100]! ^ 0xff;
    await writeArchive(fs, '/corrupt.zip', await databaseFiles({ 'item.pcl': pages }), true);
    const error = await coded(stageArchive('/corrupt.zip', '/stage/new', { fs, databaseName: 'restored' }));
    expect(error.code).toBe('ERR_CORRUPT_PAGE');
    expect(error.details?.entry).toBe('item.pcl');
  });

  it('refuses a data file that is not a whole number of pages', async () => {
    const fs = await freshCopy();
    const { bytes } = await fixture();
    const cut = bytes.get('item.pcl')!.subarray(0, 8192 * 40 + 10);
    await writeArchive(fs, '/cut.zip', await databaseFiles({ 'item.pcl': cut }), true);
    const error = await coded(stageArchive('/cut.zip', '/stage/new', { fs, databaseName: 'restored' }));
    expect(error.code).toBe('ERR_CORRUPT_DATABASE');
    expect(error.details).toMatchObject({ entry: 'item.pcl', size: 8192 * 40 + 10 });
  });

  it('refuses with the first problem the checks find', async () => {
    const fs = await freshCopy();
    await writeArchive(fs, '/missing.zip', await databaseFiles({ 'item.cpm': null }), true);
    const error = await coded(stageArchive('/missing.zip', '/stage/new', { fs, databaseName: 'restored' }));
    expect(error.code).toBe('ERR_CORRUPT_DATABASE');
    expect(error.details?.entry).toBe('item.cpm');
  });

  it('neither counts nor keeps the lock and temporary files of an archive without a manifest, but keeps a directory named like one', async () => {
    const { dump } = await fixture();
    const fs = await freshCopy();
    const extra = { 'database.lock': Buffer.from('123\ntoken\n'), 'leftover.tmp': Buffer.from('spill'), 'keep.tmp/inner.bin': Buffer.from('nested') };
    await writeArchive(fs, '/extra.zip', await databaseFiles(extra), false);
    const seen: string[] = [];
    const staged = await stageArchive('/extra.zip', '/stage/new', { fs, databaseName: 'restored', onFile: (name) => seen.push(name) });
    const expected = [...(await databaseFiles()).map((file) => file.name), 'keep.tmp/inner.bin'];
    expect(seen).toEqual(expected);
    expect(staged.files).toBe(expected.length);
    const afterPowerLoss = fs.powerLossCopy();
    for (const view of [fs, afterPowerLoss]) {
      expect(await names(view, '/stage/new')).toEqual([...(await databaseFiles()).map((file) => file.name), 'keep.tmp'].sort());
      expect((await view.readFile('/stage/new/keep.tmp/inner.bin')).toString()).toBe('nested');
    }
    expect(await dumpOf(afterPowerLoss, '/stage/new')).toBe(digest(dump));
  });

  it('reads the archive with the limits given', async () => {
    const fs = await freshCopy();
    const error = await coded(stageArchive(ARCHIVE, '/stage/new', { fs, databaseName: 'restored', limits: { maxEntries: 2 } }));
    expect(error.code).toBe('ERR_ARCHIVE_LIMIT_EXCEEDED');
    await expect(stageArchive(ARCHIVE, '/other/new', { fs, databaseName: 'restored', limits: { maxEntries: 7 } })).resolves.toMatchObject({ files: 6 });
  });

  it('stops when onFile throws', async () => {
    const fs = await freshCopy();
    const error = await coded(
      stageArchive(ARCHIVE, '/stage/new', {
        fs,
        databaseName: 'restored',
        onFile: () => {
          throw new Error('enough');
        },
      }),
    );
    expect(error.code).toBe('ERR_CALLABLE_FAILED');
  });
});

describe('finalizeStagedDatabase', () => {
  async function stagedDirectory(fs: MemoryFileSystem): Promise<void> {
    const { bytes } = await fixture();
    await fs.mkdir('/staged', { recursive: true });
    const files: Record<string, Buffer> = {
      'database.ocf': bytes.get('database.ocf')!,
      [MANIFEST_ENTRY]: bytes.get(MANIFEST_ENTRY)!,
      'database.lock': Buffer.from('1\nx\n'),
      'database.ocf.tmp': Buffer.from('half-written metadata'),
      'item.pcl': Buffer.from('pages'),
      'notes.txt': Buffer.from('kept'),
    };
    for (const [name, data] of Object.entries(files)) {
      const handle = await fs.open(join('/staged', name), 'w');
      await handle.write(data, 0, data.length, 0);
      await handle.close();
    }
    await fs.mkdir('/staged/dir.tmp');
  }

  it('removes the manifest, lock and temporary files, keeps the rest, and writes the metadata renamed with a fresh id, durably', async () => {
    const { metadata } = await fixture();
    const fs = new MemoryFileSystem();
    await stagedDirectory(fs);
    const written = await finalizeStagedDatabase(fs, '/staged', metadata, 'renamed');
    expectRenamedCopy(written, metadata, 'renamed');
    for (const view of [fs, fs.powerLossCopy()]) {
      expect(await names(view, '/staged')).toEqual(['database.ocf', 'dir.tmp', 'item.pcl', 'notes.txt']);
      expect(parseMetadata(await view.readFile('/staged/database.ocf'), 'database.ocf')).toEqual(written);
    }
    const again = await finalizeStagedDatabase(fs, '/staged', metadata, 'renamed');
    expect(again.instanceId).not.toBe(written.instanceId);
  });

  it('fails with ERR_IO naming the directory when the disk fails', async () => {
    const { metadata } = await fixture();
    const missing = await coded(finalizeStagedDatabase(new MemoryFileSystem(), '/nowhere', metadata, 'x'));
    expect(missing.code).toBe('ERR_IO');
    expect(missing.details).toEqual({ path: '/nowhere', errno: 'ENOENT' });
    const memory = new MemoryFileSystem();
    await stagedDirectory(memory);
    for (const operation of ['unlink', 'open', 'rename', 'syncDir'] as const) {
      const fs = new FaultyFileSystem(memory.processCrashCopy(), { failAt: 1, errno: 'ENOSPC', operations: [operation] });
      const error = await coded(finalizeStagedDatabase(fs, '/staged', metadata, 'x'));
      expect(error.code, operation).toBe('ERR_IO');
      expect(error.details, operation).toEqual({ path: '/staged', errno: 'ENOSPC' });
    }
  });
});

describe('stageChainDirectory', () => {
  it('rebuilds the whole chain, passing its messages on, and finalises it', async () => {
    const { chainDumps, metadata } = await fixture();
    const fs = await freshCopy();
    const messages: string[] = [];
    const disk = strictDisk(fs);
    const staged = await stageChainDirectory(CHAIN, '/stage/new', { fs: disk.fs, databaseName: 'from-chain', onMessage: (message) => messages.push(message) });
    expect(disk.open()).toBe(0);
    expect(messages).toHaveLength(2);
    expect(messages[1]).toContain('index 1');
    expect(staged.files).toBe((await names(fs, '/stage/new')).length);
    expect(staged.metadata.name).toBe('from-chain');
    expect(staged.metadata.instanceId).toMatch(UUID);
    expect(staged.metadata.instanceId).not.toBe(metadata.instanceId);
    expect(parseMetadata(await fs.readFile('/stage/new/database.ocf'), 'database.ocf')).toEqual(staged.metadata);
    expect(await dumpOf(fs.powerLossCopy(), '/stage/new')).toBe(digest(chainDumps[1]!));
  });

  it('stops at upToIndex', async () => {
    const { chainDumps } = await fixture();
    const fs = await freshCopy();
    const messages: string[] = [];
    await stageChainDirectory(CHAIN, '/stage/new', { fs, databaseName: 'early', upToIndex: 0, onMessage: (message) => messages.push(message) });
    expect(messages).toHaveLength(1);
    expect(await dumpOf(fs, '/stage/new')).toBe(digest(chainDumps[0]!));
  });

  it('reads the chain with the limits given, and stops when the listener throws', async () => {
    const fs = await freshCopy();
    const limited = await coded(stageChainDirectory(CHAIN, '/stage/new', { fs, databaseName: 'x', limits: { maxEntryBytes: 1024 } }));
    expect(limited.code).toBe('ERR_ARCHIVE_LIMIT_EXCEEDED');
    expect(limited.details?.directory).toBe(CHAIN);
    const listener = await coded(
      stageChainDirectory(CHAIN, '/other/new', {
        fs,
        databaseName: 'x',
        onMessage: () => {
          throw new Error('stop');
        },
      }),
    );
    expect(listener.code).toBe('ERR_LISTENER_FAILED');
  });

  /** Stages the chain, calling `meddle` with the staged directory once the last file is applied. */
  async function stageMeddled(fs: FileSystem, meddle: (directory: string) => Promise<void> | void): Promise<ReturnType<typeof stageChainDirectory>> {
    let pending: Promise<void> | undefined;
    let applied = 0;
    return stageChainDirectory(CHAIN, '/stage/new', {
      fs,
      databaseName: 'meddled',
      onMessage: () => {
        if (++applied === 2) pending = Promise.resolve(meddle('/stage/new'));
      },
    }).finally(() => pending);
  }

  it('lists what is staged recursively, checks its structure only, and neither counts nor keeps a manifest, lock or temporary files', async () => {
    const memory = await freshCopy();
    const staged = await stageMeddled(memory, (directory) => {
      // Synchronous bookkeeping of the memory file system: these land before the listing.
      void memory.mkdir(join(directory, 'extra'));
      void memory.open(join(directory, 'extra', 'inner.bin'), 'w').then((handle) => handle.close());
      void memory.open(join(directory, 'leftover.tmp'), 'w').then((handle) => handle.close());
      // Not a manifest to check: a chain's files were checked against their own manifests.
      void memory.open(join(directory, MANIFEST_ENTRY), 'w').then((handle) => handle.close());
    });
    const listed = await names(memory, '/stage/new');
    expect(listed).toContain('extra');
    expect(listed).not.toContain('leftover.tmp');
    expect(listed).not.toContain(MANIFEST_ENTRY);
    expect(await names(memory, '/stage/new/extra')).toEqual(['inner.bin']);
    expect(staged.files).toBe(listed.length);
  });

  it('skips what is neither a file nor a directory (a symbolic link)', async () => {
    const memory = await freshCopy();
    let linked = false;
    const fs: FileSystem = Object.assign(Object.create(memory) as MemoryFileSystem, {
      async readdir(path: string) {
        const entries = await memory.readdir(path);
        if (!linked || path !== '/stage/new') return entries;
        return [...entries, { name: 'a-link', isFile: false, isDirectory: false, isSymbolicLink: true }];
      },
    });
    const staged = await stageMeddled(fs, () => {
      linked = true;
    });
    expect(staged.files).toBe((await names(memory, '/stage/new')).length);
  });

  it('refuses a staged database that fails the structure checks', async () => {
    const memory = await freshCopy();
    const error = await coded(
      stageMeddled(memory, (directory) => {
        void memory.unlink(join(directory, 'item.cpm'));
      }),
    );
    expect(error.code).toBe('ERR_CORRUPT_DATABASE');
    expect(error.details?.entry).toBe('item.cpm');
  });

  it('fails with ERR_IO when the staged database cannot be listed or synced', async () => {
    const plans = [
      { operations: ['readdir' as const], path: (path: string) => path === '/stage/new', expected: '/stage/new' },
      // The structure check opens the file first (to read its pages back); the second open is the sync's.
      { operations: ['open' as const], path: (path: string) => path === '/stage/new/item.pcl', failAt: 2, expected: '/stage/new/item.pcl' },
      { operations: ['sync' as const], path: (path: string) => path === '/stage/new/item.pcl', expected: '/stage/new/item.pcl' },
    ];
    for (const { operations, path, expected, failAt = 1 } of plans) {
      const disk = strictDisk(await freshCopy());
      const fs = new FaultyFileSystem(disk.fs);
      const error = await coded(stageMeddled(fs, () => fs.arm({ failAt, errno: 'EIO', operations, path })));
      expect(error.code, operations[0]).toBe('ERR_IO');
      expect(error.details, operations[0]).toEqual({ path: expected, errno: 'EIO' });
      expect(disk.open(), operations[0]).toBe(0);
    }
  });
});

describe('upToIndexNeedsDirectory', () => {
  it('throws ERR_INVALID_OPTIONS naming the option', () => {
    let thrown: unknown;
    try {
      upToIndexNeedsDirectory();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BackupConformanceError);
    expect((thrown as BackupConformanceError).code).toBe('ERR_INVALID_OPTIONS');
    expect((thrown as BackupConformanceError).details).toEqual({ option: 'upToIndex' });
  });
});
