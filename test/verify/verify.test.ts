/**
 * verifyBackup and `backup-conformance verify`: the report's lines and verdict, the dispatch of
 * directories to the chain verifier, the exit statuses, and that nothing is written.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildZip } from '../../conformance/support/zip-rewrite.js';
import { inspectZip } from '../../conformance/support/zip-inspect.js';
import { runCli } from '../../src/cli/cli.js';
import { Database } from '../../src/engine/index.js';
import { verifyArchive, verifyBackup } from '../../src/verify/index.js';
import { backupToFile } from '../restore/_helpers/backup-file.js';
import { seededDatabase, tempDir } from '../restore/_helpers/databases.js';

let work: { path: string; cleanup: () => Promise<void> };
let archive: string;
let names: string[];
beforeAll(async () => {
  work = await tempDir('verify-');
  const db = await seededDatabase(join(work.path, 'db'));
  archive = join(work.path, 'backup.zip');
  names = await backupToFile(db, archive);
  await db.close();
});
afterAll(async () => {
  await work.cleanup();
});

/** A copy of the backup whose entries pass through `change`. */
async function variant(file: string, change: (entries: { name: string; data: Buffer }[]) => Parameters<typeof buildZip>[0]): Promise<string> {
  const entries = inspectZip(await readFile(archive)).entries.map((entry) => ({ name: entry.name, data: entry.data! }));
  const path = join(work.path, file);
  await writeFile(path, buildZip(change(entries)));
  return path;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runCli(['verify', ...args], { stdin: new PassThrough(), stdout, stderr, cwd: work.path, stderrIsTTY: false });
  return { code, stdout: out, stderr: err };
}

describe('verifyBackup on archives', () => {
  it('reports a valid backup with one ok line per entry and the verdict last', async () => {
    const report = await verifyBackup(archive);
    expect(report).toEqual({ valid: true, lines: [...names.map((name) => `${name}: ok`), 'verdict: valid'] });
  });

  it('names the entry whose data is damaged, even the last one, and stops before the manifest checks', async () => {
    const bytes = await readFile(archive);
    const copy = Buffer.from(bytes);
    const manifestData = inspectZip(bytes).entries.at(-1)!;
    expect(manifestData.name).toBe('backup-manifest.json');
    // A bit inside the manifest's (last entry's) compressed data.
    const at = bytes.indexOf(Buffer.from('backup-manifest.json')) + 'backup-manifest.json'.length + 5;
    copy[at] = copy[at]! ^ 0x01;
    await writeFile(join(work.path, 'last-damaged.zip'), copy);
    const report = await verifyBackup(join(work.path, 'last-damaged.zip'));
    expect(report.valid).toBe(false);
    expect(report.lines.at(-2)).toMatch(/^backup-manifest\.json: ERR_ARCHIVE_(CRC_MISMATCH|CORRUPT_DATA|SIZE_MISMATCH) /);
    expect(report.lines.slice(0, -2).every((line) => line.endsWith(': ok'))).toBe(true);
  });

  it('gives a line to a file the manifest lists but the archive lacks, and collects every manifest problem', async () => {
    const missing = await variant('missing.zip', (entries) => entries.filter((entry) => entry.name !== 'item.cpm'));
    const report = await verifyBackup(missing);
    expect(report.code).toBe('ERR_MANIFEST_MISSING_FILE');
    expect(report.lines).toContain("item.cpm: ERR_MANIFEST_MISSING_FILE The manifest lists 'item.cpm', which is not in the archive");
    const several = await variant('several.zip', (entries) => [
      ...entries.map((entry) => (entry.name === 'database.ocf' ? { ...entry, data: Buffer.concat([entry.data, Buffer.from(' ')]) } : entry)),
      { name: 'extra.txt', data: Buffer.from('x') },
    ]);
    const both = await verifyBackup(several);
    expect(both.code).toBe('ERR_MANIFEST_UNLISTED_FILE');
    expect(both.lines.find((line) => line.startsWith('extra.txt:'))).toMatch(/ERR_MANIFEST_UNLISTED_FILE/);
    expect(both.lines.find((line) => line.startsWith('database.ocf:'))).toMatch(/ERR_MANIFEST_MISMATCH/);
  });

  it('reports the verdict alone when nothing could be read, and never writes', async () => {
    await writeFile(join(work.path, 'text.zip'), 'plain text');
    const before = await readdir(work.path);
    expect(await verifyBackup(join(work.path, 'text.zip'))).toEqual({ valid: false, code: 'ERR_NOT_A_ZIP', lines: ['verdict: invalid (ERR_NOT_A_ZIP)'] });
    expect(await verifyBackup(join(work.path, 'nothing.zip'))).toEqual({ valid: false, code: 'ERR_ARCHIVE_NOT_FOUND', lines: ['verdict: invalid (ERR_ARCHIVE_NOT_FOUND)'] });
    expect(await readdir(work.path)).toEqual(before);
  });

  it('applies limits when asked', async () => {
    expect((await verifyArchive(archive, { limits: { maxEntries: 2 } })).code).toBe('ERR_ARCHIVE_LIMIT_EXCEEDED');
  });

  it('hands a directory to the chain verifier', async () => {
    const db = await Database.open(`plocal:${join(work.path, 'db')}`, 'admin', 'admin', { scryptCost: 16 });
    const chain = join(work.path, 'chain');
    try {
      await db.incrementalBackup(chain);
      await db.insert('Item', { more: true });
      await db.incrementalBackup(chain);
    } finally {
      await db.close();
    }
    const report = await verifyBackup(chain);
    expect(report.valid).toBe(true);
    expect(report.lines.at(-1)).toBe('verdict: valid');
    expect(report.lines.length).toBe(3);
  });
});

describe('backup-conformance verify', () => {
  it('prints the lines and exits 0 for a valid backup, 1 for an invalid one, 2 for a usage error', async () => {
    const valid = await cli('backup.zip');
    expect(valid).toMatchObject({ code: 0, stderr: '' });
    expect(valid.stdout.trim().split('\n').at(-1)).toBe('verdict: valid');
    const invalid = await cli(join(work.path, 'text.zip'));
    expect(invalid).toEqual({ code: 1, stdout: 'verdict: invalid (ERR_NOT_A_ZIP)\n', stderr: '' });
    expect((await cli()).code).toBe(2);
    expect((await cli('a.zip', 'b.zip')).code).toBe(2);
    expect((await cli('--bogus')).code).toBe(2);
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: backup-conformance verify <archive\|directory>/);
  });
});
