/**
 * Verify on archives (VERIFY-001 to VERIFY-006): valid backups are valid, every defect a restore
 * refuses is reported with the same code, the report's lines, no side effects, no database.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Connection, VerifyReport } from '../../adapter.js';
import { codeOf } from '../../assertions.js';
import { scenario, type ScenarioContext } from '../../scenario.js';
import { zipLayout } from '../../support/zip-rewrite.js';
import { Random } from '../restore/random.js';
import {
  MANIFEST,
  archiveEntries,
  backupFile,
  fixtureCode,
  fixturesOf,
  namesIn,
  portableFixtures,
  rezip,
  seededDatabase,
  treeState,
} from '../restore/support.js';

/** The code a restore of `path` into `conn` rejects with, or undefined when it succeeds. */
async function restoreCode(conn: Connection, path: string): Promise<string | undefined> {
  try {
    await conn.restore({ kind: 'file', path }, null, null, null);
    return undefined;
  } catch (error) {
    return codeOf(error) ?? 'no code';
  }
}

function assertVerdict(report: VerifyReport, what: string): void {
  const last = report.lines.at(-1);
  assert.equal(last, report.valid ? 'verdict: valid' : `verdict: invalid (${report.code})`, `${what}: the last line is not the verdict`);
}

/** Damaged copies of a small backup: truncations, flipped header bits, random mutations, a bad last entry, a re-zip without manifest. */
async function damagedCopies(ctx: ScenarioContext, archive: string): Promise<string[]> {
  const bytes = await readFile(archive);
  const layout = zipLayout(bytes);
  const random = new Random(ctx.seed);
  const copies: Buffer[] = [];
  for (let i = 0; i < Math.max(4, ctx.runs); i++) copies.push(bytes.subarray(0, random.int(0, bytes.length - 1)));
  for (let i = 0; i < Math.max(8, ctx.runs * 2); i++) {
    const [start, end] = random.pick([layout.endRecord, ...layout.entries.flatMap((entry) => [entry.localHeader, entry.centralRecord])]);
    const copy = Buffer.from(bytes);
    const at = random.int(start, end - 1);
    copy[at] = copy[at]! ^ (1 << random.int(0, 7));
    copies.push(copy);
  }
  for (let i = 0; i < Math.max(4, ctx.runs); i++) {
    const copy = Buffer.from(bytes);
    for (let n = random.int(1, 3); n > 0; n--) copy[random.int(0, copy.length - 1)] = random.int(0, 255);
    copies.push(copy);
  }
  const last = layout.entries.at(-1)!;
  const lastData = Buffer.from(bytes);
  lastData[last.data[1] - 1] = lastData[last.data[1] - 1]! ^ 0x01;
  copies.push(lastData);
  const paths: string[] = [];
  for (const [index, copy] of copies.entries()) {
    const path = ctx.path(`damaged-${index}.zip`);
    await writeFile(path, copy);
    paths.push(path);
  }
  paths.push(await rezip(ctx, archive, 'no-manifest.zip', (entries) => entries.filter((entry) => entry.name !== MANIFEST)));
  return paths;
}

export default [
  scenario({
    id: 'verify/valid-backup',
    title: 'a backup written by the implementation is reported valid, without a code',
    requirements: ['VERIFY-001'],
    features: ['verify'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      for (const level of [0, 9]) {
        const report = await ctx.impl.verify(await backupFile(ctx, db.conn, `level-${level}.zip`, level));
        assert.equal(report.valid, true, `a level-${level} backup was reported invalid (${report.code ?? 'no code'}): ${report.lines.join(' | ')}`);
        assert.equal(report.code, undefined, 'a valid report carries a code');
      }
    },
  }),

  scenario({
    id: 'verify/report-lines',
    title: 'the report has one line per file (name and ok or the code) and the verdict last',
    requirements: ['VERIFY-002'],
    features: ['verify'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const names = (await archiveEntries(archive)).filter((entry) => !entry.isDirectory).map((entry) => entry.name);
      const valid = await ctx.impl.verify(archive);
      assert.equal(valid.lines.length, names.length + 1, `a valid report has ${valid.lines.length} lines for ${names.length} entries`);
      for (const name of names) assert.ok(valid.lines.some((line) => line.includes(name) && /\bok\b/.test(line)), `no "ok" line names ${name}`);
      assert.equal(valid.lines.at(-1), 'verdict: valid');
      const damaged = await rezip(ctx, archive, 'crc.zip', (entries) => entries.map((entry, index) => (index === 1 ? { ...entry, declare: { crc32: 12345 } } : entry)));
      const invalid = await ctx.impl.verify(damaged);
      assert.equal(invalid.valid, false);
      assert.equal(invalid.code, 'ERR_ARCHIVE_CRC_MISMATCH');
      assert.ok(invalid.lines.some((line) => line.includes(names[1]!) && line.includes('ERR_ARCHIVE_CRC_MISMATCH')), `no line names ${names[1]} with its code`);
      for (const name of names) assert.ok(invalid.lines.some((line) => line.includes(name)), `the invalid report has no line for ${name}`);
      assertVerdict(invalid, 'a CRC mismatch');
      for (const [path, code] of [[fixturesOf('ERR_NOT_A_ZIP')[0]!, 'ERR_NOT_A_ZIP'], [ctx.path('missing.zip'), 'ERR_ARCHIVE_NOT_FOUND']] as const) {
        const report = await ctx.impl.verify(path);
        assert.deepEqual(report.lines, [`verdict: invalid (${code})`], `${path}: checking stopped before any file, so the verdict should be the only line`);
      }
    },
  }),

  scenario({
    id: 'verify/same-code-as-restore',
    title: 'verify reports exactly what a restore of the same bytes does: valid when it restores, else its code',
    requirements: ['VERIFY-003'],
    features: ['verify'],
    property: true,
    timeoutMs: 120_000,
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const target = await seededDatabase(ctx, 'target', 1);
      for (const path of [archive, ...portableFixtures(), ...(await damagedCopies(ctx, archive))]) {
        const report = await ctx.impl.verify(path);
        const restored = await restoreCode(target.conn, path);
        assert.equal(report.valid, restored === undefined, `${path}: verify says ${report.valid ? 'valid' : `invalid (${report.code})`}, a restore ${restored === undefined ? 'succeeds' : `refuses it with ${restored}`}`);
        if (restored !== undefined) assert.equal(report.code, restored, `${path}: verify reports ${report.code}, a restore refuses it with ${restored}`);
        assertVerdict(report, path);
      }
    },
  }),

  scenario({
    id: 'verify/changes-nothing',
    title: 'verify leaves the archive and its directory exactly as they were',
    requirements: ['VERIFY-004'],
    features: ['verify'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const damaged = ctx.path('damaged.zip');
      await writeFile(damaged, (await readFile(archive)).subarray(0, 100));
      for (const path of [archive, damaged, ...fixturesOf('ERR_ARCHIVE_PATH_TRAVERSAL').slice(0, 2)]) {
        const directory = dirname(path);
        const names = await namesIn(directory);
        const files = directory === ctx.workdir ? await treeState(ctx.workdir, ['db']) : undefined;
        const bytes = await readFile(path);
        await ctx.impl.verify(path);
        assert.ok((await readFile(path)).equals(bytes), `verify changed ${path}`);
        assert.deepEqual(await namesIn(directory), names, `verify changed the names in ${directory}`);
        if (files !== undefined) assert.deepEqual(await treeState(ctx.workdir, ['db']), files, 'verify changed files beside the archive');
      }
    },
  }),

  scenario({
    id: 'verify/no-database-needed',
    title: 'verify works on an instance that never opened a database, and after the backed-up database is gone',
    requirements: ['VERIFY-005'],
    features: ['verify'],
    async run(ctx) {
      const fixture = fixturesOf('ERR_MANIFEST_MISMATCH')[0]!;
      const first = await ctx.impl.verify(fixture);
      assert.deepEqual([first.valid, first.code], [false, fixtureCode(fixture)], 'verify on a fresh instance did not report the fixture’s code');
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.close();
      await db.other.close();
      await rm(db.directory, { recursive: true, force: true });
      const report = await ctx.impl.verify(archive);
      assert.equal(report.valid, true, `a backup of a database since deleted was reported invalid (${report.code ?? ''})`);
    },
  }),

  scenario({
    id: 'verify/missing-path',
    title: 'verify of a path where nothing exists reports ERR_ARCHIVE_NOT_FOUND',
    requirements: ['VERIFY-006'],
    features: ['verify'],
    async run(ctx) {
      for (const path of [ctx.path('no-such.zip'), ctx.path('no-such-directory', 'x.zip')]) {
        const report = await ctx.impl.verify(path);
        assert.deepEqual([report.valid, report.code], [false, 'ERR_ARCHIVE_NOT_FOUND'], `verify of the missing ${path}`);
      }
    },
  }),
];
