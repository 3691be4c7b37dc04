/**
 * `stageChain` on an in-memory file system: what it stages and resolves, the listener, the
 * checks of its arguments (made before any file is touched), the staging directory, and the log it
 * writes last. stage-chain.test.ts covers the damaged chains in depth on the real disk.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readZip, readZipEntries, writeStoredZip } from '../../conformance/scenarios/incremental/_support/zip.js';
import { Database } from '../../src/engine/index.js';
import { PAGE_SIZE, WAL_FILE } from '../../src/engine/constants.js';
import { encodeWalHeader } from '../../src/engine/wal-format.js';
import { FaultyFileSystem, type FileSystem, MemoryFileSystem, type OpenFlags, nodeFileSystem } from '../../src/fs/index.js';
import { type StageChainOptions, stageChain } from '../../src/incremental/stage-chain.js';
import { overriding } from '../_support/overriding-file-system.js';
import { tracking } from '../_support/tracking-file-system.js';
import { withStrictOpenFlags } from '../_support/strict-open-flags.js';
import { FAST, expectCode, tempDir } from './_helpers.js';

const CHAIN = '/chain';
const STAGED = '/staged';

/** A chain of three files written by a database on a {@link MemoryFileSystem}. */
interface Fixture {
  /** The file system holding `/chain` (and the closed database at `/db`); tests work on copies. */
  readonly base: MemoryFileSystem;
  /** File names by index. */
  readonly names: readonly string[];
  /** The database's dump and LSN as of each file. */
  readonly dumps: readonly string[];
  readonly lsns: readonly number[];
  readonly instanceId: string;
}

let building: Promise<Fixture> | undefined;

/**
 * The chain, written by the first test that needs it (not in a `beforeAll`: a hook that fails
 * drops the file's tests, which a mutation run does not count as a failure). File 0 carries the
 * metadata and five pages, file 1 the metadata (a new class) and three pages, file 2 four pages.
 */
function fixture(): Promise<Fixture> {
  building ??= (async () => {
    const base = new MemoryFileSystem();
    const db = await Database.create('plocal:/db', { fs: base, ...FAST });
    const names: string[] = [];
    const dumps: string[] = [];
    const lsns: number[] = [];
    const backup = async (): Promise<void> => {
      names.push(await db.incrementalBackup(CHAIN));
      dumps.push(await db.dump());
      lsns.push(db.currentLsn());
    };
    try {
      await db.createClass('Item');
      const rids: string[] = [];
      for (let n = 0; n < 30; n++) rids.push((await db.insert('Item', { n, text: 'x'.repeat(600) })).rid);
      await backup();
      await db.createClass('Later');
      for (let n = 0; n < 3; n++) await db.insert('Later', { n });
      await backup();
      await db.update(rids[3]!, { n: 3, updated: true });
      await db.insert('Item', { n: 99 });
      await backup();
      return { base, names, dumps, lsns, instanceId: db.storage.instanceId };
    } finally {
      await db.close();
    }
  })();
  return building;
}

/** A fresh copy of the chain's file system that, like `node:fs`, refuses open flags outside {@link OpenFlags}. */
async function freshFs(): Promise<MemoryFileSystem> {
  return withStrictOpenFlags((await fixture()).base.processCrashCopy());
}

/** A file system that records its calls, so a test can check that none was made. */
function recording(base: FileSystem): FaultyFileSystem {
  return new FaultyFileSystem(base, { failAt: Number.POSITIVE_INFINITY }, { record: true });
}

async function names(fs: FileSystem, dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).map((entry) => entry.name).sort();
}

async function exists(fs: FileSystem, path: string): Promise<boolean> {
  return fs.stat(path).then(
    () => true,
    () => false,
  );
}

async function writeBytes(fs: FileSystem, path: string, bytes: Uint8Array): Promise<void> {
  const handle = await fs.open(path, 'w');
  try {
    await handle.write(bytes, 0, bytes.length, 0);
  } finally {
    await handle.close();
  }
}

/** Rewrites a chain file's manifest with `change` (the entries kept as they are). */
async function rewriteManifest(fs: FileSystem, path: string, change: (manifest: Record<string, unknown>) => void): Promise<void> {
  const entries = readZipEntries(await fs.readFile(path));
  const manifest = JSON.parse(entries.get('backup-manifest.json')!.toString('utf8')) as Record<string, unknown>;
  entries.delete('backup-manifest.json');
  change(manifest);
  const list = [...entries.entries()].map(([name, data]) => ({ name, data }));
  list.push({ name: 'backup-manifest.json', data: Buffer.from(JSON.stringify(manifest), 'utf8') });
  await writeBytes(fs, path, writeStoredZip(list));
}

/** Flips a bit in the data of a page entry of a chain file (its CRC-32 then fails). */
async function damagePages(fs: FileSystem, path: string): Promise<void> {
  const bytes = await fs.readFile(path);
  const entry = readZip(bytes).entries.find((candidate) => candidate.name.startsWith('pages/'))!;
  bytes[entry.dataOffset + 100] ^= 1;
  await writeBytes(fs, path, bytes);
}

/** Opens the staged directory as a database and resolves its dump. */
async function dumpOf(fs: FileSystem, dir = STAGED): Promise<string> {
  const db = await Database.open(`plocal:${dir}`, 'admin', 'admin', { fs, ...FAST });
  try {
    return await db.dump();
  } finally {
    await db.close();
  }
}

describe('stageChain stages the chain', () => {
  it('as of the last file, or of upToIndex; resolves the LSN, instance id, name and files applied; writes an empty log at that LSN', async () => {
    const chain = await fixture();
    for (const upToIndex of [undefined, 0, 1, 2]) {
      const last = upToIndex ?? 2;
      const fs = await freshFs();
      const staged = await stageChain(CHAIN, STAGED, { fs, ...(upToIndex === undefined ? {} : { upToIndex }) });
      expect(staged).toEqual({ lsn: chain.lsns[last], instanceId: chain.instanceId, databaseName: 'db', applied: chain.names.slice(0, last + 1) });
      expect(await fs.readFile(join(STAGED, WAL_FILE))).toEqual(encodeWalHeader(chain.lsns[last]!));
      expect(await names(fs, STAGED)).toEqual(['database.ocf', WAL_FILE, 'item.cpm', 'item.pcl', ...(last > 0 ? ['later.cpm', 'later.pcl'] : [])]);
      expect(await dumpOf(fs), `up to ${upToIndex}`).toBe(chain.dumps[last]);
    }
  });

  it('tells the listener each file applied, with its index, LSN, pages and whether it carried the metadata', async () => {
    const chain = await fixture();
    const messages: string[] = [];
    await stageChain(CHAIN, STAGED, { fs: await freshFs(), listener: (message) => void messages.push(message) });
    expect(messages).toEqual([
      `Applied '${chain.names[0]}' (index 0, LSN ${chain.lsns[0]}): 5 pages and the metadata`,
      `Applied '${chain.names[1]}' (index 1, LSN ${chain.lsns[1]}): 3 pages and the metadata`,
      `Applied '${chain.names[2]}' (index 2, LSN ${chain.lsns[2]}): 4 pages`,
    ]);
  });

  it('reads every file with the limits given', async () => {
    const chain = await fixture();
    await expectCode(stageChain(CHAIN, STAGED, { fs: await freshFs(), limits: { maxEntryBytes: PAGE_SIZE } }), 'ERR_ARCHIVE_LIMIT_EXCEEDED');
    const fs = await freshFs();
    expect((await stageChain(CHAIN, STAGED, { fs, limits: { maxEntryBytes: 4 * PAGE_SIZE, maxEntries: 10 } })).applied).toEqual(chain.names);
  });

  it('up to an index, reads the later files only as far as their manifests, and ignores damage beyond them', async () => {
    const chain = await fixture();
    const opens = new Map<string, number>();
    const base = await freshFs();
    const counting = overriding(base, {
      open: (path: string, flags: OpenFlags, mode?: number) => {
        opens.set(path, (opens.get(path) ?? 0) + 1);
        return base.open(path, flags, mode);
      },
    });
    await stageChain(CHAIN, '/all', { fs: counting });
    const whole = opens.get(join(CHAIN, chain.names[2]!))!;
    opens.clear();
    await stageChain(CHAIN, STAGED, { fs: counting, upToIndex: 1 });
    expect(opens.get(join(CHAIN, chain.names[2]!))).toBeLessThan(whole);
    expect(opens.get(join(CHAIN, chain.names[1]!))).toBe(whole);

    const fs = await freshFs();
    await damagePages(fs, join(CHAIN, chain.names[2]!));
    await expectCode(stageChain(CHAIN, '/all', { fs }), 'ERR_CHAIN_CORRUPT');
    expect(await stageChain(CHAIN, STAGED, { fs, upToIndex: 1 })).toMatchObject({ lsn: chain.lsns[1], applied: chain.names.slice(0, 2) });
    expect(await dumpOf(fs)).toBe(chain.dumps[1]);
  });

  it('works on the real disk', async () => {
    const chain = await fixture();
    const { path: root, cleanup } = await tempDir('stage-chain-unit-');
    try {
      const dir = join(root, 'chain');
      await nodeFileSystem.mkdir(dir);
      for (const name of chain.names) await writeFile(join(dir, name), await chain.base.readFile(join(CHAIN, name)));
      const staging = join(root, 'staged');
      expect((await stageChain(dir, staging, { fs: nodeFileSystem })).lsn).toBe(chain.lsns[2]);
      expect(await readFile(join(staging, WAL_FILE))).toEqual(encodeWalHeader(chain.lsns[2]!));
      expect((await readdir(staging)).sort()).toEqual(['database.ocf', WAL_FILE, 'item.cpm', 'item.pcl', 'later.cpm', 'later.pcl']);
      expect(await dumpOf(nodeFileSystem, staging)).toBe(chain.dumps[2]);
    } finally {
      await cleanup();
    }
  });

  it('closes every file it opens and fsyncs the log, then the staging directory, last', async () => {
    const { fs, log, open } = tracking(await freshFs());
    await stageChain(CHAIN, STAGED, { fs });
    expect([...open]).toEqual([]);
    const wal = join(STAGED, WAL_FILE);
    expect(log.slice(-4)).toEqual([
      ['write', wal],
      ['sync', wal],
      ['close', wal],
      ['syncDir', STAGED],
    ]);
  });
});

describe('stageChain refuses bad arguments before touching any file', () => {
  it('options that are no object, or unknown options', async () => {
    const fs = recording(await freshFs());
    const carrier = Object.assign(() => undefined, { fs });
    for (const options of [null, undefined, 5, 'fs', carrier]) {
      await expectCode(stageChain(CHAIN, STAGED, options as never), 'ERR_INVALID_ARGUMENT');
    }
    const error = await expectCode(stageChain(CHAIN, STAGED, { fs, extra: 1 } as never), 'ERR_INVALID_ARGUMENT');
    expect(error.message).toContain('"extra"');
    expect(fs.calls).toEqual([]);
  });

  it('an upToIndex that is not a non-negative integer: ERR_INVALID_OPTIONS naming the value', async () => {
    const fs = recording(await freshFs());
    const cases: Array<[unknown, string]> = [
      [-1, '-1'],
      [1.5, '1.5'],
      ['2', '"2"'],
      [Number.NaN, 'null'],
      [null, 'null'],
      [2 ** 53, '9007199254740992'],
      [Symbol('later'), 'Symbol(later)'],
    ];
    for (const [upToIndex, shown] of cases) {
      const error = await expectCode(stageChain(CHAIN, STAGED, { fs, upToIndex: upToIndex as never }), 'ERR_INVALID_OPTIONS');
      expect(error.details, shown).toEqual({ option: 'upToIndex' });
      expect(error.message, shown).toContain(`got ${shown}`);
    }
    expect(fs.calls).toEqual([]);
  });

  it('a file system that is none, or a listener that is no function: ERR_INVALID_ARGUMENT', async () => {
    const fs = recording(await freshFs());
    const methods = ['open', 'readFile', 'stat', 'lstat', 'readdir', 'mkdir', 'rename', 'unlink', 'rm', 'syncDir'] as const;
    const callable = Object.assign(() => undefined, Object.fromEntries(methods.map((method) => [method, fs[method].bind(fs)])));
    for (const bad of [undefined, null, {}, 'disk', callable]) {
      await expectCode(stageChain(CHAIN, STAGED, { fs: bad } as never), 'ERR_INVALID_ARGUMENT');
    }
    await expectCode(stageChain(CHAIN, STAGED, { fs, listener: 'x' } as never), 'ERR_INVALID_ARGUMENT');
    expect(fs.calls).toEqual([]);
  });

  it('limits the archive reader refuses: ERR_INVALID_OPTIONS with its message and error as cause', async () => {
    const fs = recording(await freshFs());
    for (const limits of [{ maxEntries: -1 }, { maxLoops: 3 }, 'big']) {
      const error = await expectCode(stageChain(CHAIN, STAGED, { fs, limits } as StageChainOptions), 'ERR_INVALID_OPTIONS');
      expect(error.details).toEqual({ option: 'limits' });
      const cause = error.cause as Error & { code: string };
      expect(cause.code).toBe('ERR_INVALID_ARGUMENT');
      expect(error.message).toBe(cause.message);
    }
    expect(fs.calls).toEqual([]);
  });

  it('an empty or non-string directory: ERR_BACKUP_DIR_NOT_FOUND; staging directory: ERR_INVALID_ARGUMENT; options first', async () => {
    const fs = recording(await freshFs());
    for (const dir of ['', 5]) await expectCode(stageChain(dir as never, STAGED, { fs }), 'ERR_BACKUP_DIR_NOT_FOUND');
    for (const staging of ['', 5]) await expectCode(stageChain(CHAIN, staging as never, { fs }), 'ERR_INVALID_ARGUMENT');
    await expectCode(stageChain('', '', { fs, upToIndex: -1 }), 'ERR_INVALID_OPTIONS');
    await expectCode(stageChain('', '', { fs }), 'ERR_BACKUP_DIR_NOT_FOUND');
    expect(fs.calls).toEqual([]);
  });
});

describe('stageChain refuses a chain it cannot stage before creating the staging directory', () => {
  it('no chain file: ERR_CHAIN_EMPTY naming the directory', async () => {
    const fs = await freshFs();
    await fs.mkdir('/empty');
    await writeBytes(fs, '/empty/notes.txt', Buffer.from('x'));
    const error = await expectCode(stageChain('/empty', STAGED, { fs }), 'ERR_CHAIN_EMPTY');
    expect(error.details).toEqual({ directory: '/empty' });
    expect(error.message).toContain(`'/empty'`);
    expect(await exists(fs, STAGED)).toBe(false);
  });

  it('a gap, a broken link, an index above the highest: the chain error', async () => {
    const chain = await fixture();
    const gap = await freshFs();
    await gap.rm(join(CHAIN, chain.names[1]!));
    await expectCode(stageChain(CHAIN, STAGED, { fs: gap }), 'ERR_CHAIN_GAP');
    expect(await exists(gap, STAGED)).toBe(false);

    const link = await freshFs();
    await rewriteManifest(link, join(CHAIN, chain.names[2]!), (manifest) => void ((manifest.previous as { sha256: string }).sha256 = 'f'.repeat(64)));
    const error = await expectCode(stageChain(CHAIN, STAGED, { fs: link }), 'ERR_CHAIN_BROKEN_LINK');
    expect(error.details).toMatchObject({ file: chain.names[2], index: 2 });
    expect(await exists(link, STAGED)).toBe(false);
    // Up to index 1 the broken link of file 2 does not matter.
    expect((await stageChain(CHAIN, STAGED, { fs: link, upToIndex: 1 })).applied).toEqual(chain.names.slice(0, 2));

    const fs = await freshFs();
    await expectCode(stageChain(CHAIN, STAGED, { fs, upToIndex: 3 }), 'ERR_INVALID_OPTIONS');
    expect(await exists(fs, STAGED)).toBe(false);
  });
});

describe('stageChain and the staging directory', () => {
  it('creates it with its parents, or takes an existing empty one', async () => {
    const fs = await freshFs();
    await stageChain(CHAIN, '/a/b/staged', { fs });
    expect(await names(fs, '/a/b/staged')).toContain(WAL_FILE);
    await fs.mkdir('/ready');
    await stageChain(CHAIN, '/ready', { fs });
    expect(await names(fs, '/ready')).toContain(WAL_FILE);
  });

  it('refuses a non-empty one, naming it, and leaves it as it was', async () => {
    const fs = await freshFs();
    await fs.mkdir('/busy');
    await writeBytes(fs, '/busy/x', Buffer.from('x'));
    const error = await expectCode(stageChain(CHAIN, '/busy', { fs }), 'ERR_INVALID_ARGUMENT');
    expect(error.details).toEqual({ stagingDir: '/busy' });
    expect(error.message).toContain(`'/busy'`);
    expect(await names(fs, '/busy')).toEqual(['x']);
  });

  it('a directory that cannot be created: ERR_IO naming it, with the errno error as cause', async () => {
    const fs = new FaultyFileSystem(await freshFs(), { failAt: 1, operations: ['mkdir'], errno: 'EACCES' });
    const error = await expectCode(stageChain(CHAIN, STAGED, { fs }), 'ERR_IO');
    expect(error.message).toContain(`'${STAGED}'`);
    expect(error.message).toContain('EACCES');
    expect((error.cause as { code?: string }).code).toBe('EACCES');
  });

  it('a directory that cannot be listed: ERR_IO naming it, with the errno error as cause', async () => {
    const base = await freshFs();
    const fs = overriding(base, { readdir: (path: string) => (path === STAGED ? Promise.reject(Object.assign(new Error('EIO: refused by the test'), { code: 'EIO' })) : base.readdir(path)) });
    const error = await expectCode(stageChain(CHAIN, STAGED, { fs }), 'ERR_IO');
    expect(error.message).toContain(`'${STAGED}'`);
    expect((error.cause as { code?: string }).code).toBe('EIO');
  });

  it('a log that cannot be written or made durable: ERR_IO with the cause; the log file is closed', async () => {
    const plans = [
      { operations: ['open'], path: (path: string) => path.endsWith(WAL_FILE) },
      { operations: ['write'], path: (path: string) => path.endsWith(WAL_FILE) },
      { operations: ['sync'], path: (path: string) => path.endsWith(WAL_FILE) },
      { operations: ['syncDir'], path: (path: string) => path === STAGED },
    ] as const;
    for (const plan of plans) {
      const { fs, open } = tracking(new FaultyFileSystem(await freshFs(), { failAt: 1, errno: 'EIO', ...plan }));
      const error = await expectCode(stageChain(CHAIN, STAGED, { fs }), 'ERR_IO');
      expect(error.message, plan.operations[0]).toContain('EIO');
      expect((error.cause as { code?: string }).code, plan.operations[0]).toBe('EIO');
      expect([...open], plan.operations[0]).toEqual([]);
    }
  });
});

describe('stageChain and a listener that throws', () => {
  it('fails with ERR_LISTENER_FAILED, the thrown value as cause, and stops applying', async () => {
    for (const thrown of [new Error('no more'), 'no more']) {
      const fs = await freshFs();
      let calls = 0;
      const listener = (): void => {
        calls++;
        throw thrown;
      };
      const error = await expectCode(stageChain(CHAIN, STAGED, { fs, listener }), 'ERR_LISTENER_FAILED');
      expect(error.message).toBe('The listener threw: no more');
      expect(error.cause).toBe(thrown);
      expect(calls).toBe(1);
      // Only the first file was applied, and no log was written.
      expect(await names(fs, STAGED)).toEqual(['database.ocf', 'item.cpm', 'item.pcl']);
    }
  });
});
