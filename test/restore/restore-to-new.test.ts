/**
 * restoreToNewDatabase: a new database appears whole or not at all; existing targets are refused.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { isCodedError } from '../../src/errors.js';
import { restoreToNewDatabase } from '../../src/restore/index.js';
import { backupToFile } from './_helpers/backup-file.js';
import { FAST, seededDatabase, tempDir } from './_helpers/databases.js';

let work: { path: string; cleanup: () => Promise<void> };
let archive: string;
let expected: string;
beforeAll(async () => {
  work = await tempDir('restore-to-new-');
  const db = await seededDatabase(join(work.path, 'source'));
  archive = join(work.path, 'backup.zip');
  await backupToFile(db, archive, { level: 0 });
  expected = await db.dump();
  await db.close();
});
afterAll(async () => {
  await work.cleanup();
});

async function codeOf(action: Promise<unknown>): Promise<string> {
  try {
    await action;
  } catch (error) {
    if (!isCodedError(error)) throw error;
    return error.code;
  }
  return 'OK';
}

async function dumpOf(directory: string): Promise<{ dump: string; name: string }> {
  const db = await Database.open(`plocal:${directory}`, 'admin', 'admin', FAST);
  try {
    return { dump: await db.dump(), name: db.name };
  } finally {
    await db.close();
  }
}

describe('restoreToNewDatabase', () => {
  it('creates the database from a path or a stream, named after its directory, with parents created', async () => {
    await restoreToNewDatabase(archive, `plocal:${join(work.path, 'copy-a')}`);
    await restoreToNewDatabase(createReadStream(archive), `plocal:${join(work.path, 'deeper', 'still', 'copy-b')}`, null);
    expect(await dumpOf(join(work.path, 'copy-a'))).toEqual({ dump: expected, name: 'copy-a' });
    expect(await dumpOf(join(work.path, 'deeper', 'still', 'copy-b'))).toEqual({ dump: expected, name: 'copy-b' });
  });

  it('accepts an empty directory as the target, refuses a database, a file or a non-empty directory', async () => {
    await mkdir(join(work.path, 'empty'));
    await restoreToNewDatabase(archive, `plocal:${join(work.path, 'empty')}`);
    expect((await dumpOf(join(work.path, 'empty'))).dump).toBe(expected);
    expect(await codeOf(restoreToNewDatabase(archive, `plocal:${join(work.path, 'empty')}`))).toBe('ERR_DATABASE_EXISTS');
    await writeFile(join(work.path, 'a-file'), 'x');
    expect(await codeOf(restoreToNewDatabase(archive, `plocal:${join(work.path, 'a-file')}`))).toBe('ERR_DATABASE_EXISTS');
    await mkdir(join(work.path, 'full'));
    await writeFile(join(work.path, 'full', 'notes.txt'), 'mine');
    expect(await codeOf(restoreToNewDatabase(archive, `plocal:${join(work.path, 'full')}`))).toBe('ERR_DATABASE_EXISTS');
    expect(await readdir(join(work.path, 'full'))).toEqual(['notes.txt']);
  });

  it('refuses memory:, remote:, malformed URLs and bad options before reading anything', async () => {
    expect(await codeOf(restoreToNewDatabase(archive, 'memory:x'))).toBe('ERR_UNSUPPORTED_STORAGE');
    expect(await codeOf(restoreToNewDatabase(archive, 'remote:host/x'))).toBe('ERR_REMOTE_NOT_SUPPORTED');
    expect(await codeOf(restoreToNewDatabase(archive, 'nonsense'))).toBe('ERR_INVALID_URL');
    expect(await codeOf(restoreToNewDatabase(archive, `plocal:${join(work.path, 'x')}`, { what: 1 }))).toBe('ERR_INVALID_OPTIONS');
    expect(await codeOf(restoreToNewDatabase(archive, `plocal:${join(work.path, 'x')}`, { upToIndex: 0 }))).toBe('ERR_INVALID_OPTIONS');
    expect(await codeOf(restoreToNewDatabase(join(work.path, 'none.zip'), `plocal:${join(work.path, 'x')}`))).toBe('ERR_ARCHIVE_NOT_FOUND');
  });

  it('leaves nothing when the archive is refused, and two restores racing to one target give one database', async () => {
    const parent = join(work.path, 'race');
    await mkdir(parent);
    await writeFile(join(parent, 'bad.zip'), Buffer.from('PK\u0003\u0004 cut short'));
    expect(await codeOf(restoreToNewDatabase(join(parent, 'bad.zip'), `plocal:${join(parent, 'db')}`))).toBe('ERR_ARCHIVE_TRUNCATED');
    expect(await readdir(parent)).toEqual(['bad.zip']);
    const outcomes = await Promise.all([1, 2, 3].map(() => codeOf(restoreToNewDatabase(archive, `plocal:${join(parent, 'db')}`))));
    expect(outcomes.filter((outcome) => outcome === 'OK')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== 'OK')).toEqual(['ERR_DATABASE_EXISTS', 'ERR_DATABASE_EXISTS']);
    expect((await readdir(parent)).sort()).toEqual(['bad.zip', 'db']);
    expect((await dumpOf(join(parent, 'db'))).dump).toBe(expected);
  });
});
