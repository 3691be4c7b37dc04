import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { classifyArchiveError, toArchiveError, YAUZL_ERROR_TABLE } from '../../src/archive/read/index.js';
import { BackupConformanceError, type ErrorCode } from '../../src/errors.js';

/** One real message per row of the table (as yauzl 3.4 words it), with the code it must get. */
const EXAMPLES: [message: string, code: ErrorCode][] = [
  ['Invalid comment length. Expected: 40. Found: 8. Are there extra bytes at the end of the file? Or is the end of central dir signature `PK☺☻` in the comment?', 'ERR_ARCHIVE_TRAILING_DATA'],
  ['Invalid comment length. Expected: 3. Found: 48. Are there extra bytes at the end of the file? Or is the end of central dir signature `PK☺☻` in the comment?', 'ERR_ARCHIVE_TRUNCATED'],
  ['End of central directory record signature not found. Either not a zip file, or file is truncated.', 'ERR_NOT_A_ZIP'],
  ['multi-disk zip files are not supported: found disk number: 1', 'ERR_ARCHIVE_MALFORMED'],
  ['invalid zip64 end of central directory record signature', 'ERR_ARCHIVE_ZIP64_INVALID'],
  ['zip64 extended information extra field does not include uncompressed size', 'ERR_ARCHIVE_ZIP64_INVALID'],
  ['invalid central directory file header signature: 0x6054b50', 'ERR_ARCHIVE_MALFORMED'],
  ['extra field length exceeds extra field buffer size', 'ERR_ARCHIVE_MALFORMED'],
  ['strong encryption is not supported', 'ERR_ARCHIVE_ENCRYPTED'],
  ['invalid characters in fileName: a\\b.txt', 'ERR_ARCHIVE_BACKSLASH'],
  ['absolute path: /etc/passwd', 'ERR_ARCHIVE_ABSOLUTE_PATH'],
  ['invalid relative path: ../evil.txt', 'ERR_ARCHIVE_PATH_TRAVERSAL'],
  ['compressed/uncompressed size mismatch for stored file: 93 != 94', 'ERR_ARCHIVE_SIZE_MISMATCH'],
  ['invalid local file header signature: 0x4034b51', 'ERR_ARCHIVE_HEADER_MISMATCH'],
  ['file data overflows file bounds: 41 + 100000 > 157', 'ERR_ARCHIVE_TRUNCATED'],
  ['unexpected EOF', 'ERR_ARCHIVE_TRUNCATED'],
  ['entry is encrypted, and options.decodeFileData !== false', 'ERR_ARCHIVE_ENCRYPTED'],
  ['unsupported compression method: 12', 'ERR_ARCHIVE_UNSUPPORTED_METHOD'],
  ['too many bytes in the stream. expected 1000. got at least 16384', 'ERR_ARCHIVE_SIZE_MISMATCH'],
  ['not enough bytes in the stream. expected 93. got only 40', 'ERR_ARCHIVE_TRUNCATED'],
  ['closed', 'ERR_ARCHIVE_CLOSED'],
  ["zip file too large. only file sizes up to 2^52 are supported due to JavaScript's Number type being an IEEE 754 double.", 'ERR_ARCHIVE_LIMIT_EXCEEDED'],
];

/**
 * yauzl messages our calls can never provoke: they reject misuse of yauzl's API (options we do
 * not pass, methods we do not call). Should one escape anyway it becomes ERR_ARCHIVE_MALFORMED.
 */
const API_MISUSE = [
  /^cannot use options\./,
  /^eachEntry\(\)/,
  /^entry is encrypted and compressed/,
  /^expected totalSize parameter/,
  /^invalid options\./,
  /^invalid unref/,
  /^next\(\) called before/,
  /^not implemented/,
  /^options\./,
  /^readEntry\(\) called without/,
  /^start\/end range require/,
  /^unrecognized options\.timezone/,
];

describe('YAUZL_ERROR_TABLE', () => {
  it.each(EXAMPLES)('maps "%s" to %s', (message, code) => {
    expect(classifyArchiveError(new Error(message))).toBe(code);
    const coded = toArchiveError(new Error(message), { archive: 'a.zip', entry: 'x', offset: 7 });
    expect(coded).toBeInstanceOf(BackupConformanceError);
    expect(coded.code).toBe(code);
    expect(coded.details).toMatchObject({ archive: 'a.zip', entry: 'x', offset: 7 });
    expect((coded.cause as Error).message).toBe(message);
  });

  it('has an example for every row (so every pattern is tested)', () => {
    const matched = new Set<number>();
    for (const [message] of EXAMPLES) {
      const row = YAUZL_ERROR_TABLE.findIndex((rule) => rule.message?.test(message));
      if (row >= 0) matched.add(row);
    }
    const messageRows = YAUZL_ERROR_TABLE.map((rule, row) => (rule.message ? row : -1)).filter((row) => row >= 0);
    expect(messageRows.filter((row) => !matched.has(row))).toEqual([]);
  });

  it("covers every error message in yauzl's source, except API misuse", () => {
    const require = createRequire(import.meta.url);
    const source = readFileSync(require.resolve('yauzl'), 'utf8');
    const literals = [
      ...[...source.matchAll(/new Error\("((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!),
      ...[...source.matchAll(/return "((?:[^"\\]|\\.)*)" \+ fileName/g)].map((match) => match[1]!),
      ...[...source.matchAll(/var msg = "((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]!),
    ];
    expect(literals.length).toBeGreaterThan(30);
    const unmapped = literals.filter((literal) => classifyArchiveError(new Error(literal)) === undefined && !API_MISUSE.some((pattern) => pattern.test(literal)));
    // "Invalid comment length. Expected: " needs its numbers to decide; the example above covers it.
    expect(unmapped.filter((literal) => !literal.startsWith('Invalid comment length'))).toEqual([]);
  });

  it('maps zlib data errors (by their code) to ERR_ARCHIVE_CORRUPT_DATA', () => {
    for (const bytes of [Buffer.from([0x07, 0, 0]), Buffer.from([0x00, 0x05, 0x00, 0x00, 0x00]), Buffer.from([0x4b, 0x4c])]) {
      let error: unknown;
      try {
        zlib.inflateRawSync(bytes);
      } catch (caught) {
        error = caught;
      }
      expect(error, bytes.toString('hex')).toBeInstanceOf(Error);
      expect(toArchiveError(error, {}).code).toBe('ERR_ARCHIVE_CORRUPT_DATA');
    }
  });

  it('passes coded errors through, turns errno errors into ERR_IO and anything else into ERR_ARCHIVE_MALFORMED', () => {
    const coded = new BackupConformanceError('ERR_ARCHIVE_SYMLINK', 'x');
    expect(toArchiveError(coded, {})).toBe(coded);
    const eio = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', syscall: 'read' });
    const io = toArchiveError(eio, { archive: 'a.zip' });
    expect(io.code).toBe('ERR_IO');
    expect(io.details).toMatchObject({ archive: 'a.zip', errno: 'EIO' });
    const odd = toArchiveError(new TypeError('something new in yauzl 4'), {});
    expect(odd.code).toBe('ERR_ARCHIVE_MALFORMED');
    expect(odd.cause).toBeInstanceOf(TypeError);
    expect(toArchiveError('a string', {}).code).toBe('ERR_ARCHIVE_MALFORMED');
  });
});
