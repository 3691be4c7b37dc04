/**
 * What the backup scenarios share: filling a database, probe writes and the *held* / *unlocked*
 * observations of spec/README.md, reading the archive an implementation wrote, and checking that
 * it restores to a given dump. Everything goes through the adapter or the files on disk.
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import type { BackupOutput, Connection, JsonObject } from '../../../adapter.js';
import { codeOf, settlesWithin } from '../../../assertions.js';
import { crossCheckWithYauzl, inspectZip, type ZipEntryInspection, type ZipInspection } from '../../../support/zip-inspect.js';

/** The class the scenarios write to. */
export const ITEM = 'Item';

/** The manifest's entry name (spec/backup.md BACKUP-008). */
export const MANIFEST = 'backup-manifest.json';

/** How long a call must stay pending to count as *held* (spec/README.md). */
export const HELD_MS = 300;

/** How long a probe write may take on an *unlocked* database (spec/README.md). */
export const UNLOCKED_MS = 10_000;

/** A deterministic sentence of about `size` characters of varied words (compressible, not trivially). */
export function text(size: number, seed = 0): string {
  const words = ['backup', 'restore', 'orient', 'record', 'cluster', 'page', 'freeze', 'snapshot', 'archive', 'manifest', 'level', 'buffer'];
  let state = (seed * 2654435761 + 1) >>> 0;
  let out = '';
  while (out.length < size) {
    state = (Math.imul(state ^ (state >>> 15), 2246822507) + 3266489909) >>> 0;
    out += `${words[state % words.length]}${state % 1000} `;
  }
  return out.slice(0, size);
}

/** Random-looking printable text of `size` characters that compresses poorly. */
export function noise(size: number, seed = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let state = (seed * 747796405 + 2891336453) >>> 0;
  const chars: string[] = new Array<string>(size);
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    chars[i] = alphabet[state >>> 26]!;
  }
  return chars.join('');
}

/**
 * Creates class {@link ITEM} (when `conn`'s database lacks it) and inserts `count` records of
 * about `size` characters of text each; resolves their record ids.
 */
export async function fill(conn: Connection, count = 20, size = 200, seed = 0): Promise<string[]> {
  await conn.createClass(ITEM).catch((error: unknown) => {
    if (codeOf(error) !== 'ERR_CLASS_EXISTS') throw error;
  });
  const rids: string[] = [];
  for (let i = 0; i < count; i++) rids.push((await conn.insert(ITEM, { n: i, text: text(size, seed * 1000 + i) })).rid);
  return rids;
}

/** A *probe write*: an insert into {@link ITEM} from `conn` (a connection other than the one backing up). */
export function probeWrite(conn: Connection, content: JsonObject = { probe: true }): Promise<unknown> {
  const write = conn.insert(ITEM, content);
  write.catch(() => {});
  return write;
}

/** How late the {@link HELD_MS} timer may fire before {@link expectHeld} calls the event loop starved. */
const STARVED_MS = 100;

/**
 * Asserts that `promise` is *held*: still pending {@link HELD_MS} ms from now. When the timer fires
 * much later than asked (a starved event loop, on a loaded machine), a timer that let the call go
 * may have fired in the same turn, before the call could finish: the call then gets another
 * {@link HELD_MS} ms to show that it was let go. This can only make the check stricter.
 */
export async function expectHeld(promise: Promise<unknown>, what: string): Promise<void> {
  const started = performance.now();
  let settled = await settlesWithin(promise, HELD_MS);
  if (!settled && performance.now() - started > HELD_MS + STARVED_MS) settled = await settlesWithin(promise, HELD_MS);
  assert.equal(settled, false, `${what} should be held (still pending after ${HELD_MS} ms), but it settled`);
}

/**
 * Resolves `true` as soon as `promise` settles (resolved or rejected), or `false` once `ms`
 * milliseconds passed with it still pending; unlike `settlesWithin`, it does not wait out `ms`
 * when the promise settles early.
 */
export function settlesIn(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const settled = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(settled, settled);
  });
}

/** Asserts that `promise` settles within `ms` (default: the *unlocked* bound) and resolves. */
export async function expectSettles(promise: Promise<unknown>, what: string, ms = UNLOCKED_MS): Promise<void> {
  assert.equal(await settlesIn(promise, ms), true, `${what} should have completed within ${ms} ms, but it is still pending`);
  await promise;
}

/** Asserts that the database is *unlocked*: a probe write from `conn` resolves within {@link UNLOCKED_MS}. */
export async function expectUnlocked(conn: Connection, what = 'a probe write after the backup'): Promise<void> {
  await expectSettles(probeWrite(conn, { probe: 'unlocked?' }), what);
}

/** Resolves the settled outcome of a promise without throwing. */
export async function outcomeOf<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The names in a directory, sorted; empty when it does not exist. */
export async function namesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return [];
    throw error;
  }
}

/** The size of a file, or undefined when nothing is there. */
export async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** A `file` output. */
export function fileOutput(path: string): BackupOutput {
  return { kind: 'file', path };
}

/** A `stream` output (feature `stream-output`). */
export function streamOutput(path: string, misbehaviour: { failAfterBytes?: number; stallAfterBytes?: number } = {}): BackupOutput {
  return { kind: 'stream', path, ...misbehaviour };
}

/** Reads the archive at `path` and inspects it (never throws for a malformed archive). */
export async function inspectArchive(path: string): Promise<ZipInspection> {
  return inspectZip(await readFile(path));
}

/** The entries of an archive other than the manifest and directory entries (its *data entries*). */
export function dataEntries(archive: ZipInspection): ZipEntryInspection[] {
  return archive.entries.filter((entry) => entry.name !== MANIFEST && !entry.isDirectory);
}

/** Asserts that the archive at `path` is a standard ZIP (spec/backup.md BACKUP-006); resolves the inspection. */
export async function expectStandardZip(path: string): Promise<ZipInspection> {
  const bytes = await readFile(path);
  const archive = inspectZip(bytes);
  const problems = [...archive.problems, ...(archive.problems.length === 0 ? await crossCheckWithYauzl(bytes, archive) : [])];
  assert.deepEqual(problems, [], `the archive ${path} is not a standard ZIP`);
  return archive;
}

/** The manifest of an archive, parsed; fails when there is not exactly one readable manifest entry. */
export function manifestOf(archive: ZipInspection): Record<string, unknown> {
  const entries = archive.entries.filter((entry) => entry.name === MANIFEST);
  assert.equal(entries.length, 1, `the archive should hold exactly one ${MANIFEST} entry, it holds ${entries.length}`);
  const data = entries[0]!.data;
  assert.ok(data !== undefined, `the ${MANIFEST} entry cannot be read`);
  const manifest = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as unknown;
  assert.ok(typeof manifest === 'object' && manifest !== null && !Array.isArray(manifest), `${MANIFEST} is not a JSON object`);
  return manifest as Record<string, unknown>;
}

let changes = 0;

/**
 * Asserts that the archive at `path` *restores to* `expectedDump`: after a change (a new class
 * with a record, so that the restore has something to undo), the archive is restored into the
 * same database through `conn` (spec/restore.md RESTORE-001) and the dump must equal
 * `expectedDump`.
 */
export async function expectRestoresTo(conn: Connection, path: string, expectedDump: string, what = 'the restored database'): Promise<void> {
  const marker = `AfterBackup${++changes}`;
  await conn.createClass(marker);
  await conn.insert(marker, { changedAfterTheBackup: true });
  await conn.restore({ kind: 'file', path }, null, null, null);
  assert.equal(await conn.dump(), expectedDump, `${what} should equal the dump at the lock`);
}

/** Asserts that `error` carries `code`. */
export function expectErrorCode(error: unknown, code: string, what: string): void {
  const actual = codeOf(error);
  assert.equal(actual, code, `${what}: expected code ${code}, received ${actual ?? 'no code'} (${error instanceof Error ? error.message : String(error)})`);
}
