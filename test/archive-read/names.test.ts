import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertNoCollisions } from '../../src/archive/read/duplicates.js';
import { collisionKey, validateEntryName } from '../../src/archive/read/entry-name.js';
import { isCodedError } from '../../src/errors.js';

function check(name: string, raw: Uint8Array = Buffer.from(name, 'utf8'), utf8 = true) {
  return validateEntryName(name, raw, utf8, { archive: 'a.zip' });
}

function codeOf(name: string, raw?: Uint8Array, utf8?: boolean): string {
  try {
    check(name, raw, utf8);
    return 'OK';
  } catch (error) {
    if (!isCodedError(error)) throw error;
    expect(error.details).toMatchObject({ archive: 'a.zip', name });
    return error.code;
  }
}

describe('validateEntryName', () => {
  it.each([
    ['db/data.pcl', ['db', 'data.pcl'], false],
    ['db/', ['db'], true],
    ['a/b/c/', ['a', 'b', 'c'], true],
    ['caf\u00e9.txt', ['caf\u00e9.txt'], false],
    ['.hidden', ['.hidden'], false],
    ['a..b', ['a..b'], false],
    ['with space.txt', ['with space.txt'], false],
  ])('accepts %j', (name, segments, isDirectory) => {
    expect(check(name)).toEqual({ segments, isDirectory });
  });

  it.each([
    ['', 'ERR_ARCHIVE_INVALID_NAME'],
    ['a\u0000b', 'ERR_ARCHIVE_INVALID_NAME'],
    ['a\u0007b', 'ERR_ARCHIVE_INVALID_NAME'],
    ['a\u007fb', 'ERR_ARCHIVE_INVALID_NAME'],
    ['a\u0085b', 'ERR_ARCHIVE_INVALID_NAME'],
    ['a\ufffdb', 'ERR_ARCHIVE_INVALID_NAME'],
    ['a//b', 'ERR_ARCHIVE_INVALID_NAME'],
    ['a/./b', 'ERR_ARCHIVE_INVALID_NAME'],
    ['./a', 'ERR_ARCHIVE_INVALID_NAME'],
    ['a//', 'ERR_ARCHIVE_INVALID_NAME'],
    ['ab:c', 'ERR_ARCHIVE_INVALID_NAME'],
    ['db/data.pcl:stream', 'ERR_ARCHIVE_INVALID_NAME'],
    [`${'x'.repeat(256)}`, 'ERR_ARCHIVE_INVALID_NAME'],
    [`${'abcdefgh/'.repeat(120)}x`, 'ERR_ARCHIVE_INVALID_NAME'],
    ['/etc/passwd', 'ERR_ARCHIVE_ABSOLUTE_PATH'],
    ['/', 'ERR_ARCHIVE_ABSOLUTE_PATH'],
    ['\\x', 'ERR_ARCHIVE_ABSOLUTE_PATH'],
    ['C:x', 'ERR_ARCHIVE_ABSOLUTE_PATH'],
    ['z:\\x', 'ERR_ARCHIVE_ABSOLUTE_PATH'],
    ['a:b', 'ERR_ARCHIVE_ABSOLUTE_PATH'],
    ['//host/share/x', 'ERR_ARCHIVE_ABSOLUTE_PATH'],
    ['\\\\host\\share\\x', 'ERR_ARCHIVE_ABSOLUTE_PATH'],
    ['a\\b', 'ERR_ARCHIVE_BACKSLASH'],
    ['..\\x', 'ERR_ARCHIVE_BACKSLASH'],
    ['..', 'ERR_ARCHIVE_PATH_TRAVERSAL'],
    ['../x', 'ERR_ARCHIVE_PATH_TRAVERSAL'],
    ['a/../../x', 'ERR_ARCHIVE_PATH_TRAVERSAL'],
    ['a/..', 'ERR_ARCHIVE_PATH_TRAVERSAL'],
    ['../target_evil/x', 'ERR_ARCHIVE_PATH_TRAVERSAL'],
    ['a/../', 'ERR_ARCHIVE_PATH_TRAVERSAL'],
  ])('refuses %j with %s', (name, code) => {
    expect(codeOf(name)).toBe(code);
  });

  it('checks the raw bytes too: control bytes that CP437 decodes to glyphs, invalid UTF-8', () => {
    // CP437 decodes 0x01 to U+263A and 0x0A to U+25D9: harmless glyphs, but never in our names.
    expect(codeOf('a\u263ab', Buffer.from([0x61, 0x01, 0x62]), false)).toBe('ERR_ARCHIVE_INVALID_NAME');
    expect(codeOf('db/x', Buffer.from([0x64, 0x62, 0x2f, 0xc3]), true)).toBe('ERR_ARCHIVE_INVALID_NAME');
    expect(codeOf('db/\u00e9', Buffer.from('db/\u00e9', 'utf8'), true)).toBe('OK');
  });

  const ROOT = path.resolve('/srv/restore/target');
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

  it(`never accepts a name that resolves outside the target (fast-check seed ${seed}; replay with FC_SEED)`, () => {
    const piece = fc.constantFrom('a', 'B', '..', '.', '', '/', '\\', ':', 'C:', '\u00e9', 'e\u0301', '\u0000', '\n', '~', '...', 'target_evil');
    const name = fc.array(piece, { maxLength: 8 }).map((pieces) => pieces.join(''));
    fc.assert(
      fc.property(name, (candidate) => {
        let checked;
        try {
          checked = check(candidate);
        } catch (error) {
          return isCodedError(error);
        }
        const resolved = path.resolve(ROOT, ...checked.segments);
        return resolved.startsWith(ROOT + path.sep) && !checked.segments.some((segment) => segment === '..' || segment === '.' || segment === '');
      }),
      { seed, numRuns: 5_000 },
    );
  });
});

describe('collisions', () => {
  const entry = (name: string) => {
    const checked = validateEntryName(name, Buffer.from(name), true, {});
    return { name, ...checked };
  };
  const codeOfSet = (names: string[]) => {
    try {
      assertNoCollisions(names.map(entry), 'a.zip');
      return 'OK';
    } catch (error) {
      if (!isCodedError(error)) throw error;
      return `${error.code}:${String(error.details.kind)}`;
    }
  };

  it.each([
    [['a', 'b', 'c/d', 'c/e', 'c/'], 'OK'],
    [['x/', 'x/y'], 'OK'],
    [['a', 'a'], 'ERR_ARCHIVE_DUPLICATE_ENTRY:exact'],
    [['x/', 'x/'], 'ERR_ARCHIVE_DUPLICATE_ENTRY:exact'],
    [['Readme', 'README'], 'ERR_ARCHIVE_DUPLICATE_ENTRY:case'],
    [['dir/File', 'DIR/file'], 'ERR_ARCHIVE_DUPLICATE_ENTRY:case'],
    [['caf\u00e9', 'cafe\u0301'], 'ERR_ARCHIVE_DUPLICATE_ENTRY:unicode-normalisation'],
    [['stra\u00dfe', 'STRASSE'], 'ERR_ARCHIVE_DUPLICATE_ENTRY:case'],
    [['a', 'a/'], 'ERR_ARCHIVE_DUPLICATE_ENTRY:file-directory'],
    [['a', 'a/b'], 'ERR_ARCHIVE_DUPLICATE_ENTRY:file-directory'],
    [['A', 'a/b/c'], 'ERR_ARCHIVE_DUPLICATE_ENTRY:file-directory'],
  ])('%j -> %s', (names, expected) => {
    expect(codeOfSet(names)).toBe(expected);
  });

  it('folds case and normalisation into one key', () => {
    expect(collisionKey('Caf\u00e9/')).toBe(collisionKey('cafe\u0301'));
  });
});
