/**
 * The committed fixtures against the reference restore and verify: every archive of
 * fixtures/invalid/ is refused with the code its name gives (restore into an open database and
 * into a new one, from a path and from a stream), leaving the database and everything around it
 * as it was; verify reports the same code; every archive of fixtures/valid/ restores to the dump
 * it comes with. Also: the backup-level fixtures are exactly what make-backup-fixtures.ts
 * generates.
 */
import { createReadStream, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_LEVEL_CODES, writeBackupFixtures } from '../../fixtures/scripts/make-backup-fixtures.js';
import { Database } from '../../src/engine/index.js';
import { isCodedError } from '../../src/errors.js';
import { restoreToNewDatabase } from '../../src/restore/index.js';
import { verifyBackup } from '../../src/verify/index.js';
import { FAST, seededDatabase, tempDir, treeState } from './_helpers/databases.js';

const INVALID = fileURLToPath(new URL('../../fixtures/invalid/', import.meta.url));
const VALID = fileURLToPath(new URL('../../fixtures/valid/', import.meta.url));
const invalidFiles = readdirSync(INVALID).filter((file) => file.endsWith('.zip')).sort();
const validFiles = readdirSync(VALID).filter((file) => file.endsWith('.zip')).sort();
const expectedDump = readFileSync(path.join(VALID, 'database.dump.json'), 'utf8').trim();
const codeOf = (file: string): string => file.split('--')[0]!;

let work: { path: string; cleanup: () => Promise<void> };
let db: Database;
beforeAll(async () => {
  work = await tempDir('restore-fixtures-');
  db = await seededDatabase(path.join(work.path, 'target'));
});
afterAll(async () => {
  await db.close();
  await work.cleanup();
});

async function codeOfRejection(action: Promise<unknown>): Promise<string> {
  try {
    await action;
  } catch (error) {
    if (!isCodedError(error)) throw error;
    return error.code;
  }
  return 'OK';
}

describe('fixtures/ (backup level)', () => {
  it('holds exactly what make-backup-fixtures.ts generates, byte for byte', async () => {
    const scratch = await tempDir('fixtures-regenerated-');
    try {
      const written = await writeBackupFixtures(path.join(scratch.path, 'invalid'), path.join(scratch.path, 'valid'));
      const committedInvalid = invalidFiles.filter((file) => BACKUP_LEVEL_CODES.includes(codeOf(file)));
      expect(written.invalid).toEqual(committedInvalid);
      expect(written.valid).toEqual(readdirSync(VALID).sort());
      for (const file of written.invalid) expect(readFileSync(path.join(scratch.path, 'invalid', file)).equals(readFileSync(path.join(INVALID, file))), file).toBe(true);
      for (const file of written.valid) expect(readFileSync(path.join(scratch.path, 'valid', file)).equals(readFileSync(path.join(VALID, file))), file).toBe(true);
    } finally {
      await scratch.cleanup();
    }
  });

  it('has a fixture for every backup-level code, and 40 or more fixtures in all', () => {
    const covered = new Set(invalidFiles.map(codeOf));
    expect(BACKUP_LEVEL_CODES.filter((code) => !covered.has(code))).toEqual([]);
    expect(invalidFiles.length).toBeGreaterThanOrEqual(40);
  });
});

describe.each(invalidFiles)('fixtures/invalid/%s', (file) => {
  const expected = codeOf(file);
  const archive = path.join(INVALID, file);

  it('is refused by a restore with its code, the database and its surroundings untouched', async () => {
    const dump = await db.dump();
    const files = await treeState(path.join(work.path, 'target'));
    const around = await treeState(work.path, ['target']);
    expect(await codeOfRejection(db.restore(archive, null, null, null))).toBe(expected);
    expect(await codeOfRejection(db.restore(createReadStream(archive), null, null, null))).toBe(expected);
    expect(await treeState(path.join(work.path, 'target'))).toEqual(files);
    expect(await treeState(work.path, ['target'])).toEqual(around);
    expect(await db.dump()).toBe(dump);
    await db.insert('Item', { probe: file });
  });

  it('is refused by a restore into a new database, which leaves nothing behind', async () => {
    const parent = path.join(work.path, `new-${invalidFiles.indexOf(file)}`);
    await mkdir(parent);
    expect(await codeOfRejection(restoreToNewDatabase(archive, `plocal:${path.join(parent, 'db')}`, null))).toBe(expected);
    expect(await readdir(parent)).toEqual([]);
  });

  it('is reported invalid by verify with the same code', async () => {
    const report = await verifyBackup(archive);
    expect(report).toMatchObject({ valid: false, code: expected });
    expect(report.lines.at(-1)).toBe(`verdict: invalid (${expected})`);
  });
});

describe.each(validFiles)('fixtures/valid/%s', (file) => {
  const archive = path.join(VALID, file);

  it('restores into a new database and into an open one, giving the dump it comes with', async () => {
    const target = path.join(work.path, `valid-${file}`, 'fixture');
    await restoreToNewDatabase(archive, `plocal:${target}`, null);
    const restored = await Database.open(`plocal:${target}`, 'reader', 'reader', FAST);
    try {
      expect(await restored.dump()).toBe(expectedDump);
      expect(restored.name).toBe('fixture');
    } finally {
      await restored.close();
    }
    const open = await seededDatabase(path.join(work.path, `open-${file}`));
    try {
      await open.restore(archive);
      expect(await open.dump()).toBe(expectedDump);
    } finally {
      await open.close();
    }
  });

  it('is reported valid by verify, one line per file', async () => {
    const report = await verifyBackup(archive);
    expect(report.valid).toBe(true);
    expect(report.lines.at(-1)).toBe('verdict: valid');
    expect(report.lines.slice(0, -1).every((line) => line.endsWith(': ok'))).toBe(true);
  });
});
