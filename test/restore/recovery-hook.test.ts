/**
 * The before-open hook of src/restore/recovery-hook.ts: it finishes an interrupted restore of a
 * `plocal:` database when the database is opened, and never touches a `memory:` database's files.
 * Everything runs on memory file systems.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import type { FileSystem } from '../../src/fs/index.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import '../../src/restore/recovery-hook.js';

const FAST = { scryptCost: 16 } as const;

async function writeFile(fs: FileSystem, path: string, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const handle = await fs.open(path, 'wx');
  await handle.write(bytes, 0, bytes.length, 0);
  await handle.close();
}

async function names(fs: FileSystem, directory: string): Promise<string[]> {
  return (await fs.readdir(directory)).map((entry) => entry.name).sort();
}

/** Lays out a committed restore of `directory` (staging `new/` holding `files`), as a crash after the commit leaves it. */
async function committedStaging(fs: FileSystem, staging: string, files: ReadonlyMap<string, Buffer>): Promise<void> {
  await fs.mkdir(`${staging}/new`, { recursive: true });
  await writeFile(fs, `${staging}/owner`, '1\nx\n');
  for (const [name, bytes] of files) {
    const handle = await fs.open(`${staging}/new/${name}`, 'wx');
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.close();
  }
  await writeFile(fs, `${staging}/COMMITTED`, '{}\n');
}

/** The files of the database directory `directory`, by name (the lock file left out). */
async function filesOf(fs: FileSystem, directory: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await fs.readdir(directory)) {
    if (entry.isFile && entry.name !== 'database.lock') files.set(entry.name, await fs.readFile(`${directory}/${entry.name}`));
  }
  return files;
}

describe('the restore recovery hook', () => {
  it('finishes a committed restore of a plocal database when it is opened', async () => {
    const memory = new MemoryFileSystem();
    await memory.mkdir('/h', { recursive: true });
    const source = await Database.create('plocal:/h/source', { ...FAST, fs: memory });
    await source.createClass('Item');
    await source.insert('Item', { from: 'the restored state' });
    const restoredDump = await source.dump();
    await source.close();
    const target = await Database.create('plocal:/h/db', { ...FAST, fs: memory });
    await target.createClass('Other');
    await target.close();
    await committedStaging(memory, '/h/.db.restore-0123456789ab', await filesOf(memory, '/h/source'));
    const reopened = await Database.open('plocal:/h/db', 'admin', 'admin', { ...FAST, fs: memory });
    expect(await reopened.dump()).toBe(restoredDump);
    await reopened.close();
    expect(await names(memory, '/h')).toEqual(['db', 'source']);
  });

  it('leaves a memory database’s own file system alone', async () => {
    const url = `memory:rflow-hook-${process.pid}`;
    const db = await Database.create(url, FAST);
    await db.createClass('Item');
    await db.insert('Item', { kept: true });
    const dump = await db.dump();
    const fs = db.storage.fs;
    // A committed "restore" beside the memory database's directory: a plocal hook would roll it forward.
    await committedStaging(fs, '/.database.restore-0123456789ab', new Map([['database.ocf', Buffer.from('not a database')]]));
    await db.close();
    const reopened = await Database.open(url, 'admin', 'admin', FAST);
    try {
      expect(await reopened.dump()).toBe(dump);
      expect(await names(fs, '/')).toContain('.database.restore-0123456789ab');
    } finally {
      await reopened.close();
      await Database.drop(url, 'admin', 'admin', FAST);
    }
  });
});
