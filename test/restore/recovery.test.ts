/**
 * The before-open hook that finishes or undoes an interrupted restore, on staging directories
 * laid out by hand as a crash would leave them (the swap-faults test makes them for real).
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { restoreToNewDatabase } from '../../src/restore/index.js';
import { backupToFile } from './_helpers/backup-file.js';
import { FAST, mutate, seededDatabase, tempDir } from './_helpers/databases.js';

let work: { path: string; cleanup: () => Promise<void> };
let template: string;
let staged: string;
let oldDump: string;
let newDump: string;
let deadPid: number;

beforeAll(async () => {
  work = await tempDir('restore-recovery-');
  template = join(work.path, 'template');
  const db = await seededDatabase(template);
  const archive = join(work.path, 'backup.zip');
  await backupToFile(db, archive);
  await mutate(db);
  oldDump = await db.dump();
  await db.close();
  staged = join(work.path, 'staged');
  await restoreToNewDatabase(archive, `plocal:${staged}`, null, {});
  const restored = await Database.open(`plocal:${staged}`, 'admin', 'admin', FAST);
  newDump = await restored.dump();
  await restored.close();
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  deadPid = Number(child.stdout.toString());
});
afterAll(async () => {
  await work.cleanup();
});

let counter = 0;
/** A copy of the old database in `<case>/db`, and the path of a staging directory beside it. */
async function setUp(): Promise<{ directory: string; staging: string }> {
  const parent = join(work.path, `case-${++counter}`);
  await mkdir(parent);
  const directory = join(parent, 'db');
  await cp(template, directory, { recursive: true });
  return { directory, staging: join(parent, '.db.restore-0123456789ab') };
}

async function stage(staging: string, owner: string | undefined, files: { newDatabase?: boolean; committed?: boolean; oldMovedOut?: boolean } = {}): Promise<void> {
  await mkdir(staging);
  if (owner !== undefined) await writeFile(join(staging, 'owner'), owner);
  if (files.newDatabase === true) await cp(staged, join(staging, 'new'), { recursive: true });
  else await mkdir(join(staging, 'new'));
  if (files.committed === true) await writeFile(join(staging, 'COMMITTED'), '{}\n');
  if (files.oldMovedOut === true) await writeFile(join(staging, 'OLD-MOVED-OUT'), '');
}

async function openDump(directory: string): Promise<string> {
  const db = await Database.open(`plocal:${directory}`, 'admin', 'admin', FAST);
  try {
    return await db.dump();
  } finally {
    await db.close();
  }
}

async function siblings(directory: string): Promise<string[]> {
  return (await readdir(join(directory, '..'))).filter((name) => name !== 'db');
}

describe('recovery of interrupted restores at open', () => {
  it('removes an uncommitted staging directory whose process is gone; the database stays the old one', async () => {
    const { directory, staging } = await setUp();
    await stage(staging, `${deadPid}\nsome-token\n`, { newDatabase: true });
    expect(await openDump(directory)).toBe(oldDump);
    expect(await siblings(directory)).toEqual([]);
  });

  it('removes one whose owner file is missing or unreadable (a crash while it was made)', async () => {
    const { directory, staging } = await setUp();
    await stage(staging, undefined);
    expect(await openDump(directory)).toBe(oldDump);
    expect(await siblings(directory)).toEqual([]);
  });

  it('leaves alone one that a live process is still staging', async () => {
    const { directory, staging } = await setUp();
    await stage(staging, `${process.ppid}\nanother-process\n`, { newDatabase: true });
    expect(await openDump(directory)).toBe(oldDump);
    expect(await siblings(directory)).toEqual(['.db.restore-0123456789ab']);
  });

  it('rolls a committed restore forward before any old file was moved', async () => {
    const { directory, staging } = await setUp();
    await writeFile(join(directory, 'stale-file.bin'), 'old');
    await stage(staging, `${process.ppid}\nanother-process\n`, { newDatabase: true, committed: true });
    expect(await openDump(directory)).toBe(newDump);
    expect(await siblings(directory)).toEqual([]);
    expect(await readdir(directory)).not.toContain('stale-file.bin');
  });

  it('rolls it forward from halfway through moving the old files out', async () => {
    const { directory, staging } = await setUp();
    await stage(staging, `${deadPid}\nx\n`, { newDatabase: true, committed: true });
    await mkdir(join(staging, 'old'));
    const [first] = await readdir(directory);
    await rename(join(directory, first!), join(staging, 'old', first!));
    expect(await openDump(directory)).toBe(newDump);
    expect(await siblings(directory)).toEqual([]);
  });

  it('rolls it forward from halfway through moving the new files in', async () => {
    const { directory, staging } = await setUp();
    await stage(staging, `${deadPid}\nx\n`, { newDatabase: true, committed: true, oldMovedOut: true });
    await mkdir(join(staging, 'old'));
    for (const name of await readdir(directory)) await rename(join(directory, name), join(staging, 'old', name));
    const newFiles = await readdir(join(staging, 'new'));
    for (const name of newFiles.slice(0, 2)) await rename(join(staging, 'new', name), join(directory, name));
    expect(await openDump(directory)).toBe(newDump);
    expect(await siblings(directory)).toEqual([]);
  });

  it('only removes what is left once the commit marker is gone', async () => {
    const { directory, staging } = await setUp();
    await stage(staging, `${deadPid}\nx\n`, { oldMovedOut: true });
    await mkdir(join(staging, 'old'));
    await writeFile(join(staging, 'old', 'database.ocf'), 'an old file that was already replaced');
    expect(await openDump(directory)).toBe(oldDump);
    expect(await siblings(directory)).toEqual([]);
  });
});
