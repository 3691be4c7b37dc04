/**
 * The archives the interoperability tests hand to other tools: full backups of one reference
 * database at every compression level 0-9 and the files of an incremental chain, all written by
 * the reference's own `db.backup` / `db.incrementalBackup`, and our own reading of each.
 */
import { copyFile, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { openArchive } from '../../../src/archive/read/index.js';
import { Database, PAGE_SIZE } from '../../../src/engine/index.js';
import type { ListedEntry } from './readers.js';

/** One archive under test. */
export interface InteropArchive {
  /** `level-<n>` or `incremental-<index>`. */
  readonly label: string;
  readonly path: string;
  /** The compression level a full backup was written at; undefined for incremental files. */
  readonly level?: number;
}

/** The archives, in a temporary directory removed by `cleanup`. */
export interface InteropBackups {
  readonly archives: readonly InteropArchive[];
  readonly cleanup: () => Promise<void>;
}

/** Every compression level a backup accepts. */
export const LEVELS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** Text that compresses a little: words drawn from a small generator, with non-ASCII letters. */
function prose(length: number, seed: number): string {
  const words = ['backup', 'restore', 'página', 'größe', 'données', 'θ', 'record', 'cluster', '页面', 'wal'];
  let state = seed >>> 0;
  let text = '';
  while (text.length < length) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    text += `${words[state % words.length]} `;
  }
  return text.slice(0, length);
}

/**
 * Creates a database (records from a few bytes to more than a page, non-ASCII text, an update,
 * a deletion, an empty class, a second user), then writes the full backups at every level and
 * three incremental files (the full first one, and one after each further change).
 */
export async function makeInteropBackups(): Promise<InteropBackups> {
  const dir = await mkdtemp(join(tmpdir(), 'interop-backups-'));
  const db = await Database.create(`plocal:${join(dir, 'db')}`, { scryptCost: 16 });
  const archives: InteropArchive[] = [];
  try {
    await db.createClass('Item');
    await db.createClass('Empty');
    await db.createUser('reader', 'reader', 'reader');
    const rids: string[] = [];
    for (let i = 0; i < 40; i++) rids.push((await db.insert('Item', { n: i, text: prose(20 + i * 37, i), tags: ['a', String(i)] })).rid);
    await db.insert('Item', { n: 'large', text: prose(PAGE_SIZE * 3, 99) });
    await db.update(rids[3]!, { n: 3, text: 'updated' });
    await db.delete(rids[5]!);
    for (const level of LEVELS) {
      const path = join(dir, `level-${level}.zip`);
      await db.backup(path, null, null, null, level);
      archives.push({ label: `level-${level}`, path, level });
    }
    const chain = join(dir, 'chain');
    await db.incrementalBackup(chain);
    await db.insert('Item', { n: 'after the first incremental backup', text: prose(500, 7) });
    await db.update(rids[4]!, { n: 4, text: 'updated between incremental backups' });
    await db.incrementalBackup(chain);
    await db.delete(rids[6]!);
    await db.incrementalBackup(chain);
    const files = (await readdir(chain)).filter((name) => name.endsWith('.ibu')).sort();
    for (const [index, name] of files.entries()) archives.push({ label: `incremental-${index}`, path: join(chain, name) });
  } finally {
    await db.close();
  }
  return { archives, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Our own reading of an archive, with the project's safe reader: the file entries in central
 * directory order with their declared sizes and CRC-32, after checking that every entry reads
 * back to exactly that size and CRC.
 */
export async function readOurselves(path: string): Promise<ListedEntry[]> {
  const archive = await openArchive(path);
  try {
    const entries: ListedEntry[] = [];
    for (const info of archive.index.entries) {
      if (info.isDirectory) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of archive.readEntry(info.name)) chunks.push(chunk);
      const data = Buffer.concat(chunks);
      if (data.length !== info.uncompressedSize || crc32(data) !== info.crc32) throw new Error(`${path}: ${info.name} does not read back as declared`);
      entries.push({ name: info.name, size: info.uncompressedSize, compressedSize: info.compressedSize, crc32: info.crc32 });
    }
    return entries;
  } finally {
    await archive.close();
  }
}

/**
 * A copy of the archive at `path` (beside it, `<path>.damaged.zip`) with one byte flipped in the
 * middle of its first entry's data, which must be STORED (level 0) so that the flip changes the
 * content and nothing else: every careful reader refuses it on the CRC-32.
 */
export async function damagedCopy(path: string): Promise<string> {
  const archive = await openArchive(path);
  const first = archive.index.entries.find((entry) => !entry.isDirectory && entry.compressedSize > 0)!;
  await archive.close();
  if (first.method !== 0) throw new Error(`damagedCopy(): ${first.name} of ${path} is not STORED`);
  const copy = `${path}.damaged.zip`;
  await copyFile(path, copy);
  const handle = await open(copy, 'r+');
  try {
    const at = first.dataOffset + Math.floor(first.compressedSize / 2);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, at);
  } finally {
    await handle.close();
  }
  return copy;
}
