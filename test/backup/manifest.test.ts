/**
 * The backup manifest (spec/backup.md BACKUP-008..011, spec/restore.md RESTORE-039): what
 * `buildManifest` writes and what `parseManifest` accepts and refuses.
 *
 * Every manifest a test feeds in is built inside the test, never while the file is collected: a
 * fault in `buildManifest` then fails the test that meets it, instead of the whole file's
 * collection (which a mutation run does not count as a failing test).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MANIFEST_ENTRY, MANIFEST_FORMAT, buildManifest, parseManifest, type ManifestInput } from '../../src/backup/manifest.js';
import { isCodedError } from '../../src/errors.js';

const sha = 'a'.repeat(64);
const otherSha = '0123456789abcdef'.repeat(4);
const full = {
  kind: 'full' as const,
  databaseName: 'mydb',
  databaseFormatVersion: 1,
  instanceId: 'id-1',
  lsn: 42,
  createdAt: '2026-11-29T05:00:00.000Z',
  files: [
    { name: 'b.pcl', size: 8192, sha256: sha },
    { name: 'a.ocf', size: 10, sha256: sha },
  ],
};
const firstIncremental = { ...full, kind: 'incremental' as const, index: 0, full: true, startLsn: 0, previous: null };
const laterIncremental = {
  ...full,
  kind: 'incremental' as const,
  index: 1,
  full: false,
  startLsn: 40,
  previous: { name: 'mydb_2026-11-29-05-00-00_0_full.ibu', sha256: otherSha },
};

function bytesOf(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** The JSON bytes of `value` with the (single-byte) first occurrence of `marker` replaced by `byte`. */
function withByte(value: unknown, marker: string, byte: number): Buffer {
  const bytes = bytesOf(value);
  bytes[bytes.indexOf(marker)] = byte;
  return bytes;
}

/** A valid full manifest as a plain JSON object, with `changes` applied. */
function fullWith(changes: Record<string, unknown>): Record<string, unknown> {
  return { ...buildManifest(full).manifest, ...changes };
}

/** A valid incremental manifest (index 1 unless `changes` say otherwise) as a plain JSON object, with `changes` applied. */
function incrementalWith(changes: Record<string, unknown>): Record<string, unknown> {
  return { ...buildManifest(laterIncremental).manifest, ...changes };
}

/** The coded error `action` throws; fails the test when it throws none or an uncoded one. */
function refusal(action: () => unknown): Error & { code: string; details: Record<string, unknown> } {
  try {
    action();
  } catch (error) {
    if (!isCodedError(error)) throw error;
    return error as never;
  }
  throw new Error('expected ERR_MANIFEST_INVALID, but the call succeeded');
}

/** Asserts `value` is refused with `ERR_MANIFEST_INVALID` naming the manifest entry; returns the message. */
function refusedMessage(value: unknown): string {
  const error = refusal(() => parseManifest(value instanceof Uint8Array ? value : bytesOf(value)));
  expect(error.code).toBe('ERR_MANIFEST_INVALID');
  expect(error.details).toEqual({ entry: MANIFEST_ENTRY });
  return error.message;
}

describe('buildManifest', () => {
  it('builds a sorted manifest that parses back to itself', () => {
    const { manifest, bytes } = buildManifest(full);
    expect(manifest.files.map((file) => file.name)).toEqual(['a.ocf', 'b.pcl']);
    expect(parseManifest(bytes)).toEqual(manifest);
    expect(manifest).toMatchObject({ format: 'orientdb-backup-conformance/backup', formatVersion: 1, kind: 'full' });
  });

  it('writes pretty-printed UTF-8 JSON ending in a newline, leaving the input untouched', () => {
    const input = { ...full, databaseName: 'bäse', files: [...full.files] };
    const { manifest, bytes } = buildManifest(input);
    const text = bytes.toString('utf8');
    expect(text).toBe(`${JSON.stringify(manifest, null, 2)}\n`);
    expect(JSON.parse(text)).toMatchObject({ databaseName: 'bäse' });
    expect(input.files.map((file) => file.name)).toEqual(['b.pcl', 'a.ocf']);
  });

  it('sorts any set of file names in code-unit order', () => {
    const seed = process.env.FC_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FC_SEED);
    const names = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 40 });
    try {
      fc.assert(
        fc.property(names, (list) => {
          const files = list.map((name, i) => ({ name, size: i, sha256: sha }));
          const { manifest } = buildManifest({ ...full, files });
          expect(manifest.files.map((file) => file.name)).toEqual([...list].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
          expect(manifest.files).toEqual(expect.arrayContaining(files));
        }),
        { seed, numRuns: 60 },
      );
    } catch (error) {
      throw new Error(`replay with FC_SEED=${seed}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  });

  it('refuses input a reader would refuse, with ERR_MANIFEST_INVALID', () => {
    const error = refusal(() => buildManifest({ ...full, lsn: -1 }));
    expect(error.code).toBe('ERR_MANIFEST_INVALID');
    const duplicate = refusal(() => buildManifest({ ...full, files: [...full.files, full.files[0]!] }));
    expect(duplicate.code).toBe('ERR_MANIFEST_INVALID');
  });
});

describe('parseManifest', () => {
  it('round-trips incremental manifests with their chain link', () => {
    for (const input of [firstIncremental, laterIncremental] satisfies ManifestInput[]) {
      const { manifest, bytes } = buildManifest(input);
      const parsed = parseManifest(bytes);
      expect(parsed).toEqual(manifest);
      expect(parsed).toEqual({ format: MANIFEST_FORMAT, formatVersion: 1, ...input, files: [...input.files].reverse() });
    }
    expect(parseManifest(buildManifest(firstIncremental).bytes)).toMatchObject({ index: 0, full: true, previous: null });
  });

  it('accepts the boundaries: LSN 0, startLsn equal to lsn, database format version 1, no files', () => {
    const edge = { ...laterIncremental, lsn: 0, startLsn: 0, files: [] };
    expect(parseManifest(bytesOf(incrementalWith(edge)))).toMatchObject({ lsn: 0, startLsn: 0, files: [] });
    expect(parseManifest(bytesOf(incrementalWith({ lsn: 7, startLsn: 7 })))).toMatchObject({ lsn: 7, startLsn: 7 });
    expect(parseManifest(bytesOf(fullWith({ databaseFormatVersion: 1 })))).toMatchObject({ databaseFormatVersion: 1 });
  });

  it('ignores unknown members', () => {
    const { manifest } = buildManifest(full);
    expect(parseManifest(bytesOf({ ...manifest, extra: true }))).toEqual(manifest);
  });

  it.each<[string, () => unknown]>([
    ['not JSON', () => Buffer.from('{')],
    ['invalid UTF-8 outside a string', () => Buffer.from([0x7b, 0xff, 0x7d])],
    ['invalid UTF-8 inside a string', () => withByte(fullWith({ databaseName: 'db#' }), '#', 0xff)],
    ['an array', () => []],
    ['null', () => null],
    ['a string', () => 'manifest'],
    ['a number', () => 1],
    ['another format', () => fullWith({ format: 'x' })],
    ['another version', () => fullWith({ formatVersion: 2 })],
    ['a missing version', () => fullWith({ formatVersion: undefined })],
    ['a numeric database name', () => fullWith({ databaseName: 5 })],
    ['an empty database name', () => fullWith({ databaseName: '' })],
    ['an empty instance id', () => fullWith({ instanceId: '' })],
    ['database format version 0', () => fullWith({ databaseFormatVersion: 0 })],
    ['a fractional LSN', () => fullWith({ lsn: 1.5 })],
    ['an LSN given as a string', () => fullWith({ lsn: '5' })],
    ['an LSN beyond the safe integers', () => fullWith({ lsn: 2 ** 53 })],
    ['files that are an object', () => fullWith({ files: {} })],
    ['missing files', () => fullWith({ files: undefined })],
    ['a null file item', () => fullWith({ files: [null] })],
    ['an array file item', () => fullWith({ files: [[]] })],
    ['a fractional size', () => fullWith({ files: [{ name: 'a', size: 1.5, sha256: sha }] })],
    ['a negative size', () => fullWith({ files: [{ name: 'a', size: -1, sha256: sha }] })],
    ['an empty file name', () => fullWith({ files: [{ name: '', size: 1, sha256: sha }] })],
    ['a bad hash', () => fullWith({ files: [{ name: 'a', size: 1, sha256: 'ABC' }] })],
    ['an upper-case hash', () => fullWith({ files: [{ name: 'a', size: 1, sha256: sha.toUpperCase() }] })],
    ['a 63-digit hash', () => fullWith({ files: [{ name: 'a', size: 1, sha256: sha.slice(1) }] })],
    ['a hash with a leading extra character', () => fullWith({ files: [{ name: 'a', size: 1, sha256: `x${sha}` }] })],
    ['a hash with a trailing extra character', () => fullWith({ files: [{ name: 'a', size: 1, sha256: `${sha}x` }] })],
    ['unsorted files', () => fullWith({ files: [{ name: 'b', size: 1, sha256: sha }, { name: 'a', size: 1, sha256: sha }] })],
    ['duplicate files', () => fullWith({ files: [{ name: 'a', size: 1, sha256: sha }, { name: 'a', size: 1, sha256: sha }] })],
    ['listing itself', () => fullWith({ files: [{ name: MANIFEST_ENTRY, size: 1, sha256: sha }] })],
    ['a bad date', () => fullWith({ createdAt: 'yesterday' })],
    ['a date without milliseconds', () => fullWith({ createdAt: '2026-11-29T05:00:00Z' })],
    ['a date with an expanded year', () => fullWith({ createdAt: '+002026-11-29T05:00:00.000Z' })],
    ['a date followed by NUL', () => fullWith({ createdAt: '2026-11-29T05:00:00.000Z\u0000' })],
    ['a date with month 13', () => fullWith({ createdAt: '2026-13-01T05:00:00.000Z' })],
    ['an unknown kind', () => fullWith({ kind: 'partial' })],
    ['a missing kind', () => fullWith({ kind: undefined })],
    ['an unknown kind with every incremental member', () => incrementalWith({ kind: 'differential' })],
    ['index 0 not full', () => incrementalWith({ index: 0, full: false, startLsn: 0, previous: null })],
    ['index 0 with full missing', () => incrementalWith({ index: 0, full: undefined, startLsn: 0, previous: null })],
    ['index 1 marked full', () => incrementalWith({ full: true })],
    ['a negative index', () => incrementalWith({ index: -1 })],
    ['index 1 without previous', () => incrementalWith({ previous: null })],
    ['index 1 with an array as previous', () => incrementalWith({ previous: [] })],
    ['index 1 with a bad previous hash', () => incrementalWith({ previous: { name: 'x.ibu', sha256: `${otherSha}0` } })],
    ['index 1 with a previous without name', () => incrementalWith({ previous: { sha256: otherSha } })],
    ['index 0 with a previous', () => incrementalWith({ index: 0, full: true, startLsn: 0, previous: { name: 'x.ibu', sha256: otherSha } })],
    ['index 0 with previous missing', () => incrementalWith({ index: 0, full: true, startLsn: 0, previous: undefined })],
    ['startLsn past lsn', () => incrementalWith({ startLsn: 43 })],
    ['a missing startLsn', () => incrementalWith({ startLsn: undefined })],
  ])('refuses %s with ERR_MANIFEST_INVALID', (_what, make) => {
    refusedMessage(make());
  });

  it('names the member, item, version or file names at fault in its messages', () => {
    expect(refusedMessage(fullWith({ databaseName: '' }))).toContain('"databaseName"');
    expect(refusedMessage(fullWith({ lsn: -1 }))).toContain('"lsn"');
    expect(refusedMessage(fullWith({ databaseFormatVersion: 0 }))).toMatch(/"databaseFormatVersion".*\b1\b/);
    expect(refusedMessage(fullWith({ format: 'x' }))).toContain(MANIFEST_FORMAT);
    expect(refusedMessage(fullWith({ formatVersion: 7 }))).toMatch(/\b7\b.*\b1\b/);
    const good = { name: 'a', size: 1, sha256: sha };
    expect(refusedMessage(fullWith({ files: [good, 'b'] }))).toContain('files[1]');
    expect(refusedMessage(fullWith({ files: [good, { name: 'b', size: 1, sha256: 'x' }] }))).toContain('files[1]');
    expect(refusedMessage(fullWith({ files: [{ name: 'zeta', size: 1, sha256: sha }, { name: 'alpha', size: 1, sha256: sha }] }))).toMatch(/"alpha".*"zeta"/);
    expect(refusedMessage(incrementalWith({ previous: { name: 'x.ibu', sha256: '' } }))).toContain('"sha256"');
  });
});
