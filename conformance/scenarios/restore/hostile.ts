/**
 * Hostile and broken archives (RESTORE-043 to RESTORE-060, RESTORE-065, RESTORE-066): each
 * refused with its own code. The archives are the committed fixtures of `fixtures/invalid/`
 * (their file name is the oracle) plus a few forged here. Whether the database stays intact and
 * nothing is written outside it is the business of RESTORE-014 to RESTORE-017.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { codeOf } from '../../assertions.js';
import { scenario, type Scenario, type ScenarioContext } from '../../scenario.js';
import { buildZip } from '../../support/zip-rewrite.js';
import { MANIFEST, archiveEntries, backupFile, expectRefused, fixturesOf, restoreFrom, rezip, seededDatabase, withManifest } from './support.js';

/** A scenario restoring every fixture of `code` (and `forge`d archives) into a database, each refused with `code`. */
function refusedWith(id: string, requirement: string, code: string, title: string, forge?: () => Buffer[]): Scenario {
  return scenario({
    id: `restore/${id}`,
    title,
    requirements: [requirement],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'target');
      const forged = forge?.() ?? [];
      const paths = [...fixturesOf(code)];
      for (const [index, bytes] of forged.entries()) {
        const path = ctx.path(`forged-${index}.zip`);
        await writeFile(path, bytes);
        paths.push(path);
      }
      for (const path of paths) await expectRefused(restoreFrom(db.conn, path), code, path);
    },
  });
}

const entry = (name: string, extra: Partial<Parameters<typeof buildZip>[0][number]> = {}) => buildZip([{ name, data: Buffer.from('x'), method: 0, ...extra }]);

const TABLE: Scenario[] = [
  refusedWith('empty-input-refused', 'RESTORE-043', 'ERR_ARCHIVE_EMPTY', 'a zero-byte input, a ZIP without entries and a ZIP of directories only are refused with ERR_ARCHIVE_EMPTY', () => [
    Buffer.alloc(0),
    buildZip([]),
    buildZip([{ name: 'a/' }, { name: 'a/b/' }]),
  ]),
  refusedWith('not-a-zip-refused', 'RESTORE-044', 'ERR_NOT_A_ZIP', 'text, a PNG header and a gzip stream are refused with ERR_NOT_A_ZIP', () => [
    Buffer.from('name,value\nbackup,false\n'),
  ]),
  refusedWith('truncated-archive-refused', 'RESTORE-045', 'ERR_ARCHIVE_TRUNCATED', 'archives cut short anywhere are refused with ERR_ARCHIVE_TRUNCATED', () => {
    const whole = buildZip([{ name: 'item.pcl', data: Buffer.alloc(3000, 1) }], { comment: 'a comment' });
    return [whole.subarray(0, 10), whole.subarray(0, whole.length - 4), whole.subarray(0, whole.length - 30)];
  }),
  refusedWith('trailing-bytes-refused', 'RESTORE-046', 'ERR_ARCHIVE_TRAILING_DATA', 'bytes after the end of central directory record and its comment are refused with ERR_ARCHIVE_TRAILING_DATA', () => [
    buildZip([{ name: 'item.pcl', data: Buffer.from('data') }], { trailing: Buffer.from('tail') }),
  ]),
  refusedWith('path-traversal-refused', 'RESTORE-047', 'ERR_ARCHIVE_PATH_TRAVERSAL', 'entry names with ".." segments, including ../<target>_evil/, are refused with ERR_ARCHIVE_PATH_TRAVERSAL', () => [
    entry('../target_evil/x'),
    entry('a/../../x'),
    entry('a/..'),
  ]),
  refusedWith('absolute-path-refused', 'RESTORE-048', 'ERR_ARCHIVE_ABSOLUTE_PATH', 'absolute names, drive letters and UNC paths are refused with ERR_ARCHIVE_ABSOLUTE_PATH', () => [
    entry('/etc/evil.txt'),
    entry('C:'),
    entry('//server/share/x'),
  ]),
  refusedWith('backslash-refused', 'RESTORE-049', 'ERR_ARCHIVE_BACKSLASH', 'entry names with a backslash are refused with ERR_ARCHIVE_BACKSLASH', () => [entry('db\\item.pcl')]),
  refusedWith('invalid-name-refused', 'RESTORE-050', 'ERR_ARCHIVE_INVALID_NAME', 'empty, control-character, colon, empty-segment, dot-segment and over-long names are refused with ERR_ARCHIVE_INVALID_NAME', () => [
    entry('a\u007fb'),
    entry('a/./b'),
    entry(`a/${'b'.repeat(256)}`),
    entry('x'.repeat(4097)),
    entry('item.pcl:stream'),
  ]),
  refusedWith('non-regular-entry-refused', 'RESTORE-052', 'ERR_ARCHIVE_SYMLINK', 'symbolic links, FIFOs, devices and sockets are refused with ERR_ARCHIVE_SYMLINK', () => [
    entry('socket', { externalAttributes: (0o140644 << 16) >>> 0 }),
    entry('block', { externalAttributes: (0o060644 << 16) >>> 0 }),
  ]),
  refusedWith('duplicate-entries-refused', 'RESTORE-053', 'ERR_ARCHIVE_DUPLICATE_ENTRY', 'equal names, names equal after case folding or NFC, and a file that is a directory prefix are refused with ERR_ARCHIVE_DUPLICATE_ENTRY', () => [
    buildZip([{ name: 'ITEM.pcl', data: Buffer.from('a') }, { name: 'item.pcl', data: Buffer.from('b') }]),
    buildZip([{ name: 'x', data: Buffer.from('a') }, { name: 'x/y', data: Buffer.from('b') }]),
  ]),
  refusedWith('overlapping-entries-refused', 'RESTORE-054', 'ERR_ARCHIVE_OVERLAPPING_ENTRIES', 'entries sharing bytes (Fifield’s zip bomb) are refused with ERR_ARCHIVE_OVERLAPPING_ENTRIES'),
  refusedWith('size-mismatch-refused', 'RESTORE-055', 'ERR_ARCHIVE_SIZE_MISMATCH', 'entries inflating to more or fewer bytes than declared are refused with ERR_ARCHIVE_SIZE_MISMATCH', () => [
    buildZip([{ name: 'item.pcl', data: Buffer.alloc(5000, 7), declare: { size: 4000 } }]),
    buildZip([{ name: 'item.pcl', data: Buffer.alloc(5000, 7), declare: { size: 6000 } }]),
  ]),
  refusedWith('crc-mismatch-refused', 'RESTORE-056', 'ERR_ARCHIVE_CRC_MISMATCH', 'entries whose bytes do not match their CRC-32 are refused with ERR_ARCHIVE_CRC_MISMATCH', () => [
    buildZip([{ name: 'item.pcl', data: Buffer.alloc(100, 1), method: 0, declare: { crc32: 1 } }]),
    buildZip([{ name: 'item.pcl', data: Buffer.alloc(100, 1), method: 8, declare: { crc32: 1 }, descriptor: 'signed' }]),
  ]),
  refusedWith('header-mismatch-refused', 'RESTORE-057', 'ERR_ARCHIVE_HEADER_MISMATCH', 'local headers that disagree with the central directory are refused with ERR_ARCHIVE_HEADER_MISMATCH'),
  refusedWith('encrypted-refused', 'RESTORE-058', 'ERR_ARCHIVE_ENCRYPTED', 'entries flagged as encrypted are refused with ERR_ARCHIVE_ENCRYPTED', () => [
    buildZip([{ name: 'item.pcl', data: Buffer.from('secret'), method: 0, flags: 0x0001 }]),
    buildZip([{ name: 'item.pcl', data: Buffer.from('secret'), method: 8, flags: 0x0041 }]),
  ]),
  refusedWith('unsupported-method-refused', 'RESTORE-059', 'ERR_ARCHIVE_UNSUPPORTED_METHOD', 'methods other than STORED and DEFLATE (Deflate64, bzip2, LZMA, Zstandard...) are refused with ERR_ARCHIVE_UNSUPPORTED_METHOD', () => [
    buildZip([{ name: 'item.pcl', data: Buffer.from('data'), method: 9, raw: Buffer.from([1, 2, 3, 4]) }]),
  ]),
  refusedWith('zip64-invalid-refused', 'RESTORE-060', 'ERR_ARCHIVE_ZIP64_INVALID', 'inconsistent ZIP64 records are refused with ERR_ARCHIVE_ZIP64_INVALID'),
  refusedWith('corrupt-deflate-refused', 'RESTORE-066', 'ERR_ARCHIVE_CORRUPT_DATA', 'DEFLATE data that cannot be decoded, or with bytes after its end, is refused with ERR_ARCHIVE_CORRUPT_DATA', () => [
    buildZip([{ name: 'item.pcl', data: Buffer.alloc(10, 1), method: 8, raw: Buffer.from([0xff, 0xff, 0xff, 0xff]) }]),
  ]),
];

/** Archives with two defects, and the code the order of RESTORE-051 gives. */
async function twoDefects(ctx: ScenarioContext, archive: string): Promise<[string, Buffer | string][]> {
  const good = { name: 'item.pcl', data: Buffer.alloc(200, 3) };
  return [
    ['ERR_ARCHIVE_PATH_TRAVERSAL', buildZip([{ ...good, declare: { crc32: 5 } }, { name: '../escape.txt', data: Buffer.from('x') }])],
    ['ERR_ARCHIVE_BACKSLASH', buildZip([{ name: 'a\\..\\..\\x', data: Buffer.from('x') }])],
    ['ERR_ARCHIVE_UNSUPPORTED_METHOD', buildZip([good, { ...good, method: 12, raw: Buffer.from('BZh9') }])],
    ['ERR_ARCHIVE_DUPLICATE_ENTRY', buildZip([good, { ...good, declare: { crc32: 9 } }])],
    ['ERR_ARCHIVE_CRC_MISMATCH', await rezip(ctx, archive, 'crc-and-manifest.zip', (entries) =>
      withManifest(entries, (m) => ({ ...m, lsn: 'not a number' })).map((e, i) => (i === 0 ? { ...e, declare: { crc32: 77 } } : e)),
    )],
    ['ERR_MANIFEST_INVALID', await rezip(ctx, archive, 'invalid-and-unlisted.zip', (entries) => [...withManifest(entries, (m) => ({ ...m, format: 'x' })), { name: 'unlisted.bin', data: Buffer.from('u') }])],
    ['ERR_MANIFEST_MISSING_FILE', await rezip(ctx, archive, 'missing-and-unlisted.zip', (entries) => [...entries.slice(1), { name: 'unlisted.bin', data: Buffer.from('u') }])],
  ];
}

export default [
  ...TABLE,

  scenario({
    id: 'restore/check-order',
    title: 'an archive with several defects is refused with the code of the first check in the order of RESTORE-051',
    requirements: ['RESTORE-051'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      for (const [index, [code, forged]] of (await twoDefects(ctx, archive)).entries()) {
        let path = forged as string;
        if (typeof forged !== 'string') {
          path = ctx.path(`two-defects-${index}.zip`);
          await writeFile(path, forged);
        }
        await expectRefused(restoreFrom(db.conn, path), code, `${path} (two defects)`);
      }
    },
  }),

  scenario({
    id: 'restore/refusal-names-entry',
    title: 'a refusal about one entry names that entry in its message',
    requirements: ['RESTORE-065'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      const cases: [string, string, Buffer | string][] = [
        ['../escape-065.txt', 'ERR_ARCHIVE_PATH_TRAVERSAL', entry('../escape-065.txt')],
        ['dir\\back-065.bin', 'ERR_ARCHIVE_BACKSLASH', entry('dir\\back-065.bin')],
        ['crc-065.bin', 'ERR_ARCHIVE_CRC_MISMATCH', buildZip([{ name: 'crc-065.bin', data: Buffer.from('abc'), declare: { crc32: 1 } }])],
        ['method-065.bin', 'ERR_ARCHIVE_UNSUPPORTED_METHOD', buildZip([{ name: 'method-065.bin', data: Buffer.from('abc'), method: 14, raw: Buffer.from('xyz') }])],
        ['unlisted-065.bin', 'ERR_MANIFEST_UNLISTED_FILE', await rezip(ctx, archive, 'unlisted.zip', (entries) => [...entries, { name: 'unlisted-065.bin', data: Buffer.from('u') }])],
      ];
      const victim = (await archiveEntries(archive)).find((e) => e.name !== MANIFEST)!.name;
      cases.push([victim, 'ERR_MANIFEST_MISMATCH', await rezip(ctx, archive, 'mismatch.zip', (entries) => withManifest(entries, (m) => ({ ...m, files: (m.files as { name: string; sha256: string }[]).map((f) => (f.name === victim ? { ...f, sha256: '0'.repeat(64) } : f)) })))]);
      for (const [index, [name, code, forged]] of cases.entries()) {
        let path = forged as string;
        if (typeof forged !== 'string') {
          path = ctx.path(`names-${index}.zip`);
          await writeFile(path, forged);
        }
        // Which code is RESTORE-047 to RESTORE-059's business; here only the message counts.
        const error = await restoreFrom(db.conn, path).then(
          () => assert.fail(`${path} (${code}) was restored`),
          (thrown: unknown) => thrown as Error,
        );
        // A name may be shown quoted, with its backslashes escaped.
        const named = error.message.includes(name) || error.message.includes(JSON.stringify(name).slice(1, -1));
        assert.ok(named, `the ${codeOf(error)} message "${error.message}" does not name the entry ${name}`);
      }
    },
  }),
];
