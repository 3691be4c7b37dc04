/**
 * Chains and restore targets the incremental scenarios start from.
 *
 * @packageDocumentation
 */
import { cp, rm } from 'node:fs/promises';
import type { Connection, RestoreOptions } from '../../../adapter.js';
import { expectCode } from '../../../assertions.js';
import type { ScenarioContext } from '../../../scenario.js';
import { directoryState, expectDirectoryUnchanged } from './chain.js';
import { expectIntact } from './database.js';

/** A chain written by a database, with the dump it had at each file. */
export interface BuiltChain {
  /** A connection to the database that wrote the chain. */
  readonly source: Connection;
  /** The database's name (its directory under the work directory). */
  readonly sourceName: string;
  /** The chain directory. */
  readonly dir: string;
  /** The names of the files, by index. */
  readonly names: readonly string[];
  /** The dump of the database at each file, by index. */
  readonly dumps: readonly string[];
  /** The record ids of class `Item`, live or deleted, in insertion order. */
  readonly rids: readonly string[];
}

/**
 * Creates database `sourceName` (default `source`) with a class `Item`, and writes `files`
 * incremental files into `dir` (default `<workdir>/chain`): 4 records before the first, then
 * before each later one an insert, an update and (from the third file on) a delete.
 */
export async function buildChain(
  ctx: ScenarioContext,
  options: { readonly files?: number; readonly dir?: string; readonly sourceName?: string; readonly tag?: string } = {},
): Promise<BuiltChain> {
  const files = options.files ?? 3;
  const dir = options.dir ?? ctx.path('chain');
  const sourceName = options.sourceName ?? 'source';
  const tag = options.tag ?? sourceName;
  const source = await ctx.newDatabase(sourceName);
  await source.createClass('Item');
  const rids: string[] = [];
  for (let n = 1; n <= 4; n++) rids.push((await source.insert('Item', { n, tag, note: `first ${n}` })).rid);
  const names: string[] = [];
  const dumps: string[] = [];
  for (let index = 0; index < files; index++) {
    if (index > 0) {
      rids.push((await source.insert('Item', { n: rids.length + 1, tag, note: `added before file ${index}` })).rid);
      await source.update(rids[index % 4]!, { n: (index % 4) + 1, tag, note: `updated before file ${index}` });
      if (index >= 2) await source.delete(rids[rids.length - 2]!);
    }
    names.push(await source.incrementalBackup(dir));
    dumps.push(await source.dump());
  }
  return { source, sourceName, dir, names, dumps, rids };
}

/** A database to restore into, with a class `Target` and one record, and its dump. */
export async function restoreTarget(ctx: ScenarioContext, name = 'target'): Promise<{ target: Connection; dump: string; path: string }> {
  const target = await ctx.newDatabase(name);
  await target.createClass('Target');
  await target.insert('Target', { before: 'restore' });
  return { target, dump: await target.dump(), path: ctx.path(name) };
}

/** Copies the directory `from` to a fresh directory `to` (removing what was there). */
export async function copyDirectory(from: string, to: string): Promise<string> {
  await rm(to, { recursive: true, force: true });
  await cp(from, to, { recursive: true });
  return to;
}

let targets = 0;

/**
 * Restores the directory `dir` into a fresh target database and expects the refusal `code`; checks
 * the target is intact, its files byte-identical. Resolves the error (for checks of its message).
 */
export async function expectChainRefused(
  ctx: ScenarioContext,
  dir: string,
  code: string,
  what: string,
  options: { readonly restoreOptions?: RestoreOptions; readonly targetName?: string } = {},
): Promise<Error> {
  const { target, dump, path } = await restoreTarget(ctx, options.targetName ?? `target-${++targets}`);
  const before = await directoryState(path);
  const error = await expectCode(target.restore({ kind: 'directory', path: dir }, options.restoreOptions ?? null, null, null), code, what);
  await expectDirectoryUnchanged(path, before, what);
  await expectIntact(target, dump, 'Target', what);
  await target.close();
  return error;
}
