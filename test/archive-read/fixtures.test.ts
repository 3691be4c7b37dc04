import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { extractArchive, inspectArchive, openArchive } from '../../src/archive/read/index.js';
import { ERROR_CODES } from '../../src/errors.js';
import { buildInvalidFixtures, writeInvalidFixtures } from '../../fixtures/scripts/make-invalid-fixtures.js';
import { outcome } from './helpers/outcome.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/invalid/', import.meta.url));
const files = readdirSync(FIXTURES)
  .filter((file) => file.endsWith('.zip'))
  .sort();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'archive-read-fixtures-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Codes only the data can reveal: the only ones allowed to get past openArchive. */
const DATA_CODES = new Set(['ERR_ARCHIVE_CRC_MISMATCH', 'ERR_ARCHIVE_SIZE_MISMATCH', 'ERR_ARCHIVE_CORRUPT_DATA']);

/** Every code of the archive reader; each must have at least one fixture. */
const READER_CODES = [
  'ERR_NOT_A_ZIP',
  'ERR_ARCHIVE_EMPTY',
  'ERR_ARCHIVE_TRUNCATED',
  'ERR_ARCHIVE_TRAILING_DATA',
  'ERR_ARCHIVE_MALFORMED',
  'ERR_ARCHIVE_PATH_TRAVERSAL',
  'ERR_ARCHIVE_ABSOLUTE_PATH',
  'ERR_ARCHIVE_BACKSLASH',
  'ERR_ARCHIVE_SYMLINK',
  'ERR_ARCHIVE_DUPLICATE_ENTRY',
  'ERR_ARCHIVE_OVERLAPPING_ENTRIES',
  'ERR_ARCHIVE_SIZE_MISMATCH',
  'ERR_ARCHIVE_LIMIT_EXCEEDED',
  'ERR_ARCHIVE_CRC_MISMATCH',
  'ERR_ARCHIVE_HEADER_MISMATCH',
  'ERR_ARCHIVE_ENCRYPTED',
  'ERR_ARCHIVE_UNSUPPORTED_METHOD',
  'ERR_ARCHIVE_ZIP64_INVALID',
  'ERR_ARCHIVE_INVALID_NAME',
  'ERR_ARCHIVE_CORRUPT_DATA',
];

function codeOf(file: string): string {
  return file.split('--')[0]!;
}

/** Every path under `directory`, with its kind; symbolic links are reported as such. */
function walk(directory: string): { path: string; kind: 'file' | 'dir' | 'other' }[] {
  const found: { path: string; kind: 'file' | 'dir' | 'other' }[] = [];
  for (const name of readdirSync(directory)) {
    const full = path.join(directory, name);
    const stat = lstatSync(full);
    const kind = stat.isSymbolicLink() ? 'other' : stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
    found.push({ path: full, kind });
    if (kind === 'dir') found.push(...walk(full));
  }
  return found;
}

describe('fixtures/invalid', () => {
  it('holds at least 40 fixtures, each named <CODE>--<what>.zip with a code of src/errors.ts', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    for (const file of files) {
      expect(file).toMatch(/^ERR_[A-Z0-9_]+--[a-z0-9-]+\.zip$/);
      expect(Object.keys(ERROR_CODES)).toContain(codeOf(file));
    }
  });

  it('has a fixture for every code the reader raises', () => {
    const covered = new Set(files.map(codeOf));
    expect(READER_CODES.filter((code) => !covered.has(code))).toEqual([]);
  });

  it('is exactly what make-invalid-fixtures.ts generates (no drift, no stray file)', () => {
    const regenerated = path.join(scratch, 'regenerated');
    const written = writeInvalidFixtures(regenerated);
    expect(written).toEqual(files);
    for (const file of files) {
      expect(readFileSync(path.join(regenerated, file)).equals(readFileSync(path.join(FIXTURES, file))), file).toBe(true);
    }
  });

  it('generates the same bytes on every run', () => {
    const first = buildInvalidFixtures();
    const second = buildInvalidFixtures();
    for (const [file, bytes] of first) expect(second.get(file)!.equals(bytes), file).toBe(true);
  });

  describe.each(files)('%s', (file) => {
    const expected = codeOf(file);
    const archive = path.join(FIXTURES, file);

    it('fails openArchive (structure) or inspectArchive (data) with exactly its code', async () => {
      const opened = await outcome(() => openArchive(archive));
      if (opened.ok) {
        await opened.value.close();
        expect(DATA_CODES.has(expected), `openArchive accepted ${file}`).toBe(true);
      } else {
        expect(opened.code).toBe(expected);
        expect(opened.error.details.archive).toBe(archive);
      }
      const inspected = await outcome(() => inspectArchive(archive));
      expect(inspected.ok ? 'OK' : inspected.code).toBe(expected);
      expect(inspected.ok ? 'OK' : inspected.code).toBe(opened.ok ? expected : opened.code);
    });

    it('fails extractArchive with its code and writes nothing outside the target', async () => {
      const parent = mkdtempSync(path.join(scratch, 'x-'));
      const target = path.join(parent, 'target');
      const grandparentBefore = readdirSync(scratch).sort();
      const tmpEvilBefore = existsSync('/tmp/evil.txt');
      expect(readdirSync(parent)).toEqual([]);
      const extracted = await outcome(() => extractArchive(archive, target));
      expect(extracted.ok ? 'OK' : extracted.code).toBe(expected);
      // A structural fault is refused before the target is even created.
      const structural = !(await outcome(async () => (await openArchive(archive)).close())).ok;
      expect(readdirSync(parent)).toEqual(structural ? [] : ['target']);
      expect(readdirSync(scratch).sort()).toEqual(grandparentBefore);
      expect(existsSync('/tmp/evil.txt')).toBe(tmpEvilBefore);
      if (existsSync(target)) {
        for (const entry of walk(target)) expect(entry.kind, entry.path).not.toBe('other');
      }
      if (!extracted.ok && extracted.error.details.entry !== undefined) expect(typeof extracted.error.details.entry).toBe('string');
    });
  });
});
