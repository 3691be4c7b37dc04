/**
 * Shared helpers of the incremental tests: chains written by real databases (cheap password
 * hashing), staging a chain and reading it back, and damaging files.
 */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Database } from '../../src/engine/index.js';
import { nodeFileSystem } from '../../src/fs/index.js';
import { stageChain } from '../../src/incremental/stage-chain.js';
import { readZipEntries, writeStoredZip } from '../../conformance/scenarios/incremental/_support/zip.js';
import { FAST } from '../engine/_helpers.js';

export { FAST, expectCode, tempDir } from '../engine/_helpers.js';

/** A chain and the database that wrote it. */
export interface TestChain {
  readonly db: Database;
  readonly dir: string;
  /** File names by index. */
  readonly names: string[];
  /** The database's dump at each file. */
  readonly dumps: string[];
  /** Record ids of class `Item`, in insertion order. */
  readonly rids: string[];
}

/**
 * Creates `<root>/<name>` with a class `Item` and writes `files` files into `<root>/<name>-chain`:
 * 12 records before the first, then an insert, an update and (from the third on) a delete before
 * each later one.
 */
export async function makeChain(root: string, files = 3, name = 'db'): Promise<TestChain> {
  const db = await Database.create(`plocal:${join(root, name)}`, FAST);
  await db.createClass('Item');
  const rids: string[] = [];
  for (let n = 1; n <= 12; n++) rids.push((await db.insert('Item', { n, text: `record ${n} `.repeat(20) })).rid);
  const dir = join(root, `${name}-chain`);
  const names: string[] = [];
  const dumps: string[] = [];
  for (let index = 0; index < files; index++) {
    if (index > 0) {
      rids.push((await db.insert('Item', { n: rids.length + 1, added: index })).rid);
      await db.update(rids[index % 4]!, { n: (index % 4) + 1, updated: index });
      if (index >= 2) await db.delete(rids[index + 3]!);
    }
    names.push(await db.incrementalBackup(dir));
    dumps.push(await db.dump());
  }
  return { db, dir, names, dumps, rids };
}

let stagings = 0;

/** Stages the chain in `dir` into a fresh directory under `root`, opens it and resolves its dump. */
export async function stagedDump(root: string, dir: string, upToIndex?: number): Promise<string> {
  const staging = join(root, `staging-${++stagings}`);
  await stageChain(dir, staging, { fs: nodeFileSystem, ...(upToIndex === undefined ? {} : { upToIndex }) });
  const db = await Database.open(`plocal:${staging}`, 'admin', 'admin', FAST);
  try {
    return await db.dump();
  } finally {
    await db.close();
    await rm(staging, { recursive: true, force: true });
  }
}

/** Copies a directory to a fresh one. */
export async function copyDirectory(from: string, to: string): Promise<string> {
  await rm(to, { recursive: true, force: true });
  await cp(from, to, { recursive: true });
  return to;
}

/** Flips bit `bit` of byte `offset` of a file. */
export async function flipBit(path: string, offset: number, bit = 0): Promise<void> {
  const bytes = await readFile(path);
  bytes[offset] = (bytes[offset] ?? 0) ^ (1 << bit);
  await writeFile(path, bytes);
}

/**
 * Rewrites a chain file as a STORED ZIP after `change` edited its entries (name -> bytes, the
 * manifest as parsed JSON). With `rehash`, the manifest's `files` are recomputed from the entries,
 * so only the content is wrong (the kind of file a buggy writer, or a careful forger, makes).
 */
export async function rewriteChainFile(
  path: string,
  change: (entries: Map<string, Buffer>, manifest: Record<string, unknown>) => void,
  options: { readonly rehash?: boolean } = {},
): Promise<void> {
  const { createHash } = await import('node:crypto');
  const entries = readZipEntries(await readFile(path));
  const manifest = JSON.parse(entries.get('backup-manifest.json')!.toString('utf8')) as Record<string, unknown>;
  entries.delete('backup-manifest.json');
  change(entries, manifest);
  if (options.rehash === true) {
    manifest.files = [...entries.keys()].sort().map((name) => ({
      name,
      size: entries.get(name)!.length,
      sha256: createHash('sha256').update(entries.get(name)!).digest('hex'),
    }));
  }
  const list = [...entries.entries()].map(([name, data]) => ({ name, data }));
  list.push({ name: 'backup-manifest.json', data: Buffer.from(JSON.stringify(manifest), 'utf8') });
  await writeFile(path, writeStoredZip(list));
}
