/**
 * Helpers of the restore and verify scenarios: a small database, backups, the state a refused
 * restore must leave alone (dump, the database directory's bytes, the rest of the work
 * directory), the committed hostile fixtures, and re-zipping a backup.
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection, LockedCallable, MessageListener, RestoreOptions, RestoreSource } from '../../adapter.js';
import { codeOf, settlesWithin } from '../../assertions.js';
import type { ScenarioContext } from '../../scenario.js';
import { findPackageRoot } from '../../spec/locate.js';
import { inspectZip, type ZipEntryInspection } from '../../support/zip-inspect.js';
import { buildZip, type ZipWriteEntry, type ZipWriteOptions } from '../../support/zip-rewrite.js';

/** The class the scenarios fill. */
export const CLASS = 'Item';
/** The manifest entry of a backup (`BACKUP-008`). */
export const MANIFEST = 'backup-manifest.json';

/** A database of the scenario with a second connection to it, for probe writes. */
export interface TestDatabase {
  /** Its name (the last segment of its directory). */
  readonly name: string;
  /** Its directory. */
  readonly directory: string;
  /** Its URL. */
  readonly url: string;
  /** The connection that runs the operations. */
  readonly conn: Connection;
  /** Another connection, for probe writes. */
  readonly other: Connection;
}

/** Creates a database `name` with a class of a few records (one updated, one deleted) and a second connection. */
export async function seededDatabase(ctx: ScenarioContext, name: string, records = 5): Promise<TestDatabase> {
  const conn = await ctx.newDatabase(name);
  await conn.createClass(CLASS);
  const rids: string[] = [];
  for (let i = 0; i < records; i++) rids.push((await conn.insert(CLASS, { n: i, text: `record ${i}`, nested: { list: [i, `${i}`] } })).rid);
  if (records > 1) await conn.update(rids[1]!, { n: 1, text: 'updated once' });
  if (records > 2) await conn.delete(rids[2]!);
  const other = await ctx.impl.openDatabase(ctx.urlOf(name), 'admin', 'admin');
  return { name, directory: ctx.path(name), url: ctx.urlOf(name), conn, other };
}

/** Changes a database in the ways a restore must undo: an insert, an update, a delete, a new class. */
export async function changeDatabase(conn: Connection): Promise<void> {
  const records = await conn.scan(CLASS);
  await conn.insert(CLASS, { n: 'after the backup' });
  if (records[0] !== undefined) await conn.update(records[0].rid, { changed: true });
  if (records[1] !== undefined) await conn.delete(records[1].rid);
  await conn.createClass('Later');
  await conn.insert('Later', { late: true });
}

/** Backs `conn`'s database up to `<workdir>/<file>` (the path helper) and resolves the path. */
export async function backupFile(ctx: ScenarioContext, conn: Connection, file = 'backup.zip', level?: number): Promise<string> {
  const path = ctx.path(file);
  await conn.backup({ kind: 'file', path }, null, null, null, level ?? null, null);
  return path;
}

/** A file source. */
export function fileSource(path: string): RestoreSource {
  return { kind: 'file', path };
}

/** Restores a file (or stream) into `conn` with no options, callable or listener. */
export function restoreFrom(conn: Connection, path: string, kind: 'file' | 'stream' = 'file', options: RestoreOptions | null = null): Promise<void> {
  return conn.restore({ kind, path }, options, null, null);
}

/** Every file under `root`, recursively: relative name -> `<size>:<sha256>`; directories as `dir`. `skip` leaves out top-level names. */
export async function treeState(root: string, skip: readonly string[] = []): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(root, relative), { withFileTypes: true })) {
      const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (relative === '' && skip.includes(entry.name)) continue;
      if (entry.isDirectory()) {
        state[`${name}/`] = 'dir';
        await walk(name);
      } else {
        const path = join(root, name);
        const bytes = await readFile(path);
        state[name] = `${(await stat(path)).size}:${createHash('sha256').update(bytes).digest('hex')}`;
      }
    }
  };
  await walk('');
  return state;
}

/** The names in a directory, sorted. */
export async function namesIn(directory: string): Promise<string[]> {
  return (await readdir(directory)).sort();
}

/** What a refused restore must leave as it was. */
export interface StateBefore {
  readonly dump: string;
  /** The database directory's files (`RESTORE-015`). */
  readonly files: Record<string, string>;
  /** The names in the work directory (`RESTORE-016`). */
  readonly parent: string[];
  /** Every file of the work directory outside the database directory (`RESTORE-017`). */
  readonly outside: Record<string, string>;
}

/** Captures {@link StateBefore} of `db`. */
export async function captureState(ctx: ScenarioContext, db: TestDatabase): Promise<StateBefore> {
  return {
    dump: await db.conn.dump(),
    files: await treeState(db.directory),
    parent: await namesIn(ctx.workdir),
    outside: await treeState(ctx.workdir, [db.name]),
  };
}

/**
 * Asserts that `db` is intact (README "intact"): its dump equals `before`, a probe write from
 * the other connection resolves within 10 s, and the restoring connection still reads.
 */
export async function assertIntact(db: TestDatabase, before: string, what: string): Promise<void> {
  assert.equal(await db.conn.dump(), before, `${what}: the dump changed`);
  await assertProbeResolves(db, what);
  await db.conn.count(CLASS);
}

/** Resolves true as soon as `promise` settles, false when it is still pending after `ms` (README "unlocked": 10 s). */
export async function settlesBefore(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asserts that a probe write from the other connection resolves within 10 s: the database is unlocked. */
export async function assertProbeResolves(db: TestDatabase, what: string): Promise<void> {
  const probe = db.other.insert(CLASS, { probe: what });
  assert.ok(await settlesBefore(probe, 10_000), `${what}: a probe write is still pending after 10 s (the database stayed locked)`);
  await probe;
}

/** Resolves true when `action` rejects (with or without a code: codes are the business of other requirements). */
export async function rejects(action: Promise<unknown>): Promise<boolean> {
  return action.then(
    () => false,
    () => true,
  );
}

/** Runs a restore expected to be refused; resolves the error's code (undefined when it succeeded). */
export async function refusalCode(action: Promise<unknown>): Promise<string | undefined> {
  try {
    await action;
  } catch (error) {
    const code = codeOf(error);
    assert.ok(code !== undefined, `the restore failed without a code: ${error instanceof Error ? error.message : String(error)}`);
    return code;
  }
  return undefined;
}

/** Asserts that `action` (a restore) rejects with `code`; resolves the error. */
export async function expectRefused(action: Promise<unknown>, code: string, what: string): Promise<Error> {
  try {
    await action;
  } catch (error) {
    const actual = codeOf(error);
    if (actual !== code) {
      assert.fail(`${what}: expected ${code}, received ${actual ?? 'no code'} (${error instanceof Error ? error.message : String(error)})`);
    }
    return error as Error;
  }
  return assert.fail(`${what}: expected ${code}, but the restore succeeded`);
}

/** The package's `fixtures/invalid/` directory. */
export function invalidFixturesDirectory(): string {
  return join(findPackageRoot(), 'fixtures', 'invalid');
}

/** The fixtures `fixtures/invalid/<code>--*.zip`, sorted (at least one, else the scenario fails). */
export function fixturesOf(code: string): string[] {
  const directory = invalidFixturesDirectory();
  assert.ok(existsSync(directory), `no fixtures directory at ${directory}`);
  const files = readdirSync(directory)
    .filter((file) => file.startsWith(`${code}--`) && file.endsWith('.zip'))
    .sort()
    .map((file) => join(directory, file));
  assert.ok(files.length > 0, `no fixture for ${code} in ${directory}`);
  return files;
}

/**
 * The fixtures whose defect lies in the archive or in the manifest, which any implementation
 * detects before it looks at database files (`RESTORE-051`): all of `fixtures/invalid/` except
 * those that need the reference's own database format.
 */
export function portableFixtures(): string[] {
  const directory = invalidFixturesDirectory();
  const referenceOnly = /^(ERR_CORRUPT_DATABASE|ERR_CORRUPT_PAGE|ERR_CORRUPT_WAL)--|--reference-format/;
  return readdirSync(directory)
    .filter((file) => file.endsWith('.zip') && !referenceOnly.test(file))
    .sort()
    .map((file) => join(directory, file));
}

/** The code a fixture's file name gives. */
export function fixtureCode(path: string): string {
  return (path.split('/').pop() ?? '').split('--')[0]!;
}

/** The entries of an archive (read with `zip-inspect.ts`), asserting it is a clean one. */
export async function archiveEntries(path: string): Promise<ZipEntryInspection[]> {
  const inspection = inspectZip(await readFile(path));
  assert.deepEqual(inspection.problems, [], `the archive ${path} is not a clean ZIP`);
  return [...inspection.entries];
}

/** The manifest of a backup, parsed. */
export async function manifestOf(path: string): Promise<Record<string, unknown> & { files: { name: string; size: number; sha256: string }[] }> {
  const manifest = (await archiveEntries(path)).find((entry) => entry.name === MANIFEST);
  assert.ok(manifest?.data !== undefined, `${path} has no ${MANIFEST}`);
  return JSON.parse(manifest.data.toString('utf8')) as never;
}

/**
 * Re-zips the backup at `source` into `<workdir>/<file>`: `transform` receives the entries (name,
 * data) and returns the entries to write; `options` go to the writer.
 */
export async function rezip(
  ctx: ScenarioContext,
  source: string,
  file: string,
  transform: (entries: { name: string; data: Buffer }[]) => ZipWriteEntry[],
  options: ZipWriteOptions = {},
): Promise<string> {
  const entries = (await archiveEntries(source)).filter((entry) => !entry.isDirectory).map((entry) => ({ name: entry.name, data: entry.data! }));
  const path = ctx.path(file);
  await writeFile(path, buildZip(transform(entries), options));
  return path;
}

/** Rewrites the manifest of a backup's entries with `change` (sizes and hashes of other entries untouched). */
export function withManifest(entries: { name: string; data: Buffer }[], change: (manifest: Record<string, unknown>) => unknown): ZipWriteEntry[] {
  return entries.map((entry) =>
    entry.name === MANIFEST ? { name: entry.name, data: Buffer.from(JSON.stringify(change(JSON.parse(entry.data.toString('utf8')) as Record<string, unknown>))) } : entry,
  );
}

/** A callable that counts its calls and, while it runs, checks that a probe write from `other` is held. */
export function probingCallable(other: Connection, holdMs = 300): { callable: LockedCallable; calls: () => number; held: () => boolean | undefined; probe: () => Promise<unknown> | undefined } {
  let calls = 0;
  let held: boolean | undefined;
  let probe: Promise<unknown> | undefined;
  return {
    callable: async () => {
      calls++;
      probe = other.insert(CLASS, { probe: 'inside the callable' });
      probe.catch(() => undefined);
      held = !(await settlesWithin(probe, holdMs));
    },
    calls: () => calls,
    held: () => held,
    probe: () => probe,
  };
}

/** A listener recording its messages. */
export function recordingListener(): { listener: MessageListener; messages: string[] } {
  const messages: string[] = [];
  return { listener: (message) => void messages.push(message), messages };
}

let codes: ReadonlySet<string> | undefined;

/** The codes of `spec/errors.md` (read once from the package). */
export function knownCodes(): ReadonlySet<string> {
  codes ??= new Set([...readFileSync(join(findPackageRoot(), 'spec', 'errors.md'), 'utf8').matchAll(/^\| `(ERR_[A-Z0-9_]+)` \|/gm)].map((match) => match[1]!));
  return codes;
}

/**
 * Restores `path` into `db`, which holds `expected` (its dump), and checks the outcome: either a
 * refusal with a code of `spec/errors.md`, the dump unchanged, or success with the dump
 * `restored`. Resolves the code, or undefined after a success (the dump is then `restored`).
 */
export async function restoreSettles(db: TestDatabase, path: string, expected: string, restored: string, what: string): Promise<string | undefined> {
  let code: string | undefined;
  try {
    await db.conn.restore({ kind: 'file', path }, null, null, null);
  } catch (error) {
    code = codeOf(error);
    assert.ok(code !== undefined && knownCodes().has(code), `${what}: refused with ${code ?? 'no code'}, not a code of spec/errors.md (${error instanceof Error ? error.message : String(error)})`);
  }
  const dump = await db.conn.dump();
  if (code === undefined) assert.equal(dump, restored, `${what}: the restore succeeded but gave another database`);
  else assert.equal(dump, expected, `${what}: refused with ${code}, but the database changed`);
  return code;
}
