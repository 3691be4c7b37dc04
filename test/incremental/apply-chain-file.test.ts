/**
 * Applying one checked chain file to a staging directory (`applyChainFile`), on an in-memory file
 * system: the pages and metadata each file carries, the listed sizes and removals, a file changed
 * on disk since it was checked, disk failures, stray files in the staging directory, and the
 * handles it opens. stage-chain.test.ts covers the same code through `stageChain` on the real disk.
 */
import { describe, expect, it } from 'vitest';
import { entryData, readZip, readZipEntries, writeStoredZip } from '../../conformance/scenarios/incremental/_support/zip.js';
import { Database } from '../../src/engine/index.js';
import { PAGE_SIZE, WAL_FILE } from '../../src/engine/constants.js';
import { encodeWalHeader } from '../../src/engine/wal-format.js';
import { FaultyFileSystem, type FileHandle, type FileSystem, MemoryFileSystem, type OpenFlags } from '../../src/fs/index.js';
import { applyChainFile } from '../../src/incremental/apply-chain-file.js';
import { PAGE_RECORD_SIZE } from '../../src/incremental/chain-format.js';
import type { ChainFileFacts } from '../../src/incremental/inspect-chain-file.js';
import { readChain } from '../../src/incremental/read-chain.js';
import { overriding } from '../_support/overriding-file-system.js';
import { tracking } from '../_support/tracking-file-system.js';
import { errnoError, withStrictOpenFlags } from '../_support/strict-open-flags.js';
import { FAST, expectCode } from './_helpers.js';

const CHAIN = '/chain';
const STAGING = '/staging';

/** A chain of three files written by a database on a {@link MemoryFileSystem}, and what it held at each. */
interface Fixture {
  /** The file system holding `/chain` (and the closed database at `/db`); tests work on copies. */
  readonly base: MemoryFileSystem;
  /** The database's dump as of each file. */
  readonly dumps: readonly string[];
}

let building: Promise<Fixture> | undefined;

/**
 * The chain, written by the first test that needs it (not in a `beforeAll`: a hook that fails
 * drops the file's tests, which a mutation run does not count as a failure).
 *
 * File 0 carries the metadata and every page of class `Item` (two pages of `item.cpm`, three of
 * `item.pcl`); file 1 the metadata (a new class `Later`) and Later's pages, none of Item's; file 2
 * an update and an insert in Item: some of Item's pages, no metadata.
 */
function fixture(): Promise<Fixture> {
  building ??= (async () => {
    const base = new MemoryFileSystem();
    const db = await Database.create('plocal:/db', { fs: base, ...FAST });
    const dumps: string[] = [];
    try {
      await db.createClass('Item');
      const rids: string[] = [];
      for (let n = 0; n < 30; n++) rids.push((await db.insert('Item', { n, text: 'x'.repeat(600) })).rid);
      await db.incrementalBackup(CHAIN);
      dumps.push(await db.dump());
      await db.createClass('Later');
      for (let n = 0; n < 3; n++) await db.insert('Later', { n });
      await db.incrementalBackup(CHAIN);
      dumps.push(await db.dump());
      await db.update(rids[3]!, { n: 3, updated: true });
      await db.insert('Item', { n: 99 });
      await db.incrementalBackup(CHAIN);
      dumps.push(await db.dump());
    } finally {
      await db.close();
    }
    return { base, dumps };
  })();
  return building;
}

/**
 * A fresh copy of the chain's file system that, like `node:fs`, refuses open flags outside
 * {@link OpenFlags} (the in-memory file system accepts any string).
 */
async function freshFs(): Promise<MemoryFileSystem> {
  return withStrictOpenFlags((await fixture()).base.processCrashCopy());
}

/** Every file of the chain in `fs`, checked in full, in index order. */
async function checked(fs: FileSystem): Promise<ChainFileFacts[]> {
  const files = await readChain(CHAIN, { fs, content: 'all' });
  return [...files].sort((a, b) => a.manifest!.index - b.manifest!.index);
}

/** The pages file `facts` carries, from its manifest's entry sizes. */
function pagesCarried(facts: ChainFileFacts): number {
  return facts.manifest!.files.filter((file) => file.name.startsWith('pages/')).reduce((sum, file) => sum + file.size / PAGE_RECORD_SIZE, 0);
}

/** Rewrites a chain file after `change` edited its entries; the manifest's `files` are recomputed. */
async function rewrite(fs: FileSystem, path: string, change: (entries: Map<string, Buffer>) => void): Promise<void> {
  const { createHash } = await import('node:crypto');
  const entries = readZipEntries(await fs.readFile(path));
  const manifest = JSON.parse(entries.get('backup-manifest.json')!.toString('utf8')) as Record<string, unknown>;
  entries.delete('backup-manifest.json');
  change(entries);
  manifest.files = [...entries.keys()].sort().map((name) => ({
    name,
    size: entries.get(name)!.length,
    sha256: createHash('sha256').update(entries.get(name)!).digest('hex'),
  }));
  const list = [...entries.entries()].map(([name, data]) => ({ name, data }));
  list.push({ name: 'backup-manifest.json', data: Buffer.from(JSON.stringify(manifest), 'utf8') });
  await writeBytes(fs, path, writeStoredZip(list));
}

/** Rewrites files.json of a chain file with `edit` applied to its parsed content. */
async function rewriteList(fs: FileSystem, path: string, edit: (list: { files: { name: string; size: number }[]; removed: string[] }) => void, drop: readonly string[] = []): Promise<void> {
  await rewrite(fs, path, (entries) => {
    const list = JSON.parse(entries.get('files.json')!.toString('utf8')) as { files: { name: string; size: number }[]; removed: string[] };
    edit(list);
    entries.set('files.json', Buffer.from(JSON.stringify({ pageSize: PAGE_SIZE, ...list })));
    for (const name of drop) entries.delete(name);
  });
}

async function writeBytes(fs: FileSystem, path: string, bytes: Uint8Array): Promise<void> {
  const handle = await fs.open(path, 'w');
  try {
    await handle.write(bytes, 0, bytes.length, 0);
  } finally {
    await handle.close();
  }
}

async function names(fs: FileSystem, dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).map((entry) => entry.name).sort();
}

/** Applies `files` in order to a fresh staging directory. */
async function applyAll(fs: FileSystem, files: readonly ChainFileFacts[], stagingDir = STAGING): Promise<void> {
  await fs.mkdir(stagingDir, { recursive: true });
  for (const facts of files) await applyChainFile(facts, stagingDir, { fs });
}

/** Writes the empty log of `lsn` into the staging directory, opens it as a database and resolves its dump. */
async function stagedDump(fs: FileSystem, lsn: number, stagingDir = STAGING): Promise<string> {
  await writeBytes(fs, `${stagingDir}/${WAL_FILE}`, encodeWalHeader(lsn));
  const db = await Database.open(`plocal:${stagingDir}`, 'admin', 'admin', { fs, ...FAST });
  try {
    return await db.dump();
  } finally {
    await db.close();
  }
}

describe('applyChainFile writes what a checked file carries', () => {
  it('applied in index order, the files give the database as of each; it resolves the pages written and whether the metadata was', async () => {
    const { dumps } = await fixture();
    for (let last = 0; last < 3; last++) {
      const fs = await freshFs();
      const files = await checked(fs);
      await fs.mkdir(STAGING);
      for (const facts of files.slice(0, last + 1)) {
        expect(await applyChainFile(facts, STAGING, { fs }), facts.name).toEqual({ pages: pagesCarried(facts), metadata: facts.manifest!.index < 2 });
      }
      for (const listed of files[last]!.fileList!.files) expect((await fs.stat(`${STAGING}/${listed.name}`)).size, listed.name).toBe(listed.size);
      expect(await stagedDump(fs, files[last]!.manifest!.lsn)).toBe(dumps[last]);
    }
  });

  it('the file counts carried are those of the chain: five pages and the metadata, three and the metadata, four alone', async () => {
    const fs = await freshFs();
    const files = await checked(fs);
    await fs.mkdir(STAGING);
    const results = [];
    for (const facts of files) results.push(await applyChainFile(facts, STAGING, { fs }));
    expect(results).toEqual([
      { pages: 5, metadata: true },
      { pages: 3, metadata: true },
      { pages: 4, metadata: false },
    ]);
  });

  it('writes every page in full through a file system that writes at most 1000 bytes per call (and refuses ranges outside the buffer)', async () => {
    const { dumps } = await fixture();
    const fs = await freshFs();
    const files = await checked(fs);
    let writes = 0;
    const short = overriding(fs, {
      open: async (path: string, flags: OpenFlags, mode?: number): Promise<FileHandle> => {
        const handle = await fs.open(path, flags, mode);
        return {
          read: (...args) => handle.read(...args),
          write: (buffer, offset, length, position) => {
            writes++;
            // As node:fs does, refuse a range outside the buffer.
            if (offset < 0 || length < 0 || offset + length > buffer.length) throw new RangeError(`write of ${length} bytes at ${offset} from a buffer of ${buffer.length}`);
            return handle.write(buffer, offset, Math.min(length, 1000), position);
          },
          sync: () => handle.sync(),
          truncate: (length) => handle.truncate(length),
          stat: () => handle.stat(),
          close: () => handle.close(),
        };
      },
    });
    await applyAll(short, files);
    expect(writes).toBeGreaterThan(12 * 9);
    expect(await stagedDump(fs, files[2]!.manifest!.lsn)).toBe(dumps[2]);
  });

  it('keeps the pages of a file that a later file does not carry, in place', async () => {
    const fs = await freshFs();
    const files = await checked(fs);
    await applyAll(fs, files.slice(0, 2));
    const before = await fs.readFile(`${STAGING}/item.pcl`);
    await applyChainFile(files[2]!, STAGING, { fs });
    const after = await fs.readFile(`${STAGING}/item.pcl`);
    const pages = readZipEntries(await fs.readFile(files[2]!.path)).get('pages/item.pcl.pages')!;
    const written = new Set<number>();
    for (let at = 0; at < pages.length; at += PAGE_RECORD_SIZE) {
      const index = pages.readUInt32BE(at);
      written.add(index);
      expect(after.subarray(index * PAGE_SIZE, (index + 1) * PAGE_SIZE).equals(pages.subarray(at + 4, at + PAGE_RECORD_SIZE))).toBe(true);
    }
    expect(written.size).toBeLessThan(3);
    for (let index = 0; index < 3; index++) {
      if (!written.has(index)) expect(after.subarray(index * PAGE_SIZE, (index + 1) * PAGE_SIZE).equals(before.subarray(index * PAGE_SIZE, (index + 1) * PAGE_SIZE))).toBe(true);
    }
  });

  it('makes every listed file its listed size, cutting and growing alike', async () => {
    const fs = await freshFs();
    const before = await checked(fs);
    await rewriteList(
      fs,
      before[2]!.path,
      (list) => {
        for (const file of list.files) {
          if (file.name === 'item.pcl') file.size = PAGE_SIZE;
          if (file.name === 'later.pcl') file.size = 3 * PAGE_SIZE;
        }
      },
      ['pages/item.pcl.pages'],
    );
    const files = await checked(fs);
    await applyAll(fs, files.slice(0, 2));
    const item = await fs.readFile(`${STAGING}/item.pcl`);
    const later = await fs.readFile(`${STAGING}/later.pcl`);
    expect(await applyChainFile(files[2]!, STAGING, { fs })).toEqual({ pages: 2, metadata: false });
    expect((await fs.readFile(`${STAGING}/item.pcl`)).equals(item.subarray(0, PAGE_SIZE))).toBe(true);
    const grown = await fs.readFile(`${STAGING}/later.pcl`);
    expect(grown.length).toBe(3 * PAGE_SIZE);
    expect(grown.subarray(0, later.length).equals(later)).toBe(true);
    expect(grown.subarray(later.length).every((byte) => byte === 0)).toBe(true);
  });

  it('deletes the files the list removes, and accepts a removed file that is not there', async () => {
    const fs = await freshFs();
    const before = await checked(fs);
    await rewriteList(
      fs,
      before[2]!.path,
      (list) => {
        list.files = list.files.filter((file) => !file.name.startsWith('later.'));
        list.removed = ['later.cpm', 'later.pcl'];
      },
    );
    const files = await checked(fs);
    await applyAll(fs, files);
    expect(await names(fs, STAGING)).toEqual(['database.ocf', 'item.cpm', 'item.pcl']);
    // Without file 1, later.* were never staged: removing them is not an error.
    await applyAll(fs, [files[0]!, files[2]!], '/other');
    expect(await names(fs, '/other')).toEqual(['database.ocf', 'item.cpm', 'item.pcl']);
  });

  it('reads with the limits given: ERR_ARCHIVE_LIMIT_EXCEEDED when an entry is larger', async () => {
    const fs = await freshFs();
    const files = await checked(fs);
    await fs.mkdir(STAGING);
    await expectCode(applyChainFile(files[0]!, STAGING, { fs, limits: { maxEntryBytes: PAGE_SIZE } }), 'ERR_ARCHIVE_LIMIT_EXCEEDED');
    expect(await applyChainFile(files[0]!, STAGING, { fs, limits: { maxEntryBytes: 3 * PAGE_RECORD_SIZE } })).toEqual({ pages: 5, metadata: true });
  });
});

describe('applyChainFile refuses', () => {
  it('facts that were not checked in full: ERR_INVALID_ARGUMENT naming the file, nothing written', async () => {
    const fs = await freshFs();
    await writeBytes(fs, `${CHAIN}/broken.ibu`, Buffer.from('not a zip'));
    const files = await readChain(CHAIN, { fs, content: 'newest' });
    const unchecked = files.filter((facts) => facts.fileList === undefined);
    expect(unchecked.map((facts) => facts.manifest === undefined).sort()).toEqual([false, false, true]);
    await fs.mkdir(STAGING);
    for (const facts of unchecked) {
      const error = await expectCode(applyChainFile(facts, STAGING, { fs }), 'ERR_INVALID_ARGUMENT');
      expect(error.message).toContain(`'${facts.name}'`);
    }
    expect(await names(fs, STAGING)).toEqual([]);
    // Facts put together by hand: a file list without the manifest it came with.
    const newest = files.find((facts) => facts.fileList !== undefined)!;
    const { manifest: _dropped, ...withoutManifest } = newest;
    const error = await expectCode(applyChainFile(withoutManifest, STAGING, { fs }), 'ERR_INVALID_ARGUMENT');
    expect(error.message).toContain(`'${newest.name}'`);
    expect(await names(fs, STAGING)).toEqual([]);
  });

  it('a file whose entries changed since it was checked: ERR_CHAIN_CORRUPT naming the file, the entry and the index', async () => {
    const cases: Array<[string, number, string, (entries: Map<string, Buffer>) => void]> = [
      ['a page changed', 2, 'pages/item.pcl.pages', (entries) => void (entries.get('pages/item.pcl.pages')![4 + 200] ^= 1)],
      ['the metadata changed', 1, 'database.ocf', (entries) => void entries.set('database.ocf', Buffer.concat([entries.get('database.ocf')!, Buffer.from(' ')]))],
      ['files.json changed', 2, 'files.json', (entries) => void entries.set('files.json', Buffer.concat([entries.get('files.json')!, Buffer.from(' ')]))],
      ['a page entry gone', 0, 'pages/item.cpm.pages', (entries) => void entries.delete('pages/item.cpm.pages')],
      ['files.json gone', 1, 'files.json', (entries) => void entries.delete('files.json')],
    ];
    for (const [what, index, entry, change] of cases) {
      const fs = await freshFs();
      const files = await checked(fs);
      await applyAll(fs, files.slice(0, index));
      const facts = files[index]!;
      await rewrite(fs, facts.path, change);
      const error = await expectCode(applyChainFile(facts, STAGING, { fs }), 'ERR_CHAIN_CORRUPT');
      expect(error.details, what).toEqual({ file: facts.name, entry, index });
      expect(error.message, what).toContain(`'${facts.name}'`);
      expect(error.message, what).toContain(`'${entry}'`);
    }
  });

  it('metadata that changed is not written', async () => {
    const fs = await freshFs();
    const files = await checked(fs);
    await rewrite(fs, files[0]!.path, (entries) => void entries.set('database.ocf', Buffer.from('{}')));
    await fs.mkdir(STAGING);
    await expectCode(applyChainFile(files[0]!, STAGING, { fs }), 'ERR_CHAIN_CORRUPT');
    expect(await names(fs, STAGING)).toEqual([]);
  });

  it('an entry its manifest (as checked) does not list: ERR_CHAIN_CORRUPT naming it', async () => {
    const fs = await freshFs();
    const [first] = await checked(fs);
    const manifest = first!.manifest!;
    const facts: ChainFileFacts = { ...first!, manifest: { ...manifest, files: manifest.files.filter((file) => file.name !== 'files.json') } };
    await fs.mkdir(STAGING);
    const error = await expectCode(applyChainFile(facts, STAGING, { fs }), 'ERR_CHAIN_CORRUPT');
    expect(error.details).toEqual({ file: facts.name, entry: 'files.json', index: 0 });
  });

  it('a file damaged since it was checked (a CRC-32 that fails): ERR_CHAIN_CORRUPT naming the file and index, the archive error as cause', async () => {
    const fs = await freshFs();
    const files = await checked(fs);
    await applyAll(fs, files.slice(0, 2));
    const facts = files[2]!;
    const bytes = await fs.readFile(facts.path);
    const entry = readZip(bytes).entries.find((candidate) => candidate.name === 'pages/item.pcl.pages')!;
    expect(entryData(bytes, entry).length).toBeGreaterThan(300);
    bytes[entry.dataOffset + 300] ^= 0x40;
    await writeBytes(fs, facts.path, bytes);
    const error = await expectCode(applyChainFile(facts, STAGING, { fs }), 'ERR_CHAIN_CORRUPT');
    expect(error.details).toEqual({ file: facts.name, index: 2 });
    const cause = error.cause as Error & { code: string };
    expect(cause.code).toBe('ERR_ARCHIVE_CRC_MISMATCH');
    expect(error.message).toContain(`'${facts.name}'`);
    expect(error.message).toContain(cause.message);
  });

  it('a file replaced since it was checked by bytes that are no ZIP (or none, or a cut one): ERR_CHAIN_CORRUPT, the archive error as cause; nothing written', async () => {
    const fs = await freshFs();
    const files = await checked(fs);
    const facts = files[0]!;
    const original = await fs.readFile(facts.path);
    const replacements: Array<[Uint8Array, string]> = [
      [Buffer.from('hello, not a zip'), 'ERR_NOT_A_ZIP'],
      [Buffer.alloc(0), 'ERR_ARCHIVE_EMPTY'],
      [original.subarray(0, original.length - 40), 'ERR_ARCHIVE_TRUNCATED'],
    ];
    await fs.mkdir(STAGING);
    for (const [bytes, archiveCode] of replacements) {
      await fs.rm(facts.path);
      await writeBytes(fs, facts.path, bytes);
      const error = await expectCode(applyChainFile(facts, STAGING, { fs }), 'ERR_CHAIN_CORRUPT');
      expect(error.details).toEqual({ file: facts.name, index: 0 });
      expect((error.cause as { code?: string }).code).toBe(archiveCode);
      expect(await names(fs, STAGING)).toEqual([]);
    }
  });

  it('a staging directory that cannot be listed afterwards: ERR_IO with the errno error as cause', async () => {
    const base = await freshFs();
    const files = await checked(base);
    await base.mkdir(STAGING);
    const fs = overriding(base, { readdir: () => Promise.reject(errnoError('EIO', STAGING)) });
    const error = await expectCode(applyChainFile(files[0]!, STAGING, { fs }), 'ERR_IO');
    expect((error.cause as { code?: string }).code).toBe('EIO');
    expect(error.message).toContain(`'${files[0]!.name}'`);
  });

  it('paged files in the staging directory that the list does not name: ERR_CHAIN_CORRUPT naming them; other files are left alone', async () => {
    const fs = await freshFs();
    const files = await checked(fs);
    await fs.mkdir(STAGING);
    for (const name of ['notes.txt', WAL_FILE, 'stray.pcl', 'other.cpm']) await writeBytes(fs, `${STAGING}/${name}`, Buffer.from('x'));
    const error = await expectCode(applyChainFile(files[0]!, STAGING, { fs }), 'ERR_CHAIN_CORRUPT');
    expect(error.details).toEqual({ file: files[0]!.name, index: 0 });
    expect(error.message).toContain(`'${files[0]!.name}'`);
    expect(error.message).toContain('other.cpm, stray.pcl');
    for (const name of ['stray.pcl', 'other.cpm']) await fs.rm(`${STAGING}/${name}`);
    expect(await applyChainFile(files[0]!, STAGING, { fs })).toEqual({ pages: 5, metadata: true });
    expect(await names(fs, STAGING)).toEqual(['database.ocf', WAL_FILE, 'item.cpm', 'item.pcl', 'notes.txt']);
  });
});

describe('applyChainFile and the disk', () => {
  it('a failing write, truncate or fsync is ERR_IO naming the file, with the errno error as cause', async () => {
    for (const operation of ['write', 'truncate', 'sync'] as const) {
      const fs = await freshFs();
      const files = await checked(fs);
      await fs.mkdir(STAGING);
      const faulty = new FaultyFileSystem(fs, { failAt: 1, operations: [operation], errno: 'ENOSPC', path: (path) => path.startsWith(`${STAGING}/`) });
      const error = await expectCode(applyChainFile(files[0]!, STAGING, { fs: faulty }), 'ERR_IO');
      expect(error.message, operation).toContain(`'${files[0]!.name}'`);
      expect(error.message, operation).toContain('ENOSPC');
      expect((error.cause as { code?: string }).code, operation).toBe('ENOSPC');
    }
  });

  it('does not replace a file it cannot open for update (only a missing file is created)', async () => {
    const fs = await freshFs();
    const files = await checked(fs);
    await applyAll(fs, files.slice(0, 2));
    const before = await fs.readFile(`${STAGING}/item.pcl`);
    const refusing = overriding(fs, {
      open: async (path: string, flags: OpenFlags, mode?: number): Promise<FileHandle> => {
        if (path === `${STAGING}/item.pcl` && flags === 'r+') throw errnoError('EACCES', path);
        return fs.open(path, flags, mode);
      },
    });
    const error = await expectCode(applyChainFile(files[2]!, STAGING, { fs: refusing }), 'ERR_IO');
    expect((error.cause as { code?: string }).code).toBe('EACCES');
    expect((await fs.readFile(`${STAGING}/item.pcl`)).equals(before)).toBe(true);
  });

  it('closes every file it opens, succeeding or failing, and fsyncs every file it writes', async () => {
    const fs = await freshFs();
    const files = await checked(fs);
    await fs.mkdir(STAGING);
    const ok = tracking(fs);
    for (const facts of files) await applyChainFile(facts, STAGING, { fs: ok.fs });
    const failing = tracking(new FaultyFileSystem(fs, { failAt: 1, operations: ['write'], path: (path) => path.endsWith('.pcl') }));
    await expectCode(applyChainFile(files[2]!, STAGING, { fs: failing.fs }), 'ERR_IO');
    for (const run of [ok, failing]) {
      expect(run.log.filter(([operation]) => operation === 'open').length).toBeGreaterThanOrEqual(3);
      expect([...run.open]).toEqual([]);
    }
    const log = ok.log;
    const written = new Set(log.filter(([operation]) => operation === 'write' || operation === 'truncate').map(([, path]) => path));
    expect([...written].sort()).toEqual(['database.ocf', 'item.cpm', 'item.pcl', 'later.cpm', 'later.pcl'].map((name) => `${STAGING}/${name}`));
    for (const path of written) {
      const lastChange = log.findLastIndex(([operation, at]) => at === path && (operation === 'write' || operation === 'truncate'));
      const lastSync = log.findLastIndex(([operation, at]) => at === path && operation === 'sync');
      expect(lastSync, path).toBeGreaterThan(lastChange);
    }
  });
});
