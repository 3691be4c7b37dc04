/**
 * Reading one chain file (`readChainManifest`, then `checkChainFileContent`): which defect lands
 * in which field of the facts (`unreadable`, the raw versions and index, `manifest`, `malformed`)
 * with which code, message and cause. The files are built here, entry by entry (STORED ZIPs in a
 * MemoryFileSystem), so that each test damages exactly one thing.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { writeStoredZip } from '../../conformance/scenarios/incremental/_support/zip.js';
import { MANIFEST_ENTRY, MANIFEST_FORMAT, parseManifest } from '../../src/backup/manifest.js';
import { FORMAT_VERSION, PAGE_SIZE } from '../../src/engine/constants.js';
import { encodeMetadata, type Metadata } from '../../src/engine/metadata.js';
import { PageType, formatPage, sealPage } from '../../src/engine/page.js';
import { isCodedError } from '../../src/errors.js';
import { FaultyFileSystem, type FileSystem, MemoryFileSystem } from '../../src/fs/index.js';
import { encodeFileList, encodePageRecord, parseFileList } from '../../src/incremental/chain-format.js';
import type { ChainProblem } from '../../src/incremental/chain-problem.js';
import { type ChainFileFacts, checkChainFileContent, hashFile, readChainManifest } from '../../src/incremental/inspect-chain-file.js';

const DIR = '/chain';
const FULL_NAME = 'db_2024-01-02-03-04-05_0_full.ibu';
const NEXT_NAME = 'db_2024-01-02-03-04-06_1.ibu';
const INSTANCE = '11111111-2222-3333-4444-555555555555';
const MAX_LISTING = 16 * 1024 * 1024;

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A written page of type `type` and LSN `lsn`, some content, sealed. */
function page(lsn: number, fill = 7, type: PageType = PageType.Data): Buffer {
  const bytes = Buffer.alloc(PAGE_SIZE);
  bytes.fill(fill, 64, 256);
  formatPage(bytes, type, lsn);
  sealPage(bytes);
  return bytes;
}

/** A page entry holding `records` (page index, page). */
function pages(...records: ReadonlyArray<readonly [number, Buffer]>): Buffer {
  return Buffer.concat(records.map(([index, bytes]) => encodePageRecord(index, bytes)));
}

function fileList(files: ReadonlyArray<readonly [string, number]>, removed: readonly string[] = []): Buffer {
  return encodeFileList({ pageSize: PAGE_SIZE, files: files.map(([name, count]) => ({ name, size: count * PAGE_SIZE })), removed });
}

function metadata(changes: Partial<Metadata> = {}): Buffer {
  return encodeMetadata({
    formatVersion: FORMAT_VERSION,
    name: 'db',
    instanceId: INSTANCE,
    createdAt: '2024-01-02T03:04:05.000Z',
    lsn: 5,
    nextClusterId: 2,
    classes: [{ name: 'Item', clusterId: 1, clusterName: 'item' }],
    users: [],
    ...changes,
  });
}

/** What a chain file is built from: its entries in archive order (the manifest goes last) and its manifest. */
interface FileParts {
  readonly entries: Map<string, Buffer>;
  readonly manifest: Record<string, unknown>;
}

/**
 * The parts of a sound file: index 0 (LSN 10) carries every page of `item.cpm` (1 page) and
 * `item.pcl` (2 pages) and the metadata; index 1 (LSN 20, after 10) carries page 1 of `item.pcl`.
 */
function soundParts(index = 0): FileParts {
  const entries = new Map<string, Buffer>();
  entries.set('files.json', fileList([['item.cpm', 1], ['item.pcl', 2]]));
  if (index === 0) {
    entries.set('pages/item.cpm.pages', pages([0, page(3, 1, PageType.ClusterHeader)]));
    entries.set('pages/item.pcl.pages', pages([0, page(4, 2)], [1, page(10, 3)]));
    entries.set('database.ocf', metadata());
  } else {
    entries.set('pages/item.pcl.pages', pages([1, page(20, 4)]));
  }
  const manifest: Record<string, unknown> = {
    format: MANIFEST_FORMAT,
    formatVersion: 1,
    kind: 'incremental',
    databaseName: 'db',
    databaseFormatVersion: FORMAT_VERSION,
    instanceId: INSTANCE,
    lsn: index === 0 ? 10 : 20,
    createdAt: '2024-01-02T03:04:05.000Z',
    index,
    full: index === 0,
    startLsn: index === 0 ? 0 : 10,
    previous: index === 0 ? null : { name: FULL_NAME, sha256: 'a'.repeat(64) },
  };
  return { entries, manifest };
}

/** The manifest's `files` for `entries`. */
function listing(entries: ReadonlyMap<string, Buffer>): Array<{ name: string; size: number; sha256: string }> {
  return [...entries.keys()].sort().map((name) => ({ name, size: entries.get(name)!.length, sha256: sha256(entries.get(name)!) }));
}

/**
 * The bytes of a chain file: `change` edits the parts of a sound file (the manifest's `files` are
 * computed from the entries afterwards, unless `change` set them); `manifestBytes` replaces the
 * manifest entry outright.
 */
function chainFile(options: { index?: number; change?: (parts: FileParts) => void; manifestBytes?: Buffer } = {}): Buffer {
  const parts = soundParts(options.index ?? 0);
  options.change?.(parts);
  if (!('files' in parts.manifest)) parts.manifest.files = listing(parts.entries);
  const list = [...parts.entries].map(([name, data]) => ({ name, data }));
  list.push({ name: MANIFEST_ENTRY, data: options.manifestBytes ?? Buffer.from(JSON.stringify(parts.manifest)) });
  return writeStoredZip(list);
}

async function put(fs: FileSystem, path: string, bytes: Uint8Array): Promise<void> {
  const handle = await fs.open(path, 'w');
  try {
    if (bytes.length > 0) await handle.write(bytes, 0, bytes.length, 0);
  } finally {
    await handle.close();
  }
}

/** A memory file system holding `bytes` as `/chain/<name>`. */
async function diskWith(bytes: Uint8Array, name = FULL_NAME): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  await fs.mkdir(DIR, { recursive: true });
  await put(fs, `${DIR}/${name}`, bytes);
  return fs;
}

/** Both reads of the file `bytes` named `name`. */
async function inspect(bytes: Uint8Array, name = FULL_NAME, limits?: Parameters<typeof readChainManifest>[2]['limits']): Promise<ChainFileFacts> {
  const fs = await diskWith(bytes, name);
  const options = { fs, ...(limits === undefined ? {} : { limits }) };
  const facts = await readChainManifest(DIR, name, options);
  await checkChainFileContent(facts, options);
  return facts;
}

/** The code of a problem's cause, when it is a coded error. */
function causeCode(problem: { cause?: unknown } | undefined): string | undefined {
  return isCodedError(problem?.cause) ? problem.cause.code : undefined;
}

/** Asserts that `problem` is a read failure of `name`: `The backup file <where> <text>: <cause's message> (<cause's code>)`. */
function expectReadFailure(problem: ChainProblem | undefined, where: string, text: string): void {
  const cause = problem?.cause as { code: string; message: string } | undefined;
  expect(cause).toBeDefined();
  expect(problem?.message).toBe(`The backup file ${where} ${text}: ${cause!.message} (${cause!.code})`);
}

/** Where `needle` lies in `haystack` (the offset of an entry's data in an archive). */
function offsetOf(haystack: Buffer, needle: Buffer): number {
  const at = haystack.indexOf(needle);
  expect(at).toBeGreaterThan(0);
  return at;
}

describe('readChainManifest', () => {
  it('records the name, the path, the index the name announces, the versions and the manifest of a sound file', async () => {
    const bytes = chainFile();
    const fs = await diskWith(bytes);
    const facts = await readChainManifest(DIR, FULL_NAME, { fs });
    const manifest = parseManifest(readManifestOf(bytes));
    expect(facts).toStrictEqual({
      name: FULL_NAME,
      path: `${DIR}/${FULL_NAME}`,
      nameIndex: 0,
      contentChecked: false,
      formatVersion: 1,
      databaseFormatVersion: FORMAT_VERSION,
      rawIndex: 0,
      manifest,
    });
    const later = await readChainManifest(DIR, 'renamed.ibu', { fs: await diskWith(chainFile({ index: 1 }), 'renamed.ibu') });
    expect(later.nameIndex).toBeUndefined();
    expect(later.rawIndex).toBe(1);
    expect(later.manifest?.index).toBe(1);
    expect(later.unreadable ?? later.malformed).toBeUndefined();
  });

  it('reports a file that cannot be stat-ed as ERR_IO, with the error as the cause', async () => {
    const missing = await readChainManifest(DIR, NEXT_NAME, { fs: await diskWith(chainFile()) });
    expect(missing.unreadable?.code).toBe('ERR_IO');
    expect(missing.unreadable?.file).toBe(NEXT_NAME);
    expect(missing.unreadable?.message).toContain(`'${NEXT_NAME}'`);
    expect(missing.unreadable?.message).not.toContain('(index');
    expect(missing.unreadable).not.toHaveProperty('index');
    expect(causeCode(missing.unreadable)).toBe('ERR_IO');
    expectReadFailure(missing.unreadable, `'${NEXT_NAME}'`, 'could not be read');
    expect(((missing.unreadable?.cause as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    const faulty = new FaultyFileSystem(await diskWith(chainFile()), { failAt: 1, operations: ['stat'], errno: 'EIO' });
    const failed = await readChainManifest(DIR, FULL_NAME, { fs: faulty });
    expect(failed.unreadable?.code).toBe('ERR_IO');
    expect(failed.manifest).toBeUndefined();
  });

  it('reports an empty file as ERR_CHAIN_CORRUPT without a cause', async () => {
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(Buffer.alloc(0)) });
    expect(facts.unreadable).toStrictEqual({ code: 'ERR_CHAIN_CORRUPT', message: expect.stringContaining(`'${FULL_NAME}'`), file: FULL_NAME });
  });

  it('reports bytes that are no ZIP archive as ERR_CHAIN_CORRUPT, the archive error as the cause', async () => {
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(Buffer.from('this is not a zip archive at all, just text')) });
    expect(facts.unreadable?.code).toBe('ERR_CHAIN_CORRUPT');
    expect(causeCode(facts.unreadable)).toBe('ERR_NOT_A_ZIP');
    expectReadFailure(facts.unreadable, `'${FULL_NAME}'`, 'is not a valid ZIP archive');
    expect(facts.formatVersion).toBeUndefined();
  });

  it('keeps ERR_ARCHIVE_LIMIT_EXCEEDED when the caller set the limits, and only then', async () => {
    const bytes = chainFile();
    const limited = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(bytes), limits: { maxEntries: 3 } });
    expect(limited.unreadable?.code).toBe('ERR_ARCHIVE_LIMIT_EXCEEDED');
    const roomy = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(bytes), limits: { maxEntries: 5 } });
    expect(roomy.unreadable).toBeUndefined();
    expect(roomy.manifest).toBeDefined();
    // Other archive faults stay corrupt files, limits or not.
    const garbage = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(Buffer.from('not a zip archive, whatever the limits')), limits: { maxEntries: 5 } });
    expect(garbage.unreadable?.code).toBe('ERR_CHAIN_CORRUPT');
    const content = await inspect(bytes.subarray(0, bytes.length - 1), FULL_NAME, { maxEntries: 5 });
    expect(content.unreadable?.code).toBe('ERR_CHAIN_CORRUPT');
  });

  it('reports a file beyond the default limits (more entries than any chain file holds) as ERR_CHAIN_CORRUPT', async () => {
    const entries = Array.from({ length: 20_001 }, (_, n) => ({ name: `e${n}`, data: Buffer.alloc(0) }));
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(writeStoredZip(entries)) });
    expect(facts.unreadable?.code).toBe('ERR_CHAIN_CORRUPT');
    expect(causeCode(facts.unreadable)).toBe('ERR_ARCHIVE_LIMIT_EXCEEDED');
  });

  it('reports an archive without a manifest as ERR_CHAIN_CORRUPT without a cause', async () => {
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(writeStoredZip([{ name: 'files.json', data: fileList([]) }])) });
    expect(facts.unreadable).toStrictEqual({ code: 'ERR_CHAIN_CORRUPT', message: expect.stringContaining(MANIFEST_ENTRY), file: FULL_NAME });
  });

  it('reports a manifest that fails its CRC-32 as ERR_CHAIN_CORRUPT, the archive error as the cause', async () => {
    const bytes = chainFile();
    const manifest = readManifestOf(bytes);
    bytes[offsetOf(bytes, manifest) + 10]! ^= 0x01;
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(bytes) });
    expect(facts.unreadable?.code).toBe('ERR_CHAIN_CORRUPT');
    expect(causeCode(facts.unreadable)).toBe('ERR_ARCHIVE_CRC_MISMATCH');
    expectReadFailure(facts.unreadable, `'${FULL_NAME}'`, `has an unreadable ${MANIFEST_ENTRY}`);
  });

  it('reports a read of the manifest that fails as ERR_IO', async () => {
    const bytes = chainFile();
    const faulty = new FaultyFileSystem(await diskWith(bytes), { failAt: Number.POSITIVE_INFINITY, operations: ['read'] });
    await readChainManifest(DIR, FULL_NAME, { fs: faulty });
    // The last read is that of the manifest's data (after the end record, the directory and the local headers).
    faulty.arm({ failAt: faulty.counted, operations: ['read'] });
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: faulty });
    expect(faulty.injected).toBe(1);
    expect(facts.unreadable?.code).toBe('ERR_IO');
    expectReadFailure(facts.unreadable, `'${FULL_NAME}'`, `has an unreadable ${MANIFEST_ENTRY}`);
  });

  it(`reads a manifest of exactly ${MAX_LISTING} bytes and refuses a longer one as ERR_CHAIN_CORRUPT`, async () => {
    const padded = (size: number): Buffer => {
      const json = Buffer.from(JSON.stringify({ ...soundParts().manifest, files: listing(soundParts().entries) }));
      return Buffer.concat([json, Buffer.alloc(size - json.length, 0x20)]);
    };
    const fits = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(chainFile({ manifestBytes: padded(MAX_LISTING) })) });
    expect(fits.unreadable).toBeUndefined();
    expect(fits.manifest?.index).toBe(0);
    const tooLong = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(chainFile({ manifestBytes: padded(MAX_LISTING + 1) })) });
    expect(tooLong.unreadable).toStrictEqual({
      code: 'ERR_CHAIN_CORRUPT',
      message: `The backup file '${FULL_NAME}' has an entry '${MANIFEST_ENTRY}' that declares ${MAX_LISTING + 1} bytes, more than the ${MAX_LISTING} accepted`,
      file: FULL_NAME,
    });
    expect(tooLong.formatVersion).toBeUndefined();
  });

  const notJson = `has a ${MANIFEST_ENTRY} that is not UTF-8 JSON`;
  const notAnObject = `has a ${MANIFEST_ENTRY} that is not a JSON object`;
  const unusable: Array<[string, Buffer, string]> = [
    ['not JSON', Buffer.from('{"formatVersion": 1'), notJson],
    ['not UTF-8 (one stray byte in a member nobody reads)', Buffer.concat([Buffer.from('{"formatVersion":1,"databaseFormatVersion":1,"index":0,"note":"'), Buffer.from([0xfe]), Buffer.from('"}')]), notJson],
    ['an array', Buffer.from('[1]'), notAnObject],
    ['null', Buffer.from('null'), notAnObject],
    ['a number', Buffer.from('5'), notAnObject],
  ];
  for (const [what, manifestBytes, text] of unusable) {
    it(`reports a manifest that is ${what} as unreadable (ERR_CHAIN_CORRUPT), reading no version`, async () => {
      const facts = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(chainFile({ manifestBytes })) });
      expect(facts.unreadable).toStrictEqual({ code: 'ERR_CHAIN_CORRUPT', message: `The backup file '${FULL_NAME}' ${text}`, file: FULL_NAME });
      expect(facts.malformed).toBeUndefined();
      expect(facts.formatVersion).toBeUndefined();
    });
  }

  it('records an unsupported version as found and goes no further (no manifest, no third-check problem)', async () => {
    const newer = await readChainManifest(DIR, NEXT_NAME, {
      fs: await diskWith(chainFile({ change: ({ manifest }) => Object.assign(manifest, { formatVersion: 999, index: 3, lsn: 'x' }) }), NEXT_NAME),
    });
    expect(newer).toMatchObject({ formatVersion: 999, databaseFormatVersion: FORMAT_VERSION, rawIndex: 3, nameIndex: 1 });
    expect(newer.manifest ?? newer.malformed ?? newer.unreadable).toBeUndefined();
    const otherEngine = await readChainManifest(DIR, FULL_NAME, {
      fs: await diskWith(chainFile({ change: ({ manifest }) => Object.assign(manifest, { databaseFormatVersion: 2 }) })),
    });
    expect(otherEngine).toMatchObject({ formatVersion: 1, databaseFormatVersion: 2, rawIndex: 0 });
    expect(otherEngine.manifest ?? otherEngine.malformed ?? otherEngine.unreadable).toBeUndefined();
  });

  for (const [what, index] of [['negative', -1], ['fractional', 1.5], ['a string', '2'], ['unsafe', 2 ** 53]] as const) {
    it(`records no raw index when the manifest's index is ${what}`, async () => {
      const facts = await readChainManifest(DIR, FULL_NAME, { fs: await diskWith(chainFile({ change: ({ manifest }) => Object.assign(manifest, { index }) })) });
      expect(facts.rawIndex).toBeUndefined();
      expect(facts.malformed?.code).toBe('ERR_CHAIN_CORRUPT');
      expect(facts.malformed).not.toHaveProperty('index');
      expect(facts.malformed?.message).toContain(`'${FULL_NAME}' has`);
    });
  }

  it('reports a manifest of the supported versions that is invalid as malformed, the manifest error as the cause', async () => {
    const facts = await readChainManifest(DIR, NEXT_NAME, {
      fs: await diskWith(chainFile({ index: 1, change: ({ manifest }) => delete manifest.instanceId }), NEXT_NAME),
    });
    expect(facts.unreadable).toBeUndefined();
    expect(facts.manifest).toBeUndefined();
    expect(facts.rawIndex).toBe(1);
    expect(facts.malformed).toMatchObject({ code: 'ERR_CHAIN_CORRUPT', file: NEXT_NAME, index: 1 });
    expect(causeCode(facts.malformed)).toBe('ERR_MANIFEST_INVALID');
    expectReadFailure(facts.malformed, `'${NEXT_NAME}' (index 1)`, `has an invalid ${MANIFEST_ENTRY}`);
  });

  it('reports the manifest of a full backup as malformed, without a cause', async () => {
    const facts = await readChainManifest(DIR, FULL_NAME, {
      fs: await diskWith(chainFile({ change: ({ manifest }) => Object.assign(manifest, { kind: 'full' }) })),
    });
    expect(facts.manifest).toBeUndefined();
    expect(facts.malformed).toStrictEqual({
      code: 'ERR_CHAIN_CORRUPT',
      message: `The backup file '${FULL_NAME}' (index 0) is not an incremental backup file (its manifest's kind is "full")`,
      file: FULL_NAME,
      index: 0,
    });
  });

  it('closes every file it opens, whatever it finds', async () => {
    for (const bytes of [chainFile(), writeStoredZip([{ name: 'x', data: Buffer.from('x') }]), chainFile({ manifestBytes: Buffer.from('[]') })]) {
      const faulty = new FaultyFileSystem(await diskWith(bytes), undefined, { record: true });
      const facts = await readChainManifest(DIR, FULL_NAME, { fs: faulty });
      await checkChainFileContent(facts, { fs: faulty });
      const count = (operation: string): number => faulty.calls.filter((call) => call.operation === operation).length;
      expect(count('open')).toBeGreaterThan(0);
      expect(count('close')).toBe(count('open'));
    }
  });
});

/** The manifest entry's bytes in a file built by {@link chainFile}. */
function readManifestOf(bytes: Buffer): Buffer {
  const start = bytes.indexOf(Buffer.from('{"format"'));
  const end = bytes.indexOf(Buffer.from('PK'), start);
  return bytes.subarray(start, end);
}

describe('hashFile', () => {
  it('only reads: a missing file is an error and stays missing', async () => {
    const fs = new MemoryFileSystem();
    await expect(hashFile(fs, '/missing')).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.stat('/missing')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('hashes files of any length, across its read chunks', async () => {
    const fs = new MemoryFileSystem();
    for (const size of [0, 1, 1024 * 1024, 2 * 1024 * 1024 + 3]) {
      const bytes = Buffer.alloc(size);
      for (let at = 0; at < size; at += 4099) bytes[at] = at % 251;
      await put(fs, `/f${size}`, bytes);
      expect(await hashFile(fs, `/f${size}`)).toBe(sha256(bytes));
    }
  });
});

describe('checkChainFileContent', () => {
  it('hashes a sound file, parses its files.json and finds nothing wrong', async () => {
    for (const index of [0, 1]) {
      const bytes = chainFile({ index });
      const facts = await inspect(bytes);
      expect(facts.unreadable).toBeUndefined();
      expect(facts.malformed).toBeUndefined();
      expect(facts.contentChecked).toBe(true);
      expect(facts.sha256).toBe(sha256(bytes));
      expect(facts.fileList).toEqual(parseFileList(fileList([['item.cpm', 1], ['item.pcl', 2]])));
    }
  });

  it('reads each byte of the file twice at most: once for the hash, once for the checks', async () => {
    const list = fileList([['item.cpm', 1], ['item.pcl', 300]]);
    const bytes = chainFile({
      change: ({ entries }) => {
        entries.set('files.json', Buffer.concat([Buffer.from('{'), Buffer.alloc(2 * 1024 * 1024, 0x20), list.subarray(1)]));
        entries.set('pages/item.pcl.pages', pages(...Array.from({ length: 300 }, (_, n) => [n, page(10, n % 200)] as const)));
      },
    });
    const fs = await diskWith(bytes);
    let read = 0;
    const counting: FileSystem = Object.assign(Object.create(fs) as FileSystem, {
      open: async (path: string, flags: 'r') => {
        const handle = await fs.open(path, flags);
        return {
          read: async (...args: Parameters<typeof handle.read>) => {
            const count = await handle.read(...args);
            read += count;
            return count;
          },
          write: (...args: Parameters<typeof handle.write>) => handle.write(...args),
          sync: () => handle.sync(),
          truncate: (length: number) => handle.truncate(length),
          stat: () => handle.stat(),
          close: () => handle.close(),
        };
      },
    });
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: counting });
    read = 0;
    await checkChainFileContent(facts, { fs: counting });
    expect(facts.unreadable ?? facts.malformed).toBeUndefined();
    expect(read).toBeGreaterThanOrEqual(2 * bytes.length);
    // The archive reader reads headers and some bytes around the entries too; a second pass over an entry costs 2 MiB more.
    expect(read).toBeLessThanOrEqual(2 * bytes.length + 512 * 1024);
  });

  it('runs once: a second call reads nothing', async () => {
    const faulty = new FaultyFileSystem(await diskWith(chainFile()));
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: faulty });
    await checkChainFileContent(facts, { fs: faulty });
    const hash = facts.sha256;
    const calls = faulty.counted;
    await checkChainFileContent(facts, { fs: faulty });
    expect(faulty.counted).toBe(calls);
    expect(facts.sha256).toBe(hash);
  });

  it('reports a file it cannot open for hashing as ERR_IO, with no hash', async () => {
    const faulty = new FaultyFileSystem(await diskWith(chainFile()));
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: faulty });
    faulty.arm({ failAt: 1, operations: ['open'] });
    await checkChainFileContent(facts, { fs: faulty });
    expect(facts.contentChecked).toBe(true);
    expect(facts.sha256).toBeUndefined();
    expect(facts.unreadable?.code).toBe('ERR_IO');
    expectReadFailure(facts.unreadable, `'${FULL_NAME}' (index 0)`, 'could not be read');
    expect(facts.unreadable?.index).toBe(0);
    expect(facts.unreadable?.cause).toBeDefined();
  });

  it('keeps the first problem of an unreadable file and still hashes it', async () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from('garbage, not a zip')]) {
      const fs = await diskWith(bytes);
      const facts = await readChainManifest(DIR, FULL_NAME, { fs });
      const first = facts.unreadable;
      expect(first?.code).toBe('ERR_CHAIN_CORRUPT');
      await checkChainFileContent(facts, { fs });
      expect(facts.unreadable).toBe(first);
      expect(facts.sha256).toBe(sha256(bytes));
      expect(facts.malformed).toBeUndefined();
    }
    const faulty = new FaultyFileSystem(await diskWith(Buffer.from('garbage, not a zip')));
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: faulty });
    const first = facts.unreadable;
    faulty.arm({ failAt: 1, operations: ['open'] });
    await checkChainFileContent(facts, { fs: faulty });
    expect(facts.unreadable).toBe(first);
  });

  it('reports a file that is no longer a ZIP archive when its content is read as ERR_CHAIN_CORRUPT', async () => {
    const fs = await diskWith(chainFile());
    const facts = await readChainManifest(DIR, FULL_NAME, { fs });
    await put(fs, `${DIR}/${FULL_NAME}`, Buffer.from('replaced by text'));
    await checkChainFileContent(facts, { fs });
    expect(facts.unreadable?.code).toBe('ERR_CHAIN_CORRUPT');
    expect(causeCode(facts.unreadable)).toBe('ERR_NOT_A_ZIP');
    expectReadFailure(facts.unreadable, `'${FULL_NAME}' (index 0)`, 'is not a valid ZIP archive');
  });

  it('passes the caller\'s limits to the archive reader', async () => {
    const fs = await diskWith(chainFile());
    const facts = await readChainManifest(DIR, FULL_NAME, { fs });
    await checkChainFileContent(facts, { fs, limits: { maxEntries: 3 } });
    expect(facts.unreadable?.code).toBe('ERR_ARCHIVE_LIMIT_EXCEEDED');
  });

  it('reports an entry that fails its CRC-32 as unreadable (ERR_CHAIN_CORRUPT), naming the entry', async () => {
    const bytes = chainFile();
    const data = soundParts().entries.get('pages/item.pcl.pages')!;
    bytes[offsetOf(bytes, data) + 4 + 200]! ^= 0x10;
    const facts = await inspect(bytes);
    expect(facts.unreadable?.code).toBe('ERR_CHAIN_CORRUPT');
    expect(causeCode(facts.unreadable)).toBe('ERR_ARCHIVE_CRC_MISMATCH');
    expectReadFailure(facts.unreadable, `'${FULL_NAME}' (index 0)`, "has an unreadable entry 'pages/item.pcl.pages'");
    expect(facts.malformed).toBeUndefined();
  });

  it('reports a read of an entry that fails as ERR_IO', async () => {
    const faulty = new FaultyFileSystem(await diskWith(chainFile()));
    const facts = await readChainManifest(DIR, FULL_NAME, { fs: faulty });
    const probe = structuredClone(facts);
    faulty.arm({ failAt: Number.POSITIVE_INFINITY, operations: ['read'] });
    await checkChainFileContent(probe, { fs: faulty });
    faulty.arm({ failAt: faulty.counted, operations: ['read'] });
    await checkChainFileContent(facts, { fs: faulty });
    expect(faulty.injected).toBe(1);
    expect(facts.unreadable?.code).toBe('ERR_IO');
    expectReadFailure(facts.unreadable, `'${FULL_NAME}' (index 0)`, "has an unreadable entry 'database.ocf'");
  });

  /** The defects of the third check, each with the exact message of the problem it gives. */
  const defects: Array<[string, { index?: number; change: (parts: FileParts) => void }, string]> = [
    [
      'an entry its manifest lists that is missing',
      { change: ({ entries, manifest }) => { manifest.files = listing(new Map([...entries, ['pages/other.pcl.pages', Buffer.alloc(0)]])); } },
      "lacks the entry 'pages/other.pcl.pages' its manifest lists",
    ],
    [
      'an entry of another size than its manifest says',
      { change: ({ entries, manifest }) => { manifest.files = listing(entries).map((file) => (file.name === 'database.ocf' ? { ...file, size: file.size + 1 } : file)); } },
      "has an entry 'database.ocf' of SIZE bytes where its manifest says SIZE+1",
    ],
    [
      'an entry of another SHA-256 than its manifest says',
      { change: ({ entries, manifest }) => { manifest.files = listing(entries).map((file) => (file.name === 'database.ocf' ? { ...file, sha256: 'b'.repeat(64) } : file)); } },
      "has an entry 'database.ocf' whose SHA-256 differs from its manifest's",
    ],
    [
      'an entry its manifest does not list',
      { change: ({ entries, manifest }) => { manifest.files = listing(entries); entries.set('notes.txt', Buffer.from('hello')); } },
      "holds an entry 'notes.txt' its manifest does not list",
    ],
    ['no files.json', { index: 1, change: ({ entries }) => entries.delete('files.json') }, 'has no files.json'],
    ['no metadata in the full file', { change: ({ entries }) => entries.delete('database.ocf') }, 'is the chain\'s full file but holds no database.ocf'],
    [
      'metadata that does not parse',
      { change: ({ entries }) => entries.set('database.ocf', Buffer.from('{"formatVersion": 1}')) },
      `holds an invalid database.ocf: The metadata file '${FULL_NAME}:database.ocf' is malformed: no name`,
    ],
    [
      'metadata of another instance',
      { change: ({ entries }) => entries.set('database.ocf', metadata({ instanceId: 'another-instance' })) },
      'holds a database.ocf of another instance (another-instance)',
    ],
    [
      'metadata with an LSN above the file\'s',
      { change: ({ entries }) => entries.set('database.ocf', metadata({ lsn: 11 })) },
      'holds a database.ocf with LSN 11, above the file\'s LSN 10',
    ],
    [
      'a files.json that does not parse',
      { change: ({ entries }) => entries.set('files.json', Buffer.from('{"pageSize": 4096, "files": [], "removed": []}')) },
      'has an invalid files.json: files.json: "pageSize" must be 8192, got 4096',
    ],
    [
      'pages of a file files.json does not list',
      { index: 1, change: ({ entries }) => entries.set('pages/other.pcl.pages', pages([0, page(15)])) },
      "holds pages of 'other.pcl', which its files.json does not list",
    ],
    [
      'a page beyond its file\'s listed size',
      { index: 1, change: ({ entries }) => entries.set('pages/item.pcl.pages', pages([1, page(20)], [2, page(20)])) },
      "holds page 2 of 'item.pcl', beyond its listed size of 16384 bytes",
    ],
    [
      'a page beyond its file\'s listed size, the pages stored before files.json',
      {
        index: 1,
        change: ({ entries }) => {
          const list = entries.get('files.json')!;
          entries.delete('files.json');
          entries.set('pages/item.cpm.pages', pages([1, page(20)]));
          entries.set('files.json', list);
        },
      },
      "holds page 1 of 'item.cpm', beyond its listed size of 8192 bytes",
    ],
    ['an empty page', { index: 1, change: ({ entries }) => entries.set('pages/item.pcl.pages', pages([1, Buffer.alloc(PAGE_SIZE)])) }, "holds an empty page 1 of 'item.pcl'"],
    [
      'a page that fails its checksum',
      {
        index: 1,
        change: ({ entries }) => {
          const bad = page(20);
          bad[300] = 1;
          entries.set('pages/item.pcl.pages', pages([1, bad]));
        },
      },
      "holds page 1 of 'item.pcl', which fails its checksum",
    ],
    [
      'a page with an LSN above the file\'s',
      { index: 1, change: ({ entries }) => entries.set('pages/item.pcl.pages', pages([1, page(21)])) },
      "holds page 1 of 'item.pcl' with LSN 21, above the file's LSN 20",
    ],
    [
      'a page entry that ends inside a record',
      { index: 1, change: ({ entries }) => entries.set('pages/item.pcl.pages', pages([1, page(20)]).subarray(0, PAGE_SIZE)) },
      'pages/item.pcl.pages: the entry ends inside a page record (8192 stray bytes)',
    ],
    [
      'two defects (the first one read is reported)',
      {
        index: 1,
        change: ({ entries }) => {
          entries.set('pages/item.pcl.pages', pages([5, page(20)]));
          entries.set('pages/item.cpm.pages', pages([0, Buffer.alloc(PAGE_SIZE)]));
        },
      },
      "holds page 5 of 'item.pcl', beyond its listed size of 16384 bytes",
    ],
  ];
  for (const [what, { index = 0, change }, text] of defects) {
    it(`reports ${what} as malformed (ERR_CHAIN_CORRUPT)`, async () => {
      const name = index === 0 ? FULL_NAME : NEXT_NAME;
      const bytes = chainFile({ index, change });
      const facts = await inspect(bytes, name);
      expect(facts.unreadable).toBeUndefined();
      expect(facts.manifest).toBeDefined();
      const size = soundParts().entries.get('database.ocf')!.length;
      const expected = text.replace('SIZE+1', String(size + 1)).replace('SIZE', String(size));
      expect(facts.malformed).toStrictEqual({ code: 'ERR_CHAIN_CORRUPT', message: `The backup file '${name}' (index ${index}) ${expected}`, file: name, index });
      expect(facts.sha256).toBe(sha256(bytes));
    });
  }

  it('accepts pages up to the last one of their file and LSNs and metadata up to the file\'s LSN', async () => {
    const facts = await inspect(
      chainFile({
        change: ({ entries }) => {
          entries.set('files.json', fileList([['a.pcl', 1], ['item.cpm', 1], ['item.pcl', 3]]));
          entries.set('pages/item.pcl.pages', pages([0, page(10)], [2, page(10)]));
          entries.set('pages/a.pcl.pages', pages([0, page(1)]));
          entries.set('database.ocf', metadata({ lsn: 10 }));
        },
      }),
    );
    expect(facts.unreadable ?? facts.malformed).toBeUndefined();
  });

  it('ignores directory entries', async () => {
    const facts = await inspect(chainFile({ index: 1, change: ({ entries, manifest }) => { manifest.files = listing(entries); entries.set('pages/', Buffer.alloc(0)); } }));
    expect(facts.unreadable ?? facts.malformed).toBeUndefined();
  });

  it('checks the content of a file of an unsupported version, except against its manifest', async () => {
    const newer = (change: (parts: FileParts) => void): Buffer =>
      chainFile({ index: 1, change: (parts) => { change(parts); parts.manifest.formatVersion = 2; } });
    // A page LSN above the file's and an unlisted entry are manifest checks: not made without a manifest.
    const sound = await inspect(newer(({ entries, manifest }) => { manifest.files = []; entries.set('pages/item.pcl.pages', pages([1, page(99)])); }));
    expect(sound.unreadable ?? sound.malformed).toBeUndefined();
    expect(sound.sha256).toBeDefined();
    expect(sound.fileList?.files).toHaveLength(2);
    const damaged = await inspect(newer(({ entries }) => entries.set('pages/item.pcl.pages', pages([1, Buffer.alloc(PAGE_SIZE)]))));
    expect(damaged.unreadable).toBeUndefined();
    expect(damaged.malformed?.code).toBe('ERR_CHAIN_CORRUPT');
    expect(damaged.malformed?.index).toBe(1);
  });

  it('reports pages with no files.json at all as malformed, without failing', async () => {
    const facts = await inspect(chainFile({ index: 1, change: ({ entries }) => entries.delete('files.json') }), NEXT_NAME);
    expect(facts.malformed?.message).toBe(`The backup file '${NEXT_NAME}' (index 1) has no files.json`);
    expect(facts.fileList).toBeUndefined();
  });

  it(`keeps files.json up to ${MAX_LISTING} bytes and the metadata beyond that, and pages entries of any size`, async () => {
    const big = 2049; // pages of item.pcl: more than 16 MiB of records
    const list = fileList([['item.cpm', 1], ['item.pcl', big]]);
    // Whitespace inside the object (not after it), so that a list that lost its last bytes does not parse.
    const padded = (size: number): Buffer => Buffer.concat([Buffer.from('{'), Buffer.alloc(size - list.length, 0x20), list.subarray(1)]);
    const meta = metadata({ lsn: 10 });
    const bytes = chainFile({
      change: ({ entries }) => {
        entries.set('files.json', padded(MAX_LISTING));
        entries.set('database.ocf', Buffer.concat([meta, Buffer.alloc(MAX_LISTING + 1 - meta.length, 0x20)]));
        entries.set('pages/item.pcl.pages', pages(...Array.from({ length: big }, (_, n) => [n, page(10, n % 200)] as const)));
      },
    });
    const facts = await inspect(bytes);
    expect(facts.unreadable ?? facts.malformed).toBeUndefined();
    expect(facts.fileList?.files.map((file) => file.size)).toEqual([PAGE_SIZE, big * PAGE_SIZE]);
    const tooLong = await inspect(
      chainFile({ change: ({ entries }) => entries.set('files.json', padded(MAX_LISTING + 1)) }),
    );
    expect(tooLong.malformed?.message).toBe(`The backup file '${FULL_NAME}' (index 0) has an entry 'files.json' of ${MAX_LISTING + 1} bytes, more than the ${MAX_LISTING} accepted`);
    expect(tooLong.fileList).toBeUndefined();
  });
});
