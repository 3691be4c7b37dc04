/**
 * checkBackupContents (RESTORE-035 to RESTORE-042, RESTORE-051, VERIFY-003): every check on a
 * small hand-made backup (a metadata file, two classes' cluster files, a write-ahead log and a
 * manifest) staged on a MemoryFileSystem: which problem each damage gives, with its code,
 * `details` and the entry named in its message; the order of the checks; first-only (restore)
 * against every problem (verify); `structureOnly` (incremental chains); the size limits at
 * their boundary; and that a failure which is not a finding (an I/O error) is not swallowed.
 *
 * Backups are built inside the tests that use them (no `beforeAll`), so that a broken builder
 * fails a test rather than the file's collection.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MANIFEST_ENTRY, buildManifest, type ManifestInput } from '../../src/backup/manifest.js';
import { PAGE_SIZE } from '../../src/engine/constants.js';
import { formatPage, sealPage } from '../../src/engine/page.js';
import { encodeGroup, encodeWalHeader, type PageImage } from '../../src/engine/wal-format.js';
import { BackupConformanceError, fail, isCodedError } from '../../src/errors.js';
import { FaultyFileSystem, MemoryFileSystem, type FileSystem } from '../../src/fs/index.js';
import { stagedContents, type BackupContents, type BackupFile } from '../../src/restore/backup-contents.js';
import { MAX_MANIFEST_BYTES, MAX_METADATA_BYTES, MAX_WAL_BYTES, checkBackupContents, type BackupCheckResult } from '../../src/restore/check-backup.js';

const METADATA = {
  formatVersion: 1,
  name: 'shop',
  instanceId: 'instance-1',
  createdAt: '2026-11-29T05:00:00.000Z',
  lsn: 9,
  nextClusterId: 3,
  classes: [
    { name: 'Item', clusterId: 1, clusterName: 'item' },
    { name: 'Other', clusterId: 2, clusterName: 'other' },
  ],
  users: [{ name: 'admin', role: 'admin', salt: 'c2FsdA==', hash: 'scrypt$16$8$1$aGFzaA==' }],
};

/** A sealed page with some content (`damaged`: one byte flipped after sealing). */
function page(seed: number, damaged = false): Buffer {
  const bytes = Buffer.alloc(PAGE_SIZE);
  formatPage(bytes, 3, seed);
  bytes.fill(seed & 0xff, 64, 2000);
  sealPage(bytes);
  if (damaged) bytes[1500] ^= 0xff;
  return bytes;
}

function image(file: string, index: number, bytes: Buffer): PageImage {
  return { fileName: Buffer.from(file, 'utf8'), index, page: bytes };
}

/** A write-ahead log with one committed group of `images`. */
function wal(images: readonly PageImage[]): Buffer {
  return Buffer.concat([encodeWalHeader(5), encodeGroup(images, 9)]);
}

/** The data files of a sound database (no manifest). */
function databaseFiles(): Map<string, Buffer> {
  return new Map([
    ['database.ocf', Buffer.from(JSON.stringify(METADATA))],
    ['database.wal', wal([image('item.pcl', 1, page(21)), image('other.cpm', 0, page(22))])],
    ['item.cpm', page(1)],
    ['item.pcl', Buffer.concat([page(2), page(3)])],
    ['other.cpm', page(4)],
    ['other.pcl', Buffer.concat([page(5), Buffer.alloc(PAGE_SIZE)])],
  ]);
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The manifest input listing `files` as they are (a test then changes what it needs). */
function manifestInput(files: ReadonlyMap<string, Buffer>): Extract<ManifestInput, { kind: 'full' }> {
  return {
    kind: 'full',
    databaseName: 'shop',
    databaseFormatVersion: 1,
    instanceId: 'instance-1',
    lsn: 9,
    createdAt: '2026-11-29T05:00:01.000Z',
    files: [...files].map(([name, bytes]) => ({ name, size: bytes.length, sha256: sha256(bytes) })),
  };
}

/** A database's files with the manifest of `input` (default: listing them as they are) first. */
function backupFiles(files = databaseFiles(), input: ManifestInput = manifestInput(files)): Map<string, Buffer> {
  return new Map([[MANIFEST_ENTRY, buildManifest(input).bytes], ...files]);
}

interface StageOptions {
  /** Sizes to declare instead of the real ones. */
  readonly sizes?: Readonly<Record<string, number>>;
  /** List the files without their SHA-256 (as a staged chain does). */
  readonly withoutSha?: boolean;
}

/** Stages `files` on a MemoryFileSystem under `/db` and returns their contents, in `files`' order. */
async function staged(files: ReadonlyMap<string, Buffer>, options: StageOptions = {}, wrap?: (fs: MemoryFileSystem) => FileSystem): Promise<BackupContents> {
  const fs = new MemoryFileSystem();
  await fs.mkdir('/db', { recursive: true });
  const list: BackupFile[] = [];
  for (const [name, bytes] of files) {
    const handle = await fs.open(`/db/${name}`, 'w');
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.close();
    const size = options.sizes?.[name] ?? bytes.length;
    list.push(options.withoutSha === true ? { name, size } : { name, size, sha256: sha256(bytes) });
  }
  return stagedContents(wrap === undefined ? fs : wrap(fs), '/db', list);
}

/** The problems as code, details and entry, checking that each message names what it is about. */
function found(result: BackupCheckResult): { code: string; details: unknown }[] {
  return result.problems.map((problem) => {
    expect(problem).toBeInstanceOf(BackupConformanceError);
    const entry = problem.details.entry;
    if (typeof entry === 'string' && entry !== 'database.wal' && entry !== MANIFEST_ENTRY) expect(problem.message).toContain(entry);
    return { code: problem.code, details: problem.details };
  });
}

function withFile(files: Map<string, Buffer>, name: string, bytes: Buffer | undefined): Map<string, Buffer> {
  const copy = new Map(files);
  if (bytes === undefined) copy.delete(name);
  else copy.set(name, bytes);
  return copy;
}

const one = (code: string, details: Record<string, unknown>) => [{ code, details }];

describe('a sound backup', () => {
  it('with a manifest gives no problem, the manifest and the metadata, in either mode', async () => {
    const files = databaseFiles();
    const { manifest } = buildManifest(manifestInput(files));
    for (const options of [undefined, {}, { all: false }, { all: true }]) {
      const result = await checkBackupContents(await staged(backupFiles(files)), options);
      expect(result.problems).toEqual([]);
      expect(result.manifest).toStrictEqual(manifest);
      expect(result.metadata).toStrictEqual(METADATA);
      expect(Object.keys(result).sort()).toEqual(['manifest', 'metadata', 'problems']);
    }
  });

  it('without a manifest (a database directory archived as is) gives no problem and the metadata only', async () => {
    const result = await checkBackupContents(await staged(databaseFiles()));
    expect(result.problems).toEqual([]);
    expect(result.metadata).toStrictEqual(METADATA);
    expect(Object.keys(result).sort()).toEqual(['metadata', 'problems']);
  });

  it('without a write-ahead log, and with empty cluster files, is sound', async () => {
    const files = withFile(withFile(databaseFiles(), 'database.wal', undefined), 'other.pcl', Buffer.alloc(0));
    expect((await checkBackupContents(await staged(backupFiles(files)))).problems).toEqual([]);
    expect((await checkBackupContents(await staged(files), { all: true })).problems).toEqual([]);
  });

  it('whose files carry no SHA-256 is checked by size only', async () => {
    const files = databaseFiles();
    const input = manifestInput(files);
    const listed = { ...input, files: input.files.map((file) => ({ ...file, sha256: 'f'.repeat(64) })) };
    const result = await checkBackupContents(await staged(backupFiles(files, listed), { withoutSha: true }), { all: true });
    expect(result.problems).toEqual([]);
    expect(result.manifest).toBeDefined();
  });
});

describe('not a backup', () => {
  it('neither a manifest nor a metadata file at the root: ERR_NOT_A_BACKUP naming no entry, in either mode', async () => {
    const files = withFile(databaseFiles(), 'database.ocf', undefined);
    for (const all of [false, true]) {
      const result = await checkBackupContents(await staged(files), { all });
      expect(result.problems.map((problem) => problem.code)).toEqual(['ERR_NOT_A_BACKUP']);
      expect(result.problems[0]!.details).toStrictEqual({});
      expect(result.problems[0]!.message).toContain(MANIFEST_ENTRY);
      expect(result.problems[0]!.message).toContain('database.ocf');
      expect(Object.keys(result)).toEqual(['problems']);
    }
  });

  it('an incremental manifest: ERR_NOT_A_BACKUP on the manifest, naming its index', async () => {
    const files = databaseFiles();
    const input = { ...manifestInput(files), kind: 'incremental' as const, index: 7, full: false, startLsn: 3, previous: { name: 'prev.ibu', sha256: 'b'.repeat(64) } };
    const result = await checkBackupContents(await staged(backupFiles(files, input)), { all: true });
    expect(found(result)).toEqual(one('ERR_NOT_A_BACKUP', { entry: MANIFEST_ENTRY }));
    expect(result.problems[0]!.message).toContain('index 7');
    expect(Object.keys(result)).toEqual(['problems']);
  });
});

describe('the manifest', () => {
  it('larger than MAX_MANIFEST_BYTES is refused before it is read; exactly that size is read', async () => {
    const files = backupFiles();
    const over = await checkBackupContents(await staged(files, { sizes: { [MANIFEST_ENTRY]: MAX_MANIFEST_BYTES + 1 } }), { all: true });
    expect(found(over)).toEqual(one('ERR_MANIFEST_INVALID', { entry: MANIFEST_ENTRY }));
    expect(over.problems[0]!.message).toContain(String(MAX_MANIFEST_BYTES + 1));
    const at = await checkBackupContents(await staged(files, { sizes: { [MANIFEST_ENTRY]: MAX_MANIFEST_BYTES } }));
    expect(at.problems).toEqual([]);
    expect(MAX_MANIFEST_BYTES).toBeGreaterThanOrEqual(1024 * 1024);
  });

  it('that does not parse: ERR_MANIFEST_INVALID on the manifest, and the structure is not checked', async () => {
    const files = withFile(withFile(backupFiles(), MANIFEST_ENTRY, Buffer.from('{ not json')), 'item.pcl', page(2, true));
    for (const all of [false, true]) {
      const result = await checkBackupContents(await staged(files), { all });
      expect(found(result)).toEqual(one('ERR_MANIFEST_INVALID', { entry: MANIFEST_ENTRY }));
      expect(Object.keys(result)).toEqual(['problems']);
    }
  });

  it('that cannot be read: a coded error keeps its code and details, anything else is ERR_MANIFEST_INVALID with its message', async () => {
    const contents = await staged(backupFiles());
    const failingWith = (thrown: unknown): BackupContents => ({
      files: contents.files,
      read: async (name) => {
        if (name === MANIFEST_ENTRY) throw thrown;
        return contents.read(name);
      },
      pageProblem: (name) => contents.pageProblem(name),
    });
    const coded = await checkBackupContents(failingWith(fail('ERR_IO', 'disk gone', { details: { path: '/db/x' } })));
    expect(found(coded)).toEqual(one('ERR_IO', { path: '/db/x', entry: MANIFEST_ENTRY }));
    expect(coded.problems[0]!.message).toBe('disk gone');
    const plain = await checkBackupContents(failingWith(new Error('boom')));
    expect(found(plain)).toEqual(one('ERR_MANIFEST_INVALID', { entry: MANIFEST_ENTRY }));
    expect(plain.problems[0]!.message).toBe('boom');
    const text = await checkBackupContents(failingWith('just text'));
    expect(text.problems[0]!.code).toBe('ERR_MANIFEST_INVALID');
    expect(text.problems[0]!.message).toBe('just text');
  });

  it('of another database format version: ERR_UNSUPPORTED_FORMAT_VERSION on the manifest, naming the version', async () => {
    const files = databaseFiles();
    const result = await checkBackupContents(await staged(backupFiles(files, { ...manifestInput(files), databaseFormatVersion: 2 })), { all: true });
    expect(found(result)).toEqual(one('ERR_UNSUPPORTED_FORMAT_VERSION', { entry: MANIFEST_ENTRY }));
    expect(result.problems[0]!.message).toContain('version 2');
  });

  it('listing files the archive lacks: ERR_MANIFEST_MISSING_FILE for each, in the manifest order', async () => {
    const files = databaseFiles();
    const input = manifestInput(files);
    const listed = { ...input, files: [...input.files, { name: 'zz.pcl', size: 1, sha256: 'c'.repeat(64) }, { name: 'aa.pcl', size: 2, sha256: 'd'.repeat(64) }] };
    const all = await checkBackupContents(await staged(backupFiles(files, listed)), { all: true });
    expect(found(all)).toEqual([
      { code: 'ERR_MANIFEST_MISSING_FILE', details: { entry: 'aa.pcl' } },
      { code: 'ERR_MANIFEST_MISSING_FILE', details: { entry: 'zz.pcl' } },
    ]);
    expect(Object.keys(all)).toEqual(['problems']);
    const first = await checkBackupContents(await staged(backupFiles(files, listed)));
    expect(found(first)).toEqual(one('ERR_MANIFEST_MISSING_FILE', { entry: 'aa.pcl' }));
  });

  it('not listing files of the archive: ERR_MANIFEST_UNLISTED_FILE for each, in the archive order', async () => {
    const files = databaseFiles();
    const input = manifestInput(files);
    const archive = new Map([...backupFiles(files), ['notes.txt', Buffer.from('x')], ['extra.bin', Buffer.from('y')]]);
    const all = await checkBackupContents(await staged(archive), { all: true });
    expect(found(all)).toEqual([
      { code: 'ERR_MANIFEST_UNLISTED_FILE', details: { entry: 'notes.txt' } },
      { code: 'ERR_MANIFEST_UNLISTED_FILE', details: { entry: 'extra.bin' } },
    ]);
    const listedTwo = { ...input, files: input.files.filter((file) => file.name !== 'other.cpm') };
    const first = await checkBackupContents(await staged(backupFiles(files, listedTwo)));
    expect(found(first)).toEqual(one('ERR_MANIFEST_UNLISTED_FILE', { entry: 'other.cpm' }));
  });

  it('with another size or SHA-256: ERR_MANIFEST_MISMATCH for each file, in the archive order', async () => {
    const files = databaseFiles();
    const input = manifestInput(files);
    const listed = {
      ...input,
      files: input.files.map((file) =>
        file.name === 'item.pcl' ? { ...file, size: file.size + 1 } : file.name === 'database.ocf' ? { ...file, sha256: 'e'.repeat(64) } : file,
      ),
    };
    const all = await checkBackupContents(await staged(backupFiles(files, listed)), { all: true });
    expect(found(all)).toEqual([
      { code: 'ERR_MANIFEST_MISMATCH', details: { entry: 'database.ocf' } },
      { code: 'ERR_MANIFEST_MISMATCH', details: { entry: 'item.pcl' } },
    ]);
    expect(all.problems[0]!.message).toContain('e'.repeat(64));
    expect(all.problems[0]!.message).toContain(sha256(files.get('database.ocf')!));
    expect(all.problems[1]!.message).toContain(String(2 * PAGE_SIZE + 1));
    const first = await checkBackupContents(await staged(backupFiles(files, listed)));
    expect(found(first)).toEqual(one('ERR_MANIFEST_MISMATCH', { entry: 'database.ocf' }));
  });

  it('problems come in the order missing, unlisted, mismatched; the structure is not checked after them', async () => {
    const files = withFile(databaseFiles(), 'item.pcl', page(2, true));
    const input = manifestInput(files);
    const listed = {
      ...input,
      files: [...input.files.filter((file) => file.name !== 'other.pcl').map((file) => (file.name === 'item.cpm' ? { ...file, size: 1 } : file)), { name: 'lost.pcl', size: 1, sha256: 'c'.repeat(64) }],
    };
    const archive = new Map([...backupFiles(files, listed), ['notes.txt', Buffer.from('x')]]);
    const all = await checkBackupContents(await staged(archive), { all: true });
    expect(found(all)).toEqual([
      { code: 'ERR_MANIFEST_MISSING_FILE', details: { entry: 'lost.pcl' } },
      { code: 'ERR_MANIFEST_UNLISTED_FILE', details: { entry: 'other.pcl' } },
      { code: 'ERR_MANIFEST_UNLISTED_FILE', details: { entry: 'notes.txt' } },
      { code: 'ERR_MANIFEST_MISMATCH', details: { entry: 'item.cpm' } },
    ]);
    expect(Object.keys(all)).toEqual(['problems']);
    const first = await checkBackupContents(await staged(archive));
    expect(found(first)).toEqual(one('ERR_MANIFEST_MISSING_FILE', { entry: 'lost.pcl' }));
  });

  it('is skipped with structureOnly: a manifest that lists nothing right, or none at all, and only the structure counts', async () => {
    const files = databaseFiles();
    const listed = { ...manifestInput(files), kind: 'full' as const, databaseFormatVersion: 2, files: [{ name: 'lost.pcl', size: 1, sha256: 'c'.repeat(64) }] };
    const result = await checkBackupContents(await staged(backupFiles(files, listed)), { structureOnly: true, all: true });
    expect(result.problems).toEqual([]);
    expect(result.metadata).toStrictEqual(METADATA);
    expect(Object.keys(result).sort()).toEqual(['metadata', 'problems']);
    const noMetadata = await checkBackupContents(await staged(withFile(files, 'database.ocf', undefined)), { structureOnly: true });
    expect(found(noMetadata)).toEqual(one('ERR_CORRUPT_DATABASE', { entry: 'database.ocf' }));
    const damaged = await checkBackupContents(await staged(withFile(files, 'other.cpm', page(4, true))), { structureOnly: true, all: false });
    expect(found(damaged)).toEqual(one('ERR_CORRUPT_PAGE', { file: 'other.cpm', page: 0, entry: 'other.cpm' }));
  });
});

describe('the metadata file', () => {
  it('missing behind a sound manifest: ERR_CORRUPT_DATABASE on it, in either mode, and nothing else is checked', async () => {
    const files = withFile(withFile(databaseFiles(), 'database.ocf', undefined), 'item.pcl', page(1, true));
    for (const all of [false, true]) {
      const result = await checkBackupContents(await staged(backupFiles(files)), { all });
      expect(found(result)).toEqual(one('ERR_CORRUPT_DATABASE', { entry: 'database.ocf' }));
      expect(Object.keys(result).sort()).toEqual(['manifest', 'problems']);
    }
  });

  it('larger than MAX_METADATA_BYTES is refused; exactly that size is read', async () => {
    const files = databaseFiles();
    const over = await checkBackupContents(await staged(files, { sizes: { 'database.ocf': MAX_METADATA_BYTES + 1 } }), { all: true });
    expect(found(over)).toEqual(one('ERR_CORRUPT_DATABASE', { entry: 'database.ocf' }));
    expect(over.problems[0]!.message).toContain(String(MAX_METADATA_BYTES + 1));
    const at = await checkBackupContents(await staged(files, { sizes: { 'database.ocf': MAX_METADATA_BYTES } }));
    expect(at.problems).toEqual([]);
    expect(MAX_METADATA_BYTES).toBeGreaterThanOrEqual(1024 * 1024);
  });

  it('that is not UTF-8 JSON: ERR_CORRUPT_DATABASE on it', async () => {
    const json = JSON.stringify(METADATA);
    const notUtf8 = Buffer.concat([Buffer.from(json.slice(0, json.indexOf('shop'))), Buffer.from([0xff, 0xfe]), Buffer.from(json.slice(json.indexOf('shop')))]);
    for (const bytes of [Buffer.from('{ "formatVersion": 1, '), notUtf8]) {
      const result = await checkBackupContents(await staged(withFile(databaseFiles(), 'database.ocf', bytes)), { all: true });
      expect(found(result)).toEqual(one('ERR_CORRUPT_DATABASE', { entry: 'database.ocf' }));
      expect(Object.keys(result)).toEqual(['problems']);
    }
  });

  it('of another positive integer format version: ERR_UNSUPPORTED_FORMAT_VERSION naming it', async () => {
    for (const version of [2, 99]) {
      const bytes = Buffer.from(JSON.stringify({ ...METADATA, formatVersion: version }));
      const result = await checkBackupContents(await staged(withFile(databaseFiles(), 'database.ocf', bytes)));
      expect(found(result)).toEqual(one('ERR_UNSUPPORTED_FORMAT_VERSION', { entry: 'database.ocf' }));
      expect(result.problems[0]!.message).toContain(`version ${version}`);
    }
  });

  it('of a malformed version or shape: ERR_CORRUPT_DATABASE with the parser details and the entry', async () => {
    const malformed: unknown[] = [
      { ...METADATA, formatVersion: 0 },
      { ...METADATA, formatVersion: -1 },
      { ...METADATA, formatVersion: 1.5 },
      { ...METADATA, formatVersion: '2' },
      { ...METADATA, name: 7 },
      null,
      5,
      'text',
      [1],
    ];
    for (const value of malformed) {
      const result = await checkBackupContents(await staged(withFile(databaseFiles(), 'database.ocf', Buffer.from(JSON.stringify(value)))), { all: true });
      expect(found(result), JSON.stringify(value)).toEqual(one('ERR_CORRUPT_DATABASE', { file: 'database.ocf', entry: 'database.ocf' }));
      expect(Object.keys(result)).toEqual(['problems']);
    }
  });

  it('that cannot be read: the I/O error is its finding, with the entry added, as for the manifest and the log', async () => {
    const files = databaseFiles();
    for (const all of [false, true]) {
      const contents = await staged(files, {}, (fs) => new FaultyFileSystem(fs, { failAt: 1, operations: ['readFile'], path: (path) => path.endsWith('database.ocf') }));
      const result = await checkBackupContents(contents, { all });
      expect(found(result)).toEqual(one('ERR_IO', { path: '/db/database.ocf', errno: 'EIO', entry: 'database.ocf' }));
    }
  });

  it('that cannot be read for a reason without a code: ERR_CORRUPT_DATABASE with the reason', async () => {
    const contents = await staged(databaseFiles());
    const failing: BackupContents = {
      files: contents.files,
      read: async (name) => {
        if (name === 'database.ocf') throw new Error('inflate failed');
        return contents.read(name);
      },
      pageProblem: (name) => contents.pageProblem(name),
    };
    const result = await checkBackupContents(failing, { all: true });
    expect(result.problems.map(({ code, details }) => ({ code, details }))).toEqual(one('ERR_CORRUPT_DATABASE', { entry: 'database.ocf' }));
    expect(result.problems[0]!.message).toBe('inflate failed');
  });
});

describe('the cluster files', () => {
  it('missing, damaged or cut: one problem each with every problem, the first only without', async () => {
    const files = withFile(withFile(withFile(databaseFiles(), 'item.cpm', undefined), 'item.pcl', Buffer.concat([page(2), page(3, true)])), 'other.pcl', Buffer.concat([page(5), Buffer.alloc(10)]));
    const all = await checkBackupContents(await staged(backupFiles(files)), { all: true });
    expect(found(all)).toEqual([
      { code: 'ERR_CORRUPT_PAGE', details: { file: 'item.pcl', page: 1, entry: 'item.pcl' } },
      { code: 'ERR_CORRUPT_DATABASE', details: { entry: 'item.cpm' } },
      { code: 'ERR_CORRUPT_DATABASE', details: { entry: 'other.pcl', size: PAGE_SIZE + 10 } },
    ]);
    expect(all.problems[1]!.message).toContain("class 'Item'");
    expect(all.metadata).toStrictEqual(METADATA);
    expect(all.manifest).toBeDefined();
    for (const options of [undefined, {}, { all: false }]) {
      const first = await checkBackupContents(await staged(backupFiles(files)), options);
      expect(found(first)).toEqual(one('ERR_CORRUPT_PAGE', { file: 'item.pcl', page: 1, entry: 'item.pcl' }));
      expect(Object.keys(first).sort()).toEqual(['manifest', 'problems']);
    }
  });

  it('of the second class are checked too, data and map file', async () => {
    for (const name of ['other.pcl', 'other.cpm']) {
      const missing = await checkBackupContents(await staged(withFile(databaseFiles(), name, undefined)));
      expect(found(missing)).toEqual(one('ERR_CORRUPT_DATABASE', { entry: name }));
      const damaged = await checkBackupContents(await staged(withFile(databaseFiles(), name, page(9, true))));
      expect(found(damaged)).toEqual(one('ERR_CORRUPT_PAGE', { file: name, page: 0, entry: name }));
    }
  });
});

describe('the write-ahead log', () => {
  it('larger than MAX_WAL_BYTES is refused; exactly that size is read', async () => {
    const files = databaseFiles();
    const over = await checkBackupContents(await staged(files, { sizes: { 'database.wal': MAX_WAL_BYTES + 1 } }), { all: true });
    expect(found(over)).toEqual(one('ERR_CORRUPT_WAL', { entry: 'database.wal' }));
    expect(over.problems[0]!.message).toContain(String(MAX_WAL_BYTES + 1));
    expect(over.metadata).toStrictEqual(METADATA);
    const at = await checkBackupContents(await staged(files, { sizes: { 'database.wal': MAX_WAL_BYTES } }));
    expect(at.problems).toEqual([]);
    expect(MAX_WAL_BYTES).toBeGreaterThanOrEqual(1024 * 1024);
  });

  it('with a damaged header: ERR_CORRUPT_WAL with the parser details and the entry', async () => {
    const bytes = Buffer.from(databaseFiles().get('database.wal')!);
    bytes[2] ^= 0xff;
    const result = await checkBackupContents(await staged(backupFiles(withFile(databaseFiles(), 'database.wal', bytes))), { all: true });
    expect(found(result)).toEqual(one('ERR_CORRUPT_WAL', { file: 'database.wal', entry: 'database.wal' }));
  });

  it('logging a page of a file the database does not have, or a damaged page: one ERR_CORRUPT_WAL naming the file', async () => {
    const cases: [PageImage[], string][] = [
      [[image('item.pcl', 0, page(30)), image('ghost.pcl', 0, page(31)), image('item.cpm', 0, page(32, true))], 'ghost.pcl'],
      [[image('item.cpm', 0, page(30)), image('other.pcl', 3, page(31, true)), image('ghost.pcl', 0, page(32))], 'other.pcl'],
    ];
    for (const [images, named] of cases) {
      const files = withFile(databaseFiles(), 'database.wal', wal(images));
      const all = await checkBackupContents(await staged(backupFiles(files)), { all: true });
      expect(found(all)).toEqual(one('ERR_CORRUPT_WAL', { entry: 'database.wal' }));
      expect(all.problems[0]!.message).toContain(`'${named}'`);
      expect(all.metadata).toStrictEqual(METADATA);
      const first = await checkBackupContents(await staged(files));
      expect(found(first)).toEqual(one('ERR_CORRUPT_WAL', { entry: 'database.wal' }));
    }
  });

  it('comes after the cluster files', async () => {
    const files = withFile(withFile(databaseFiles(), 'database.wal', wal([image('ghost.pcl', 0, page(1))])), 'other.cpm', undefined);
    const all = await checkBackupContents(await staged(files), { all: true });
    expect(found(all).map((problem) => problem.code)).toEqual(['ERR_CORRUPT_DATABASE', 'ERR_CORRUPT_WAL']);
  });

  it('that cannot be read: the I/O error is its finding, with the entry added, as for the metadata file', async () => {
    for (const all of [false, true]) {
      const contents = await staged(databaseFiles(), {}, (fs) => new FaultyFileSystem(fs, { failAt: 1, operations: ['readFile'], path: (path) => path.endsWith('database.wal') }));
      const result = await checkBackupContents(contents, { all });
      expect(found(result)).toEqual(one('ERR_IO', { path: '/db/database.wal', errno: 'EIO', entry: 'database.wal' }));
      expect(result.problems[0]!.message).toContain("'/db/database.wal'");
    }
  });

  it('that cannot be read for a reason without a code: ERR_CORRUPT_WAL with the reason', async () => {
    const contents = await staged(databaseFiles());
    const failing: BackupContents = {
      files: contents.files,
      read: async (name) => {
        if (name === 'database.wal') throw new Error('inflate failed');
        return contents.read(name);
      },
      pageProblem: (name) => contents.pageProblem(name),
    };
    const result = await checkBackupContents(failing, { all: true });
    expect(found(result)).toEqual(one('ERR_CORRUPT_WAL', { entry: 'database.wal' }));
    expect(result.problems[0]!.message).toBe('inflate failed');
  });
});
