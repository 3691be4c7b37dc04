/**
 * `checkNewestChainFile` and its records on a MemoryFileSystem (quick: no disk). Each test looks
 * at a chain file through its own view of the file system (records are kept per FileSystem
 * object), most through one whose stat reports the files' mtimes 10 s in the past, so that a
 * record made now is not "racy" and the cheapest proof can be told from the others by the result.
 * The disk-based tests are in verified-chain-files.test.ts.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readZipEntries, writeStoredZip } from '../../conformance/scenarios/incremental/_support/zip.js';
import type { IncrementalManifest } from '../../src/backup/manifest.js';
import { Database } from '../../src/engine/index.js';
import { type FileHandle, type FileStat, type FileSystem, MemoryFileSystem } from '../../src/fs/index.js';
import { parseFileList } from '../../src/incremental/chain-format.js';
import { type ChainFileFacts, readChainManifest } from '../../src/incremental/inspect-chain-file.js';
import { RACY_MS, checkNewestChainFile, forgetChainFiles, rememberChainFile } from '../../src/incremental/verified-chain-files.js';
import { overriding } from '../_support/overriding-file-system.js';
import { FAST } from './_helpers.js';

const DIR = '/backups/chain';

/** A chain file written by a real database on a fresh MemoryFileSystem. */
interface Fixture {
  readonly mem: MemoryFileSystem;
  readonly name: string;
  readonly path: string;
  readonly bytes: Buffer;
}

async function fixture(): Promise<Fixture> {
  const mem = new MemoryFileSystem();
  const db = await Database.create('plocal:/data/db', { ...FAST, fs: mem });
  try {
    await db.createClass('Item');
    for (let n = 0; n < 12; n++) await db.insert('Item', { n, text: `record ${n} `.repeat(30) });
    const name = await db.incrementalBackup(DIR);
    const path = `${DIR}/${name}`;
    return { mem, name, path, bytes: await mem.readFile(path) };
  } finally {
    await db.close();
  }
}

/** What to change in one look (`stat` call) at the chain file, by its number in the view (from 1). */
type StatHook = (call: number, stat: FileStat) => FileStat | 'fail';

interface View {
  readonly fs: FileSystem;
  /** Counts the stats of the chain file from now on and lets `hook` change them. */
  watch(hook: StatHook): void;
  /** Opens of the chain file so far. */
  opens(): number;
  /** Makes the next open of the chain file fail (EIO). */
  failNextOpen(): void;
}

/**
 * A view of `fx.mem` of its own (records are per FileSystem object). With `old`, stat reports
 * the mtimes of chain files 10 s in the past.
 */
function view(fx: Fixture, { old = true } = {}): View {
  let hook: StatHook | undefined;
  let calls = 0;
  let opens = 0;
  let failOpen = false;
  const fs = overriding(fx.mem, {
    stat: async (path: string): Promise<FileStat> => {
      const real = await fx.mem.stat(path);
      const stat = old && path.endsWith('.ibu') ? { ...real, mtimeMs: real.mtimeMs - 10_000 } : real;
      if (hook === undefined || path !== fx.path) return stat;
      const changed = hook(++calls, stat);
      if (changed === 'fail') throw Object.assign(new Error(`EIO: stat '${path}'`), { code: 'EIO' });
      return changed;
    },
    open: async (path: string, flags: 'r', mode?: number): Promise<FileHandle> => {
      if (path === fx.path) {
        opens++;
        if (failOpen) {
          failOpen = false;
          throw Object.assign(new Error(`EIO: open '${path}'`), { code: 'EIO' });
        }
      }
      return fx.mem.open(path, flags, mode);
    },
  });
  return {
    fs,
    watch: (next) => {
      hook = next;
      calls = 0;
    },
    opens: () => opens,
    failNextOpen: () => void (failOpen = true),
  };
}

/** The facts `readChainManifest` gives (what `checkNewestChainFile` starts from). */
function factsOf(fx: Fixture, v: View): Promise<ChainFileFacts> {
  return readChainManifest(DIR, fx.name, { fs: v.fs });
}

async function check(fx: Fixture, v: View): Promise<{ result: string; facts: ChainFileFacts }> {
  const facts = await factsOf(fx, v);
  return { result: await checkNewestChainFile(facts, { fs: v.fs }), facts };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The file's SHA-256 and file list, as a full check finds them. */
function truth(fx: Fixture): { sha256: string; fileList: ReturnType<typeof parseFileList> } {
  return { sha256: sha256(fx.bytes), fileList: parseFileList(readZipEntries(fx.bytes).get('files.json')!) };
}

/** Remembers the fixture's file as `stat` describes it (its real stat by default), with a record made at `recordedAt`. */
async function remember(fx: Fixture, v: View, recordedAt: (stat: FileStat) => number, changes: Partial<FileStat> = {}, sha = truth(fx).sha256): Promise<void> {
  const stat = { ...(await v.fs.stat(fx.path)), ...changes };
  rememberChainFile(v.fs, fx.path, stat, sha, truth(fx).fileList, recordedAt(stat));
}

async function writeFile(fs: FileSystem, path: string, bytes: Buffer): Promise<void> {
  const handle = await fs.open(path, 'w');
  await handle.write(bytes, 0, bytes.length, 0);
  await handle.close();
}

/** The fixture's file rewritten as a STORED ZIP after `change` edited its entries and its parsed manifest. */
function rewritten(fx: Fixture, change: (entries: Map<string, Buffer>, manifest: Record<string, unknown>) => void): Buffer {
  const entries = readZipEntries(fx.bytes);
  const manifest = JSON.parse(entries.get('backup-manifest.json')!.toString('utf8')) as Record<string, unknown>;
  entries.delete('backup-manifest.json');
  manifest.files = [...entries.keys()].sort().map((name) => ({ name, size: entries.get(name)!.length, sha256: sha256(entries.get(name)!) }));
  change(entries, manifest);
  const list = [...entries.entries()].map(([name, data]) => ({ name, data }));
  list.push({ name: 'backup-manifest.json', data: Buffer.from(JSON.stringify(manifest), 'utf8') });
  return writeStoredZip(list);
}

describe('the three proofs', () => {
  it('a full check the first time; then, size and mtime unchanged, the record is trusted without opening the file', async () => {
    const fx = await fixture();
    const v = view(fx);
    const first = await check(fx, v);
    expect(first.result).toBe('full');
    expect(first.facts).toMatchObject({ contentChecked: true, ...truth(fx) });
    const opens = v.opens();
    const second = await check(fx, v);
    expect(second.result).toBe('unchanged');
    // readChainManifest opened it once; checkNewestChainFile did not.
    expect(v.opens()).toBe(opens + 1);
    expect(second.facts).toMatchObject({ contentChecked: true, ...truth(fx) });
    expect(second.facts.unreadable).toBeUndefined();
    expect(second.facts.malformed).toBeUndefined();
    // Records are per file system object, and can be forgotten.
    expect((await check(fx, view(fx))).result).toBe('full');
    forgetChainFiles(v.fs);
    expect((await check(fx, v)).result).toBe('full');
    expect((await check(fx, v)).result).toBe('unchanged');
  });

  it('a record made RACY_MS after the mtime is trusted; one made sooner is proved by the hash, then trusted', async () => {
    const fx = await fixture();
    const v = view(fx);
    await remember(fx, v, (stat) => stat.mtimeMs + RACY_MS);
    expect((await check(fx, v)).result).toBe('unchanged');
    await remember(fx, v, (stat) => stat.mtimeMs + RACY_MS - 1);
    const hashed = await check(fx, v);
    expect(hashed.result).toBe('same-bytes');
    expect(hashed.facts).toMatchObject({ contentChecked: true, ...truth(fx) });
    // The hash was taken now, long after the (old) mtime: the new record is trusted.
    expect((await check(fx, v)).result).toBe('unchanged');
  });

  it('a record of another mtime is proved by the hash; one of another size or another hash gets the full check', async () => {
    const fx = await fixture();
    const v = view(fx);
    await remember(fx, v, (stat) => stat.mtimeMs + 60_000, { mtimeMs: (await v.fs.stat(fx.path)).mtimeMs - 1 });
    expect((await check(fx, v)).result).toBe('same-bytes');

    await remember(fx, v, (stat) => stat.mtimeMs + 60_000, { size: fx.bytes.length + 1 });
    const resized = await check(fx, v);
    expect(resized.result).toBe('full');
    expect(resized.facts).toMatchObject(truth(fx));

    await remember(fx, v, (stat) => stat.mtimeMs, {}, 'f'.repeat(64));
    const rehashed = await check(fx, v);
    expect(rehashed.result).toBe('full');
    expect(rehashed.facts.sha256).toBe(truth(fx).sha256);
  });

  it('records are keyed by the resolved path', async () => {
    const fx = await fixture();
    const v = view(fx);
    const stat = await v.fs.stat(fx.path);
    rememberChainFile(v.fs, `${DIR}/./sub/../${fx.name}`, stat, truth(fx).sha256, truth(fx).fileList, stat.mtimeMs + 60_000);
    expect((await check(fx, v)).result).toBe('unchanged');
  });
});

describe('what is never trusted', () => {
  it('a record is not used for a file whose manifest was unreadable, malformed or missing, and is dropped', async () => {
    const fx = await fixture();
    const spoil: ((facts: ChainFileFacts) => void)[] = [
      (facts) => void (facts.unreadable = { code: 'ERR_CHAIN_CORRUPT', message: 'unreadable', file: fx.name }),
      (facts) => void (facts.malformed = { code: 'ERR_CHAIN_CORRUPT', message: 'malformed', file: fx.name }),
      (facts) => void (facts.manifest = undefined),
    ];
    for (const change of spoil) {
      const v = view(fx);
      await remember(fx, v, (stat) => stat.mtimeMs + 60_000);
      const facts = await factsOf(fx, v);
      change(facts);
      expect(await checkNewestChainFile(facts, { fs: v.fs })).toBe('full');
      expect(facts.sha256).toBe(truth(fx).sha256);
    }
    // Unreadable: the full check stops at the hash, and the record is gone.
    const v = view(fx);
    await remember(fx, v, (stat) => stat.mtimeMs + 60_000);
    const facts = await factsOf(fx, v);
    facts.unreadable = { code: 'ERR_CHAIN_CORRUPT', message: 'unreadable', file: fx.name };
    await checkNewestChainFile(facts, { fs: v.fs });
    expect(facts.fileList).toBeUndefined();
    expect((await check(fx, v)).result).toBe('full');
  });

  it('a record of a file that fails its full check is dropped: the same bytes put back are checked in full again', async () => {
    const fx = await fixture();
    const v = view(fx, { old: false });
    // A racy record: the next look hashes the file.
    await remember(fx, v, (stat) => stat.mtimeMs);
    const damaged = Buffer.from(fx.bytes);
    damaged[40] = damaged[40]! ^ 0x20;
    await writeFile(fx.mem, fx.path, damaged);
    const bad = await check(fx, v);
    expect(bad.result).toBe('full');
    expect(bad.facts.unreadable ?? bad.facts.malformed).toMatchObject({ code: 'ERR_CHAIN_CORRUPT' });
    await writeFile(fx.mem, fx.path, fx.bytes);
    const good = await check(fx, v);
    expect(good.result).toBe('full');
    expect(good.facts).toMatchObject(truth(fx));
  });

  it('a missing file gets the full check (which finds it unreadable)', async () => {
    const fx = await fixture();
    const v = view(fx);
    await remember(fx, v, (stat) => stat.mtimeMs + 60_000);
    const facts = await factsOf(fx, v);
    await fx.mem.unlink(fx.path);
    expect(await checkNewestChainFile(facts, { fs: v.fs })).toBe('full');
    expect(facts.unreadable).toMatchObject({ code: 'ERR_IO' });
  });

  it('a hash that cannot be read falls back to the full check', async () => {
    const fx = await fixture();
    const v = view(fx);
    await remember(fx, v, (stat) => stat.mtimeMs);
    const facts = await factsOf(fx, v);
    v.failNextOpen();
    expect(await checkNewestChainFile(facts, { fs: v.fs })).toBe('full');
    expect(facts).toMatchObject(truth(fx));
  });

  it('a file that is not sound after its full check is not remembered', async () => {
    const fx = await fixture();
    const variants: [string, Buffer][] = [
      // Malformed, with a hash and a file list: an entry whose SHA-256 is not the manifest's.
      ['malformed', rewritten(fx, (_entries, manifest) => void ((manifest.files as { sha256: string }[])[0]!.sha256 = '0'.repeat(64)))],
      // Unreadable, with a hash and a file list: a page entry that fails its CRC-32 (files.json is read first).
      [
        'unreadable',
        (() => {
          const bytes = rewritten(fx, () => undefined);
          const at = bytes.indexOf(Buffer.from('pages/item.pcl.pages')) + 'pages/item.pcl.pages'.length + 100;
          bytes[at] = bytes[at]! ^ 0xff;
          return bytes;
        })(),
      ],
    ];
    for (const [kind, bytes] of variants) {
      await writeFile(fx.mem, fx.path, bytes);
      const v = view(fx);
      const first = await check(fx, v);
      expect(first.result).toBe('full');
      expect(first.facts.sha256).toBe(sha256(bytes));
      expect(first.facts.fileList).toBeDefined();
      expect(first.facts[kind as 'malformed' | 'unreadable']).toMatchObject({ code: 'ERR_CHAIN_CORRUPT' });
      const second = await check(fx, v);
      expect(second.result).toBe('full');
      expect(second.facts[kind as 'malformed' | 'unreadable']).toMatchObject({ code: 'ERR_CHAIN_CORRUPT' });
    }
    // Without files.json, checked once as a file whose manifest was not read: no file list, so not remembered.
    const bare = rewritten(fx, (entries) => void entries.delete('files.json'));
    await writeFile(fx.mem, fx.path, bare);
    const v = view(fx);
    const facts = await factsOf(fx, v);
    facts.manifest = undefined;
    expect(await checkNewestChainFile(facts, { fs: v.fs })).toBe('full');
    expect(facts.fileList).toBeUndefined();
    const again = await check(fx, v);
    expect(again.result).toBe('full');
    expect(again.facts.malformed).toMatchObject({ code: 'ERR_CHAIN_CORRUPT' });
  });
});

describe('a file that changes (or cannot be looked at) while it is checked', () => {
  /** Checks with `hook` on the stats of checkNewestChainFile (1: before; then after the hash, after the full check). */
  async function checkWatched(fx: Fixture, v: View, hook: StatHook): Promise<{ result: string; facts: ChainFileFacts }> {
    const facts = await factsOf(fx, v);
    v.watch(hook);
    const result = await checkNewestChainFile(facts, { fs: v.fs });
    v.watch((_call, stat) => stat);
    return { result, facts };
  }

  it('a stat that fails before: full check, sound, not remembered', async () => {
    const fx = await fixture();
    const v = view(fx);
    const first = await checkWatched(fx, v, (call, stat) => (call === 1 ? 'fail' : stat));
    expect(first.result).toBe('full');
    expect(first.facts).toMatchObject(truth(fx));
    expect((await check(fx, v)).result).toBe('full');
    expect((await check(fx, v)).result).toBe('unchanged');
  });

  it('after the hash: a stat that fails, or shows another size or mtime, means the full check', async () => {
    const fx = await fixture();
    const changes: StatHook[] = [
      (call, stat) => (call === 2 ? 'fail' : stat),
      (call, stat) => (call === 2 ? { ...stat, size: stat.size + 1 } : stat),
      (call, stat) => (call === 2 ? { ...stat, mtimeMs: stat.mtimeMs + 1 } : stat),
    ];
    for (const hook of changes) {
      const v = view(fx);
      await remember(fx, v, (stat) => stat.mtimeMs);
      const watched = await checkWatched(fx, v, hook);
      expect(watched.result).toBe('full');
      expect(watched.facts).toMatchObject(truth(fx));
    }
  });

  it('after the full check: a stat that fails, or shows another size or mtime, means nothing is remembered', async () => {
    const fx = await fixture();
    const changes: StatHook[] = [
      (call, stat) => (call === 2 ? 'fail' : stat),
      (call, stat) => (call === 2 ? { ...stat, size: stat.size + 1 } : stat),
      (call, stat) => (call === 2 ? { ...stat, mtimeMs: stat.mtimeMs + 1 } : stat),
    ];
    for (const hook of changes) {
      const v = view(fx);
      const watched = await checkWatched(fx, v, hook);
      expect(watched.result).toBe('full');
      expect(watched.facts).toMatchObject(truth(fx));
      expect((await check(fx, v)).result).toBe('full');
    }
  });
});

describe('how many records are kept', () => {
  it('256 per file system, the least recently remembered dropped first', async () => {
    const mem = new MemoryFileSystem();
    await mem.mkdir('/many');
    const paths = Array.from({ length: 259 }, (_, n) => `/many/f${n}.ibu`);
    for (const path of paths) await writeFile(mem, path, Buffer.from('not a chain file'));
    const fs = overriding(mem, {});
    const list = { pageSize: 8192, files: [], removed: [] };
    const rememberPath = async (path: string): Promise<void> => {
      const stat = await fs.stat(path);
      rememberChainFile(fs, path, stat, 'a'.repeat(64), list, stat.mtimeMs + 60_000);
    };
    const known = async (path: string): Promise<boolean> => {
      const facts: ChainFileFacts = { name: path.slice('/many/'.length), path, nameIndex: undefined, contentChecked: false, manifest: {} as IncrementalManifest };
      return (await checkNewestChainFile(facts, { fs })) === 'unchanged';
    };
    for (const path of paths.slice(0, 256)) await rememberPath(path);
    expect(await known(paths[0]!)).toBe(true);
    expect(await known(paths[255]!)).toBe(true);
    await rememberPath(paths[256]!);
    expect(await known(paths[1]!)).toBe(true);
    // Remembered again, f1 is the newest record: f2 goes next.
    await rememberPath(paths[1]!);
    await rememberPath(paths[257]!);
    expect(await known(paths[1]!)).toBe(true);
    expect(await known(paths[3]!)).toBe(true);
    expect(await known(paths[257]!)).toBe(true);
    expect(await known(paths[0]!)).toBe(false);
    expect(await known(paths[2]!)).toBe(false);
  });
});
