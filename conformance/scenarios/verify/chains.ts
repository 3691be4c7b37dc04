/**
 * Verify on directories of incremental backups (VERIFY-007, VERIFY-008).
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connection } from '../../adapter.js';
import { codeOf } from '../../assertions.js';
import { scenario, type ScenarioContext } from '../../scenario.js';
import { CLASS, seededDatabase } from '../restore/support.js';

/** The `.ibu` files of a directory, in name order. */
async function chainFiles(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.endsWith('.ibu')).sort();
}

/** Writes a chain of `length` files into `<workdir>/<name>` with changes between them; resolves the directory and its files in chain order. */
async function makeChain(ctx: ScenarioContext, conn: Connection, name: string, length: number): Promise<{ directory: string; files: string[] }> {
  const directory = ctx.path(name);
  const files: string[] = [];
  for (let index = 0; index < length; index++) {
    if (index > 0) await conn.insert(CLASS, { chain: name, index });
    files.push(await conn.incrementalBackup(directory));
  }
  return { directory, files };
}

/** Copies a chain directory to `<workdir>/<name>`. */
async function copyChain(ctx: ScenarioContext, from: string, name: string): Promise<string> {
  const to = ctx.path(name);
  await mkdir(to);
  for (const file of await readdir(from)) await copyFile(join(from, file), join(to, file));
  return to;
}

async function flipByte(path: string, where: (length: number) => number): Promise<void> {
  const bytes = await readFile(path);
  const at = where(bytes.length);
  bytes[at] = bytes[at]! ^ 0x10;
  await writeFile(path, bytes);
}

/** The code a restore of the chain in `directory` rejects with, or undefined when it succeeds. */
async function restoreCode(conn: Connection, directory: string): Promise<string | undefined> {
  try {
    await conn.restore({ kind: 'directory', path: directory }, null, null, null);
    return undefined;
  } catch (error) {
    return codeOf(error) ?? 'no code';
  }
}

export default [
  scenario({
    id: 'verify/chain-file-by-file',
    title: 'a chain written by the implementation is valid; every chain defect is reported with the code a restore of it gives',
    requirements: ['VERIFY-007'],
    features: ['verify', 'incremental'],
    timeoutMs: 60_000,
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const { directory, files } = await makeChain(ctx, db.conn, 'chain', 3);
      const report = await ctx.impl.verify(directory);
      assert.equal(report.valid, true, `a chain written by the implementation was reported invalid (${report.code ?? ''}): ${report.lines.join(' | ')}`);
      const foreign = await seededDatabase(ctx, 'foreign', 2);
      const other = await makeChain(ctx, foreign.conn, 'other-chain', 2);
      const defects: [string, (copy: string) => Promise<void>][] = [
        ['a missing middle file', (copy) => rm(join(copy, files[1]!))],
        ['a flipped byte in the first file', (copy) => flipByte(join(copy, files[0]!), (length) => Math.floor(length / 2))],
        ['a flipped byte in the last file', (copy) => flipByte(join(copy, files[2]!), (length) => Math.floor(length / 3))],
        ['a truncated last file', async (copy) => writeFile(join(copy, files[2]!), (await readFile(join(copy, files[2]!))).subarray(0, 40))],
        ['a file of another database', async (copy) => {
          await rm(join(copy, files[1]!));
          await copyFile(join(other.directory, other.files[1]!), join(copy, files[1]!));
        }],
        ['two files with one index', (copy) => copyFile(join(copy, files[2]!), join(copy, files[2]!.replace(/\.ibu$/, '-copy.ibu')))],
        ['an empty directory', async (copy) => {
          for (const file of await chainFiles(copy)) await rm(join(copy, file));
        }],
        ['an empty file', (copy) => writeFile(join(copy, files[2]!), Buffer.alloc(0))],
        ['files renamed out of order', async (copy) => {
          await rename(join(copy, files[0]!), join(copy, `z-${files[0]!}`));
        }],
      ];
      const target = await seededDatabase(ctx, 'target', 1);
      for (const [index, [what, damage]] of defects.entries()) {
        const copy = await copyChain(ctx, directory, `defect-${index}`);
        await damage(copy);
        const verified = await ctx.impl.verify(copy);
        const restored = await restoreCode(target.conn, copy);
        assert.equal(verified.valid, restored === undefined, `${what}: verify says ${verified.valid ? 'valid' : `invalid (${verified.code})`}, a restore ${restored === undefined ? 'succeeds' : `refuses it with ${restored}`}`);
        if (restored !== undefined) assert.equal(verified.code, restored, `${what}: verify reports ${verified.code}, a restore refuses the directory with ${restored}`);
        assert.equal(verified.lines.at(-1), verified.valid ? 'verdict: valid' : `verdict: invalid (${verified.code})`, `${what}: the last line is not the verdict`);
      }
    },
  }),

  scenario({
    id: 'verify/chain-sound-prefix',
    title: 'when a chain is invalid, every file before the first defective one has the line ok',
    requirements: ['VERIFY-008'],
    features: ['verify', 'incremental'],
    timeoutMs: 60_000,
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const { directory, files } = await makeChain(ctx, db.conn, 'chain', 4);
      await flipByte(join(directory, files[3]!), (length) => Math.floor(length / 2));
      const report = await ctx.impl.verify(directory);
      assert.equal(report.valid, false, 'a chain whose last file is damaged was reported valid');
      for (const file of files.slice(0, 3)) {
        assert.ok(report.lines.some((line) => line.includes(file) && /\bok\b/.test(line)), `no "ok" line for ${file}, before the damaged file: ${report.lines.join(' | ')}`);
      }
    },
  }),
];
