/**
 * Databases and directory snapshots for the restore tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../../../src/engine/index.js';
import type { EngineOptions } from '../../../src/engine/index.js';

/** Cheap password hashing: the tests open many databases. */
export const FAST = { scryptCost: 16 } as const;

/** A fresh directory on the real disk. */
export async function tempDir(prefix = 'restore-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Creates a database with a class `Item` holding `count` records (one updated, one deleted). */
export async function seededDatabase(directory: string, count = 5, options: EngineOptions = {}): Promise<Database> {
  const db = await Database.create(`plocal:${directory}`, { ...FAST, ...options });
  await db.createClass('Item');
  const rids: string[] = [];
  for (let i = 0; i < count; i++) rids.push((await db.insert('Item', { n: i, text: `record ${i}` })).rid);
  if (count > 1) await db.update(rids[1]!, { n: 1, text: 'updated' });
  if (count > 2) await db.delete(rids[2]!);
  return db;
}

/** Changes a database in every way a restore must undo. */
export async function mutate(db: Database): Promise<void> {
  await db.insert('Item', { n: 100, text: 'after the backup' });
  const [first] = JSON.parse(await db.dump()).classes[0].records as { rid: string }[];
  if (first !== undefined) {
    await db.update(first.rid, { changed: true });
    await db.delete(first.rid);
  }
  await db.createClass('Later');
  await db.insert('Later', { late: true });
  await db.createUser('someone', 'secret', 'writer');
}

/** Every file under `root`, recursively (the conformance scenarios' own helper). */
export { treeState } from '../../../conformance/scenarios/restore/support.js';
