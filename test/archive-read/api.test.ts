import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ARCHIVE_LIMITS,
  type ExtractedEntry,
  extractArchive,
  inspectArchive,
  openArchive,
  resolveArchiveLimits,
} from '../../src/archive/read/index.js';
import { buildZip, DIRECTORY_ATTRIBUTES, type EntrySpec, FIXED_DOS_DATE } from '../../fixtures/scripts/zip-forge.js';
import { FaultyFileSystem } from '../../src/fs/index.js';
import { MemoryFileSystem } from './helpers/memory-fs.js';
import { outcome } from './helpers/outcome.js';

const TEXT = Buffer.from('orientdb '.repeat(400));
const META = Buffer.from('{"name":"demo"}\n');
const ENTRIES: EntrySpec[] = [
  { name: 'db/', externalAttributes: DIRECTORY_ATTRIBUTES },
  { name: 'db/data.pcl', data: TEXT, method: 8, compressed: deflateRawSync(TEXT) },
  { name: 'db/meta.json', data: META },
  { name: 'db/wal/0.wal', data: Buffer.alloc(0) },
];
const BASE = buildZip({ entries: ENTRIES, comment: 'OrientDB Backup executed on 2024-01-01' });
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const scratch = mkdtempSync(path.join(os.tmpdir(), 'archive-read-api-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function collect(iterable: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function memoryWith(bytes: Buffer): MemoryFileSystem {
  const fs = new MemoryFileSystem();
  fs.putFile('/in/a.zip', bytes);
  fs.putDirectory('/out');
  return fs;
}

describe('openArchive', () => {
  it('indexes every entry with the central directory facts', async () => {
    const archive = await openArchive(BASE);
    const { entries, comment, size } = archive.index;
    expect(comment).toBe('OrientDB Backup executed on 2024-01-01');
    expect(size).toBe(BASE.length);
    expect(entries.map((entry) => [entry.name, entry.isDirectory, entry.method, entry.uncompressedSize])).toEqual([
      ['db/', true, 0, 0],
      ['db/data.pcl', false, 8, TEXT.length],
      ['db/meta.json', false, 0, META.length],
      ['db/wal/0.wal', false, 0, 0],
    ]);
    const data = entries[1]!;
    expect(data.dataOffset).toBe(data.localHeaderOffset + 30 + 'db/data.pcl'.length);
    expect(data.compressedSize).toBeLessThan(data.uncompressedSize / 10);
    // DOS date 2024-01-01 00:00, read as local time as unzip does.
    expect(FIXED_DOS_DATE).toBe(((2024 - 1980) << 9) | (1 << 5) | 1);
    expect(data.lastModified.getTime()).toBe(new Date(2024, 0, 1).getTime());
    expect(Object.isFrozen(entries)).toBe(true);
    await archive.close();
  });

  it('reads an archive from a path through the given FileSystem, and from bytes', async () => {
    const fs = memoryWith(BASE);
    const fromFs = await openArchive('/in/a.zip', { fs });
    const fromBytes = await openArchive(new Uint8Array(BASE));
    expect(fromFs.index.entries).toEqual(fromBytes.index.entries);
    expect(await collect(fromFs.readEntry('db/data.pcl'))).toEqual(TEXT);
    await fromFs.close();
    await fromBytes.close();
  });

  it('fails with ERR_IO (naming the errno) for a missing file, ERR_NOT_A_ZIP for a directory', async () => {
    const missing = await outcome(() => openArchive(path.join(scratch, 'nope.zip')));
    expect(missing).toMatchObject({ ok: false, code: 'ERR_IO' });
    expect(!missing.ok && missing.error.details.errno).toBe('ENOENT');
    expect(await outcome(() => openArchive(scratch))).toMatchObject({ ok: false, code: 'ERR_NOT_A_ZIP' });
  });

  it('validates its options and limits', async () => {
    expect(await outcome(() => openArchive(BASE, { bogus: true } as never))).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    expect(await outcome(() => openArchive(BASE, 'x' as never))).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    expect(await outcome(() => openArchive(42 as never))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    for (const limits of [{ maxEntries: 0 }, { maxEntries: 1.5 }, { maxRatio: 0.5 }, { maxTotalBytes: -1 }, { maxEntryBytes: Number.NaN }, { maxSomething: 3 }, { maxRatio: '9' }]) {
      expect(await outcome(() => openArchive(BASE, { limits: limits as never })), JSON.stringify(limits)).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
    expect(resolveArchiveLimits({ maxEntries: Number.POSITIVE_INFINITY, maxRatio: 2.5 })).toEqual({ ...DEFAULT_ARCHIVE_LIMITS, maxEntries: Number.POSITIVE_INFINITY, maxRatio: 2.5 });
    expect(resolveArchiveLimits(undefined)).toBe(DEFAULT_ARCHIVE_LIMITS);
  });

  it.each([
    ['maxEntries', { maxEntries: 3 }],
    ['maxEntryBytes', { maxEntryBytes: TEXT.length - 1 }],
    ['maxTotalBytes', { maxTotalBytes: TEXT.length + META.length - 1 }],
    ['maxRatio', { maxRatio: 1.5 }],
  ])('enforces %s', async (limit, limits) => {
    const result = await outcome(() => openArchive(BASE, { limits }));
    expect(result).toMatchObject({ ok: false, code: 'ERR_ARCHIVE_LIMIT_EXCEEDED' });
    expect(!result.ok && result.error.details.limit).toBe(limit);
    // One byte more room and the archive opens.
    const relaxed = Object.fromEntries(Object.entries(limits).map(([key, value]) => [key, key === 'maxRatio' ? 1000 : value + 1]));
    await (await openArchive(BASE, { limits: relaxed })).close();
  });

  it('accepts the four data descriptor forms (with or without signature, 4- or 8-byte sizes)', async () => {
    for (const descriptor of [{ signature: true }, { signature: false }, { signature: true, wide: true }, { signature: false, wide: true }]) {
      const bytes = buildZip({ entries: [{ name: 'a.txt', data: TEXT, method: 8, descriptor }, { name: 'b.txt', data: META, descriptor }] });
      const [a, b] = await inspectArchive(bytes);
      expect([a!.sha256, b!.sha256], JSON.stringify(descriptor)).toEqual([sha256(TEXT), sha256(META)]);
    }
  });

  it('reads a ZIP64 archive (end records, extra fields) written by the forger', async () => {
    const bytes = buildZip({ entries: ENTRIES, zip64: {} });
    expect((await inspectArchive(bytes)).map((entry) => entry.name)).toEqual(['db/data.pcl', 'db/meta.json', 'db/wal/0.wal']);
  });

  it('decodes a comment that is not UTF-8 as CP437', async () => {
    const archive = await openArchive(buildZip({ entries: ENTRIES, comment: Buffer.from([0x82, 0x74, 0xe9]) }));
    expect(archive.index.comment).toBe('\u00e9t\u0398');
    await archive.close();
  });

  it('tells a stray end-record signature in a non-ZIP from a ZIP', async () => {
    const stray = Buffer.concat([Buffer.from('plain text '), Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(40, 0x41)]);
    expect(await outcome(() => openArchive(stray))).toMatchObject({ code: 'ERR_NOT_A_ZIP' });
  });
});

describe('SafeArchive.readEntry', () => {
  it('yields exactly the entry bytes, any number of times, concurrently', async () => {
    const archive = await openArchive(BASE);
    const [a, b] = await Promise.all([collect(archive.readEntry('db/data.pcl')), collect(archive.readEntry('db/data.pcl'))]);
    expect(a).toEqual(TEXT);
    expect(b).toEqual(TEXT);
    expect(await collect(archive.readEntry('db/'))).toEqual(Buffer.alloc(0));
    await archive.close();
  });

  it('survives a consumer that stops early', async () => {
    const archive = await openArchive(BASE);
    for await (const chunk of archive.readEntry('db/data.pcl')) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(await collect(archive.readEntry('db/meta.json'))).toEqual(META);
    await archive.close();
  });

  it('refuses unknown names (ERR_INVALID_ARGUMENT) and reads after close (ERR_ARCHIVE_CLOSED)', async () => {
    const archive = await openArchive(BASE);
    expect(await outcome(() => collect(archive.readEntry('db/missing')))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    await archive.close();
    await archive.close();
    expect(await outcome(() => collect(archive.readEntry('db/data.pcl')))).toMatchObject({ code: 'ERR_ARCHIVE_CLOSED' });
  });

  it('stops a read in progress when the archive is closed', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
    const archive = await openArchive(buildZip({ entries: [{ name: 'big.bin', data: big }] }));
    const result = outcome(async () => {
      let read = 0;
      for await (const chunk of archive.readEntry('big.bin')) {
        read += chunk.length;
        if (read >= 64 * 1024) await archive.close();
      }
      return read;
    });
    expect(await result).toMatchObject({ ok: false, code: 'ERR_ARCHIVE_CLOSED' });
  });
});

describe('extractArchive', () => {
  it('writes regular files and directories under the target, with the right bytes and hashes', async () => {
    const target = path.join(scratch, 'plain', 'target');
    const seen: ExtractedEntry[] = [];
    const extracted = await extractArchive(BASE, target, { onEntry: (entry) => seen.push(entry), syncDirectories: true });
    expect(extracted).toEqual(seen);
    expect(extracted.map((entry) => [entry.name, entry.size, entry.sha256])).toEqual([
      ['db/data.pcl', TEXT.length, sha256(TEXT)],
      ['db/meta.json', META.length, sha256(META)],
      ['db/wal/0.wal', 0, sha256(Buffer.alloc(0))],
    ]);
    expect(readFileSync(path.join(target, 'db/data.pcl'))).toEqual(TEXT);
  });

  it('refuses a target that is not an empty directory', async () => {
    const full = path.join(scratch, 'full');
    await extractArchive(BASE, full);
    expect(await outcome(() => extractArchive(BASE, full))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    const file = path.join(scratch, 'a-file');
    writeFileSync(file, 'x');
    expect(await outcome(() => extractArchive(BASE, file))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(await outcome(() => extractArchive(BASE, ''))).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });

  it('never follows a symbolic link planted in the target while it works', async () => {
    for (const plant of ['/out/target/db', '/out/target/db/meta.json']) {
      const fs = memoryWith(BASE);
      fs.putDirectory('/out/target');
      const readdir = fs.readdir.bind(fs);
      // The target is checked empty with readdir; the attacker strikes right after.
      fs.readdir = async (directory: string) => {
        const listing = await readdir(directory);
        if (plant.endsWith('.json')) fs.putDirectory('/out/target/db');
        fs.putSymlink(plant, '/etc');
        return listing;
      };
      const result = await outcome(() => extractArchive('/in/a.zip', '/out/target', { fs }));
      expect(result, plant).toMatchObject({ ok: false, code: 'ERR_IO' });
      expect(fs.created.every((created) => created.startsWith('/out/target'))).toBe(true);
      expect(fs.listTree('/etc')).toEqual([]);
    }
  });

  it('stops on a data fault, leaving the partial file for the caller to remove', async () => {
    const bad = buildZip({ entries: [{ name: 'ok.txt', data: META }, { name: 'bad.txt', data: TEXT, local: { crc32: 1 }, central: { crc32: 1 } }, { name: 'never.txt', data: META }] });
    const fs = memoryWith(bad);
    const result = await outcome(() => extractArchive('/in/a.zip', '/out/target', { fs }));
    expect(result).toMatchObject({ ok: false, code: 'ERR_ARCHIVE_CRC_MISMATCH' });
    expect(!result.ok && result.error.details).toMatchObject({ entry: 'bad.txt', archive: '/in/a.zip' });
    expect(fs.listTree('/out')).toEqual(['/out/target', '/out/target/bad.txt', '/out/target/ok.txt']);
  });

  it('honours an AbortSignal (ERR_ABORTED) and a throwing onEntry (ERR_CALLABLE_FAILED)', async () => {
    const aborted = AbortSignal.abort(new Error('stop'));
    expect(await outcome(() => extractArchive(BASE, path.join(scratch, 'aborted'), { signal: aborted }))).toMatchObject({ code: 'ERR_ABORTED' });
    const controller = new AbortController();
    const midway = await outcome(() => extractArchive(BASE, path.join(scratch, 'midway'), { signal: controller.signal, onEntry: () => controller.abort() }));
    expect(midway).toMatchObject({ code: 'ERR_ABORTED' });
    const thrown = await outcome(() => inspectArchive(BASE, { onEntry: () => { throw new Error('listener bug'); } }));
    expect(thrown).toMatchObject({ code: 'ERR_CALLABLE_FAILED' });
    expect(await outcome(() => inspectArchive(BASE, { onEntry: 'no' as never }))).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    expect(await outcome(() => inspectArchive(BASE, { signal: {} as never }))).toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
  });

  it('syncs every file and, when asked, every directory it created', async () => {
    const fs = memoryWith(BASE);
    const syncedDirs: string[] = [];
    const syncDir = fs.syncDir.bind(fs);
    fs.syncDir = async (directory: string) => {
      syncedDirs.push(directory);
      return syncDir(directory);
    };
    let fileSyncs = 0;
    const open = fs.open.bind(fs);
    fs.open = async (...args: Parameters<MemoryFileSystem['open']>) => {
      const handle = await open(...args);
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        fileSyncs += 1;
        return sync();
      };
      return handle;
    };
    await extractArchive('/in/a.zip', '/out/target', { fs, syncDirectories: true });
    expect(fileSyncs).toBe(3);
    expect(syncedDirs).toEqual(['/out/target/db/wal', '/out/target/db', '/out/target']);
  });
});

describe('fault injection: the Nth FileSystem call fails', () => {
  it('every failure point ends in a coded error (ERR_IO), never a crash, and nothing outside the target', async () => {
    const clean = new FaultyFileSystem(memoryWith(BASE));
    await extractArchive('/in/a.zip', '/out/target', { fs: clean });
    expect(clean.counted).toBeGreaterThan(20);
    for (const persistent of [false, true]) {
      for (let failAt = 1; failAt <= clean.counted; failAt += 1) {
        const memory = memoryWith(BASE);
        const fs = new FaultyFileSystem(memory, { failAt, persistent });
        const result = await outcome(() => extractArchive('/in/a.zip', '/out/target', { fs }));
        const what = `call ${failAt}${persistent ? ' onwards' : ''}`;
        if (result.ok) {
          // Only the closing of the archive itself may fail silently after all work is done.
          expect(result.value.map((entry) => entry.sha256), what).toEqual([sha256(TEXT), sha256(META), sha256(Buffer.alloc(0))]);
        } else {
          expect(result.code, what).toBe('ERR_IO');
        }
        expect(memory.created.every((created) => created.startsWith('/out/target')), what).toBe(true);
      }
    }
  });
});
