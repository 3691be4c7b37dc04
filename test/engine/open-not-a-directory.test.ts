/**
 * Opening a plocal: URL whose path runs through a regular file is a missing database
 * (STORAGE-005): no database can exist there, so the answer is ERR_DATABASE_NOT_FOUND, not the
 * ENOTDIR of the stat call as ERR_IO.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { FAST, expectCode, tempDir } from './_helpers.js';

describe('opening a path under a regular file', () => {
  it('is ERR_DATABASE_NOT_FOUND and leaves the file alone', async () => {
    const dir = await tempDir('open-enotdir-');
    try {
      const file = join(dir.path, 'plain-file');
      await writeFile(file, 'not a database');
      await expectCode(Database.open(`plocal:${join(file, 'db')}`, 'admin', 'admin', FAST), 'ERR_DATABASE_NOT_FOUND');
      await expectCode(Database.open(`plocal:${file}`, 'admin', 'admin', FAST), 'ERR_DATABASE_NOT_FOUND');
      expect(await readFile(file, 'utf8')).toBe('not a database');
    } finally {
      await dir.cleanup();
    }
  });
});
