/**
 * Helpers shared by the console scenarios: running the console, reading its output, checking
 * failures by their `Error: ` line, and reading a ZIP's central directory. Not a scenario.
 *
 * Conventions the console scenarios keep (the negative controls in the reference's tests rely on
 * them): `-c` commands are joined with `; `; keywords are written in capitals; a database the
 * console works on is closed through the adapter before the console runs and reopened afterwards.
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { open, readdir } from 'node:fs/promises';
import type { ConsoleRun, Connection } from '../../adapter.js';
import type { ScenarioContext } from '../../scenario.js';

/** The manual's syntax line of BACKUP DATABASE. */
export const BACKUP_SYNTAX =
  'BACKUP DATABASE <output-file> [-incremental] [-compressionLevel=<compressionLevel>] [-bufferSize=<bufferSize>]';

/** OrientDB's message when no database is selected. */
export const NO_DATABASE_MESSAGE = "Database not selected. Use 'connect <url> <user> <password>' to connect to a database.";

/** A line of the manual's example: `Backup executed in 0.52 seconds`. */
export const BACKUP_EXECUTED = /^Backup executed in \d+\.\d{2} seconds$/;

/** A path as a console word: quoted only when it holds blanks, quotes or separators. */
export function word(path: string): string {
  return /[\s;'"{}[\]\\]/.test(path) ? `"${path.replace(/["\\]/g, (c) => `\\${c}`)}"` : path;
}

/** `CONNECT <url> <user> <password>`. */
export function connect(url: string, user = 'admin', password = 'admin'): string {
  return `CONNECT ${word(url)} ${user} ${password}`;
}

/** Runs `console(['-c', commands joined with '; '])`. */
export function runCommands(ctx: ScenarioContext, commands: readonly string[], cwd?: string): Promise<ConsoleRun> {
  return ctx.impl.console(['-c', commands.join('; ')], { cwd: cwd ?? ctx.workdir });
}

/** Runs the console without arguments, giving it `stdin`. */
export function runInteractive(ctx: ScenarioContext, stdin: string, cwd?: string): Promise<ConsoleRun> {
  return ctx.impl.console([], { stdin, cwd: cwd ?? ctx.workdir });
}

/** The lines of a stream's text (line breaks `\n`; a last empty line dropped). */
export function lines(text: string): string[] {
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
}

/** The lines of standard error that report a failing command. */
export function errorLines(run: ConsoleRun): string[] {
  return lines(run.stderr).filter((line) => line.startsWith('Error: '));
}

/** Describes a run for assertion messages. */
export function describeRun(run: ConsoleRun): string {
  return `exit code ${run.exitCode}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}

/** Asserts that every command of the run succeeded: exit code 0 and no `Error: ` line. */
export function expectSuccess(run: ConsoleRun, what: string): void {
  assert.ok(run.exitCode === 0 && errorLines(run).length === 0, `${what}: expected success, got ${describeRun(run)}`);
}

/**
 * Asserts that a `-c` or script run failed with `code`: exit code 1 and an `Error: ` line on
 * standard error containing the code. Resolves that line.
 */
export function expectFailure(run: ConsoleRun, code: string, what: string): string {
  const line = errorLines(run).find((candidate) => candidate.includes(code));
  assert.ok(run.exitCode === 1 && line !== undefined, `${what}: expected exit code 1 and an "Error: " line with ${code}, got ${describeRun(run)}`);
  return line;
}

/** The lines of standard output that are JSON objects (the records SELECT and INSERT print). */
export function jsonLines(run: ConsoleRun): string[] {
  return lines(run.stdout).filter((line) => line.startsWith('{'));
}

/** Resolves true when something exists at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'r');
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') return true;
    return false;
  }
}

/** The names in a directory, sorted; an empty list when it does not exist. */
export async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** Closes a connection, runs `action`, and resolves its result: the console then has the database to itself. */
export async function closed<T>(connection: Connection, action: () => Promise<T>): Promise<T> {
  await connection.close();
  return action();
}

/** Restores the archive at `path` into a new database of the scenario and resolves that database's dump. */
export async function restoredDump(ctx: ScenarioContext, path: string, name: string): Promise<string> {
  const fresh = await ctx.newDatabase(name);
  try {
    await fresh.restore({ kind: 'file', path }, null, null, null);
    return await fresh.dump();
  } finally {
    await fresh.close();
  }
}

/** Opens a database as admin, resolves its dump and closes it. */
export async function dumpOf(ctx: ScenarioContext, url: string): Promise<string> {
  const connection = await ctx.impl.openDatabase(url, 'admin', 'admin');
  try {
    return await connection.dump();
  } finally {
    await connection.close();
  }
}

/** An entry of a ZIP archive's central directory. */
export interface ZipEntry {
  readonly name: string;
  /** 0 STORED, 8 DEFLATE. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
}

/**
 * Reads the central directory of the ZIP archive at `path` (single disk, no ZIP64: the console
 * scenarios back up small databases). Fails the scenario when the file is not such an archive.
 */
export async function zipEntries(path: string): Promise<ZipEntry[]> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLength);
    await handle.read(tail, 0, tailLength, size - tailLength);
    let eocd = -1;
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    assert.ok(eocd >= 0, `${path} is not a ZIP archive: no end of central directory record`);
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    const cd = Buffer.alloc(cdSize);
    await handle.read(cd, 0, cdSize, cdOffset);
    const entries: ZipEntry[] = [];
    let at = 0;
    for (let i = 0; i < count; i++) {
      assert.equal(cd.readUInt32LE(at), 0x02014b50, `${path}: central directory record ${i} has a wrong signature`);
      const nameLength = cd.readUInt16LE(at + 28);
      entries.push({
        method: cd.readUInt16LE(at + 10),
        compressedSize: cd.readUInt32LE(at + 20),
        size: cd.readUInt32LE(at + 24),
        name: cd.toString('utf8', at + 46, at + 46 + nameLength),
      });
      at += 46 + nameLength + cd.readUInt16LE(at + 30) + cd.readUInt16LE(at + 32);
    }
    return entries;
  } finally {
    await handle.close();
  }
}

/** Creates a small database with a class of records (one larger than a page), closes it and resolves its dump. */
export async function populated(ctx: ScenarioContext, name: string): Promise<string> {
  const conn: Connection = await ctx.newDatabase(name);
  await conn.createClass('Item');
  for (let i = 0; i < 6; i++) await conn.insert('Item', { i, text: `item ${i} `.repeat(8) });
  await conn.insert('Item', { large: 'abcdefgh'.repeat(2048) });
  const dump = await conn.dump();
  await conn.close();
  return dump;
}
