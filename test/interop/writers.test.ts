/**
 * The other way round: a database directory zipped by tools nobody here wrote restores
 * correctly. The committed archives of fixtures/interop/ (Info-ZIP `zip`, Python's `zipfile`,
 * Java's `ZipOutputStream`; STORED and DEFLATE each) restore into a new database and into an open
 * one, giving the committed dump, and verify reports them valid. And the script that made them
 * still does: its archives, regenerated into a temporary directory with the tools of this
 * machine, restore to that same dump (byte identity is not expected across tool versions).
 * Regenerating needs the tools; a missing one skips its part with the reason (fails under
 * CI=true). Restoring the committed archives needs no tool.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTEROP_DUMP_FILE, INTEROP_FIXTURES, type InteropWriter, writeInteropFixtures } from '../../fixtures/scripts/make-interop-fixtures.js';
import { openArchive } from '../../src/archive/read/index.js';
import { Database } from '../../src/engine/index.js';
import { restoreToNewDatabase } from '../../src/restore/index.js';
import { verifyBackup } from '../../src/verify/index.js';
import { itWithTools, missingReason, type ZipTool } from './_support/tools.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/interop/', import.meta.url));
const committedDump = readFileSync(path.join(FIXTURES, INTEROP_DUMP_FILE), 'utf8').trim();
const FAST = { scryptCost: 16 } as const;

/** The tools each writer needs. */
const TOOLS: Readonly<Record<InteropWriter, readonly ZipTool[]>> = {
  'info-zip': ['zip'],
  'python-zipfile': ['python3'],
  'java-zip-output-stream': ['java'],
};

let work: string;
let restores = 0;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'interop-writers-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Restores `archive` into a new database; resolves its dump, read as the `reader` user the archive holds. */
async function dumpOfNewRestore(archive: string): Promise<string> {
  const target = path.join(work, `new-${++restores}`, 'restored');
  await restoreToNewDatabase(archive, `plocal:${target}`, null);
  const db = await Database.open(`plocal:${target}`, 'reader', 'reader', FAST);
  try {
    return await db.dump();
  } finally {
    await db.close();
  }
}

/** Restores `archive` into an open database that holds something else; resolves the dump after. */
async function dumpOfRestoreInto(archive: string): Promise<string> {
  const db = await Database.create(`plocal:${path.join(work, `open-${++restores}`)}`, FAST);
  try {
    await db.createClass('Other');
    await db.insert('Other', { replaced: true });
    await db.restore(archive);
    return await db.dump();
  } finally {
    await db.close();
  }
}

/** The file names an archive holds, sorted. */
async function namesOf(archive: string): Promise<string[]> {
  const opened = await openArchive(archive);
  try {
    return opened.index.entries.map((entry) => entry.name).sort();
  } finally {
    await opened.close();
  }
}

describe('fixtures/interop/', () => {
  it('holds one archive per writer and method, the dump, and nothing unexplained', () => {
    const expected = [...INTEROP_FIXTURES.map((fixture) => fixture.file), INTEROP_DUMP_FILE, 'README.md'].sort();
    expect(readdirSync(FIXTURES).sort()).toEqual(expected);
    expect(JSON.parse(committedDump)).toMatchObject({ classes: expect.arrayContaining([expect.objectContaining({ name: 'Item' })]) });
  });

  for (const fixture of INTEROP_FIXTURES) {
    const archive = path.join(FIXTURES, fixture.file);
    describe(fixture.file, () => {
      it('restores into a new database and into an open one, giving the committed dump', async () => {
        expect(await dumpOfNewRestore(archive)).toBe(committedDump);
        expect(await dumpOfRestoreInto(archive)).toBe(committedDump);
      }, 60_000);

      it('is reported valid by verify', async () => {
        const report = await verifyBackup(archive);
        expect(report.valid, report.lines.join('\n')).toBe(true);
      });
    });
  }
});

describe('make-interop-fixtures.ts, rerun with the tools of this machine', () => {
  let regenerated: Promise<{ dir: string; files: string[] }> | undefined;
  /** Runs the script once, into a temporary directory, with every writer whose tools are present. */
  const regenerate = (): Promise<{ dir: string; files: string[] }> =>
    (regenerated ??= (async () => {
      const dir = path.join(work, 'regenerated');
      const writers = (Object.keys(TOOLS) as InteropWriter[]).filter((writer) => TOOLS[writer].every((tool) => missingReason(tool) === undefined));
      const { dump, files } = await writeInteropFixtures(dir, { writers });
      // The database the script creates is the one the committed archives hold.
      expect(dump).toBe(committedDump);
      return { dir, files };
    })());

  for (const fixture of INTEROP_FIXTURES) {
    itWithTools(TOOLS[fixture.writer], `${fixture.file}: a regenerated archive holds the same files and restores to the committed dump`, async () => {
      const { dir, files } = await regenerate();
      const archive = path.join(dir, fixture.file);
      expect(await namesOf(archive)).toEqual(files);
      expect(await namesOf(path.join(FIXTURES, fixture.file))).toEqual(files);
      expect(await dumpOfNewRestore(archive)).toBe(committedDump);
    }, 120_000);
  }
});
