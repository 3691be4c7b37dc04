/**
 * Helpers of the full-backup tests: databases in temporary directories, archives read back with
 * the package's safe reader, and a restore check that needs no restore module (the archive is
 * extracted into a fresh directory and opened as a database).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import { extractArchive, openArchive } from '../../src/archive/read/index.js';
import { MANIFEST_ENTRY } from '../../src/backup/manifest.js';
import { Database, type EngineOptions } from '../../src/engine/index.js';
import { isCodedError } from '../../src/errors.js';

/** Cheap password hashing: the tests create many databases. */
export const FAST = { scryptCost: 16 } as const;

/** A fresh directory, removed by `cleanup`. */
export async function tempDir(prefix = 'backup-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Creates `plocal:<dir>/<name>` as admin/admin with cheap hashing. */
export function createDatabase(dir: string, name = 'db', options: EngineOptions = {}): Promise<Database> {
  return Database.create(`plocal:${join(dir, name)}`, { ...FAST, ...options });
}

/** Opens another session on the database created by {@link createDatabase}. */
export function openDatabase(dir: string, name = 'db', user = 'admin', password = 'admin'): Promise<Database> {
  return Database.open(`plocal:${join(dir, name)}`, user, password, FAST);
}

/** Creates class `Item` (unless it exists) and inserts `count` records of about `size` bytes. */
export async function fillItems(db: Database, count: number, size = 200, seed = 0): Promise<void> {
  if (!db.classes().some((info) => info.name === 'Item')) await db.createClass('Item');
  for (let i = 0; i < count; i++) {
    let text = '';
    let state = (seed * 7919 + i * 104729 + 1) >>> 0;
    while (text.length < size) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      text += `word${state % 97} `;
    }
    await db.insert('Item', { n: i, text: text.slice(0, size) });
  }
}

/** One entry of an archive, with its bytes. */
export interface ArchiveEntry {
  readonly name: string;
  readonly method: 0 | 8;
  readonly compressedSize: number;
  readonly size: number;
  readonly data: Buffer;
}

/** Reads an archive with the package's safe reader (which checks every CRC and size). */
export async function readZip(source: string | Uint8Array): Promise<{ comment: string; size: number; entries: ArchiveEntry[] }> {
  const archive = await openArchive(source);
  try {
    const entries: ArchiveEntry[] = [];
    for (const info of archive.index.entries) {
      const chunks: Buffer[] = [];
      for await (const chunk of archive.readEntry(info.name)) chunks.push(chunk);
      entries.push({ name: info.name, method: info.method, compressedSize: info.compressedSize, size: info.uncompressedSize, data: Buffer.concat(chunks) });
    }
    return { comment: archive.index.comment, size: archive.index.size, entries };
  } finally {
    await archive.close();
  }
}

let restores = 0;

/**
 * The dump of the database an archive holds: its files are extracted into a fresh directory
 * under `workDir` (the manifest left out) and opened as a database.
 */
export async function restoredDump(archive: string | Uint8Array, workDir: string): Promise<string> {
  const target = join(workDir, `restored-${++restores}`);
  await extractArchive(archive, target);
  await rm(join(target, MANIFEST_ENTRY), { force: true });
  const db = await Database.open(`plocal:${target}`, 'admin', 'admin', FAST);
  try {
    return await db.dump();
  } finally {
    await db.close();
  }
}

/** A writable stream in memory that records the length of every write. */
export class MemorySink extends Writable {
  readonly writes: number[] = [];
  private readonly chunks: Buffer[] = [];

  constructor(private readonly behaviour: { failAfterBytes?: number; stallAfterBytes?: number } = {}) {
    super();
  }

  /** Everything written so far. */
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes.push(chunk.length);
    const total = this.bytes.length + chunk.length;
    if (this.behaviour.failAfterBytes !== undefined && total > this.behaviour.failAfterBytes) {
      callback(new Error('sink failed on purpose'));
      return;
    }
    if (this.behaviour.stallAfterBytes !== undefined && total > this.behaviour.stallAfterBytes) return;
    this.chunks.push(Buffer.from(chunk));
    callback();
  }
}

/** Resolves true when `promise` is still pending after `ms` milliseconds (and as soon as it settles, false). */
export function stillPending(promise: Promise<unknown>, ms = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    const settled = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    promise.then(settled, settled);
  });
}

/** Asserts that a write from `db` completes within 10 s (the database is not locked). */
export async function expectUnlocked(db: Database): Promise<void> {
  const write = db.insert('Item', { probe: true });
  expect(await stillPending(write, 10_000)).toBe(false);
  await write;
}

/** Asserts that `action` rejects with a coded error `code`; resolves the error. */
export async function expectCode(action: Promise<unknown> | (() => unknown), code: string): Promise<Error & { code: string; cause?: unknown; details?: Record<string, unknown> }> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    if (!isCodedError(error)) throw error;
    expect(error.code, error.message).toBe(code);
    return error as never;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/** The names in a directory, sorted. */
export async function namesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}
