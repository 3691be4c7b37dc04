import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractArchive, inspectArchive, openArchive } from '../../src/archive/read/index.js';
import { archiverZip } from './helpers/archiver-zip.js';

const CI = process.env.CI === 'true';
const ZIP = '/usr/bin/zip';
const hasZip = existsSync(ZIP);
const python = ['python3', 'python'].find((command) => {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

/** The files every tool archives: text, random bytes, empty, deep, non-ASCII name. */
const TREE: Record<string, Buffer> = {
  'db/data.pcl': Buffer.from(Array.from({ length: 12_000 }, (_, i) => `{"@rid":"#9:${i}","name":"user${i % 97}","score":${(i * 7919) % 1000}}\n`).join('')),
  'db/random.bin': randomBytes(200 * 1024),
  'db/empty.txt': Buffer.alloc(0),
  'db/sub/deep/file.txt': Buffer.from('deep\n'),
  'db/caf\u00e9.txt': Buffer.from('unicode name\n'),
  'manifest.json': Buffer.from('{"format":1}\n'),
};
const NAMES = Object.keys(TREE).sort();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let work: string;
let source: string;
beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'archive-read-valid-'));
  source = path.join(work, 'source');
  for (const [name, data] of Object.entries(TREE)) {
    mkdirSync(path.dirname(path.join(source, name)), { recursive: true });
    writeFileSync(path.join(source, name), data);
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

let counter = 0;
/**
 * Info-ZIP 3.0 as built here stores UTF-8 names without bit 11 or a Unicode path field; APPNOTE
 * (and yauzl, and Python) then read the bytes as CP437, and so do we.
 */
const INFO_ZIP_NAMES: Record<string, string> = { 'db/caf\u00e9.txt': 'db/caf\u251c\u2310.txt' };

/**
 * Extracts `archive` into a fresh directory and checks every file's bytes, size, CRC and
 * SHA-256. `renamed` maps a name of TREE to the name the archive is expected to carry.
 */
async function expectExtractsTree(archive: string, renamed: Record<string, string> = {}): Promise<void> {
  const target = path.join(work, `out-${(counter += 1)}`);
  const extracted = await extractArchive(archive, target);
  const original = new Map(NAMES.map((name) => [renamed[name] ?? name, name]));
  expect(extracted.map((entry) => entry.name).sort()).toEqual([...original.keys()].sort());
  for (const entry of extracted) {
    const expected = TREE[original.get(entry.name)!]!;
    expect(entry.size, entry.name).toBe(expected.length);
    expect(entry.sha256, entry.name).toBe(sha256(expected));
    expect(readFileSync(path.join(target, entry.name)).equals(expected), entry.name).toBe(true);
  }
  const inspected = await inspectArchive(archive);
  expect(inspected).toEqual(extracted);
}

function save(bytes: Buffer, name: string): string {
  const file = path.join(work, name);
  writeFileSync(file, bytes);
  return file;
}

describe('archives made by archiver 8', () => {
  it.each([0, 1, 9])('level %i reads and extracts exactly', async (level) => {
    const bytes = await archiverZip(
      NAMES.map((name) => ({ name, data: TREE[name]! })),
      { level, comment: 'OrientDB Backup executed on 2024-01-01' },
    );
    const file = save(bytes, `archiver-${level}.zip`);
    const archive = await openArchive(file);
    expect(archive.index.comment).toBe('OrientDB Backup executed on 2024-01-01');
    expect(archive.index.size).toBe(bytes.length);
    for (const entry of archive.index.entries) {
      // archiver stores empty files whatever the level.
      expect(entry.method, entry.name).toBe(level === 0 || entry.uncompressedSize === 0 ? 0 : 8);
    }
    await archive.close();
    await expectExtractsTree(file);
  });

  it('forceZip64 (ZIP64 extra fields and end records) reads and extracts exactly', async () => {
    const bytes = await archiverZip(NAMES.map((name) => ({ name, data: TREE[name]! })), { level: 6, forceZip64: true });
    await expectExtractsTree(save(bytes, 'archiver-zip64.zip'));
  });
});

const zipReason = hasZip || CI ? '' : ` (skipped: ${ZIP} is missing)`;
describe.skipIf(!hasZip && !CI)(`archives made by Info-ZIP zip${zipReason}`, () => {
  const zip = (args: string[], input?: Buffer) => execFileSync(ZIP, args, { cwd: source, input, maxBuffer: 64 * 1024 * 1024 });

  it('zip -r (DEFLATE, directory entries, extended timestamps)', async () => {
    const file = path.join(work, 'infozip.zip');
    zip(['-q', '-r', file, 'db', 'manifest.json']);
    await expectExtractsTree(file, INFO_ZIP_NAMES);
  });

  it('zip -0 (STORED)', async () => {
    const file = path.join(work, 'infozip-stored.zip');
    zip(['-q', '-0', '-r', file, 'db', 'manifest.json']);
    const archive = await openArchive(file);
    expect(archive.index.entries.every((entry) => entry.method === 0)).toBe(true);
    await archive.close();
    await expectExtractsTree(file, INFO_ZIP_NAMES);
  });

  it('zip to a pipe (data descriptors)', async () => {
    const bytes = zip(['-q', '-r', '-', 'db', 'manifest.json']);
    await expectExtractsTree(save(bytes, 'infozip-streamed.zip'), INFO_ZIP_NAMES);
  });

  it('zip from a pipe on standard input: refused, the entry records a non-regular file type', async () => {
    // Info-ZIP stores the mode of its standard input (here a socket; a FIFO from a shell pipe), so
    // the entry claims to be a non-regular file. We never create such files, so we refuse it.
    const file = path.join(work, 'infozip-stdin.zip');
    zip(['-q', file, '-'], TREE['db/data.pcl']);
    await expect(inspectArchive(file)).rejects.toMatchObject({ code: 'ERR_ARCHIVE_SYMLINK', details: { entry: '-' } });
  });
});

const PYTHON_WRITER = `
import os, shutil, sys, zipfile
mode, out, root = sys.argv[1], sys.argv[2], sys.argv[3]
names = sys.argv[4:]
method = zipfile.ZIP_STORED if mode == 'stored' else zipfile.ZIP_DEFLATED
target = sys.stdout.buffer if out == '-' else out
with zipfile.ZipFile(target, 'w', compression=method) as zf:
    zf.mkdir('db/') if hasattr(zf, 'mkdir') else None
    for name in names:
        if mode == 'stream':
            with open(os.path.join(root, name), 'rb') as src, zf.open(name, 'w', force_zip64=True) as dst:
                shutil.copyfileobj(src, dst)
        else:
            zf.write(os.path.join(root, name), name)
`;

const pythonReason = python || CI ? '' : ' (skipped: no python3)';
describe.skipIf(!python && !CI)(`archives made by Python's zipfile${pythonReason}`, () => {
  const run = (mode: string, out: string) => execFileSync(python ?? 'python3', ['-c', PYTHON_WRITER, mode, out, source, ...NAMES], { maxBuffer: 64 * 1024 * 1024 });

  it.each(['deflated', 'stored'])('%s, from files', async (mode) => {
    const file = path.join(work, `python-${mode}.zip`);
    run(mode, file);
    await expectExtractsTree(file);
  });

  it('streamed to a pipe with force_zip64 (data descriptors with 8-byte sizes, ZIP64 extra fields)', async () => {
    const bytes = run('stream', '-');
    await expectExtractsTree(save(bytes, 'python-stream.zip'));
  });
});
