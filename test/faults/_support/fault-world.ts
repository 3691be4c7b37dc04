/**
 * The world every fault trial starts from, built once per test file on a MemoryFileSystem and
 * copied for each trial: a database with some history, a full backup of an older state, an
 * incremental chain of two files, and an empty output directory.
 *
 * ```
 * /w/db           the database (classes Item and Other)
 * /w/backup.zip   a full backup (its dump: archiveDump)
 * /w/chain/       two incremental files (the newest one's dump: chainDump)
 * /w/out/         empty: where full backups go
 * ```
 */
import { Database } from '../../../src/engine/index.js';
import { MemoryFileSystem } from '../../../src/fs/index.js';
import { FAST } from './databases.js';

/** The paths of the world. */
export const WORLD = {
  root: '/w',
  db: '/w/db',
  url: 'plocal:/w/db',
  archive: '/w/backup.zip',
  chain: '/w/chain',
  out: '/w/out',
  target: '/w/out/full.zip',
} as const;

/** A built world: its files (the database closed) and the dumps its backups hold. */
export interface WorldTemplate {
  readonly memory: MemoryFileSystem;
  /** The dump of `/w/backup.zip`. */
  readonly archiveDump: string;
  /** The dump the chain in `/w/chain` restores to. */
  readonly chainDump: string;
}

/** Builds the world (a few hundred milliseconds). */
export async function buildWorld(): Promise<WorldTemplate> {
  const memory = new MemoryFileSystem();
  await memory.mkdir(WORLD.out, { recursive: true });
  const db = await Database.create(WORLD.url, { ...FAST, fs: memory });
  await db.createClass('Item');
  await db.createClass('Other');
  const rids: string[] = [];
  for (let i = 0; i < 40; i++) rids.push((await db.insert('Item', { n: i, text: `item ${i} `.repeat(20) })).rid);
  await db.insert('Other', { kind: 'other' });
  await db.backup(WORLD.archive, null, null, null, 6, 65536);
  const archiveDump = await db.dump();
  await db.incrementalBackup(WORLD.chain);
  for (let i = 0; i < 10; i++) await db.update(rids[i]!, { n: i, changed: true });
  await db.delete(rids[39]!);
  await db.incrementalBackup(WORLD.chain);
  const chainDump = await db.dump();
  for (let i = 10; i < 15; i++) await db.delete(rids[i]!);
  await db.insert('Other', { kind: 'after the chain' });
  await db.close();
  return { memory, archiveDump, chainDump };
}
