/**
 * backup-contents.ts: the PageScanner's verdict for every way a file's bytes can be cut into
 * chunks (each chunk its own buffer, so that a read past a chunk's end fails instead of seeing
 * the next bytes), and `stagedContents`, which reads a staged database back through a FileSystem:
 * whole files, page problems of files larger than one read, and the I/O failures it turns into
 * `ERR_IO` naming the path.
 *
 * Everything runs on a MemoryFileSystem; files are built inside the tests that use them.
 */
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../src/engine/constants.js';
import { formatPage, sealPage } from '../../src/engine/page.js';
import { isCodedError, type BackupConformanceError } from '../../src/errors.js';
import { FaultyFileSystem, MemoryFileSystem, type FileSystem } from '../../src/fs/index.js';
import { PageScanner, stagedContents } from '../../src/restore/backup-contents.js';

/**
 * A paged file of `pages` pages: sealed data pages with distinct contents, every fourth one left
 * empty (all zeros, which is valid); the pages in `damaged` get one byte flipped after sealing;
 * `extra` bytes of a partial page follow.
 */
function pagedFile(pages: number, damaged: readonly number[] = [], extra = 0): Buffer {
  const bytes = Buffer.alloc(pages * PAGE_SIZE + extra);
  for (let index = 0; index < pages; index++) {
    if (index % 4 === 3) continue;
    const page = bytes.subarray(index * PAGE_SIZE, (index + 1) * PAGE_SIZE);
    formatPage(page, 3, index + 1);
    page.fill((index * 7 + 1) & 0xff, 64, 4000);
    sealPage(page);
  }
  for (const index of damaged) bytes[index * PAGE_SIZE + 1000] ^= 0x5a;
  return bytes;
}

/** Copies `bytes.subarray(from, to)` into a buffer of its own (its own ArrayBuffer, offset 0). */
function ownChunk(bytes: Buffer, from: number, to: number): Uint8Array {
  const chunk = new Uint8Array(to - from);
  chunk.set(bytes.subarray(from, to));
  return chunk;
}

/** Feeds `bytes` cut at `cuts` (ascending offsets), each piece as its own buffer; returns the verdict. */
function scanCut(bytes: Buffer, cuts: readonly number[], name = 'item.pcl'): BackupConformanceError | undefined {
  const scanner = new PageScanner(name);
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.push(ownChunk(bytes, at, cut));
    at = cut;
  }
  return scanner.finish();
}

/** Cuts every `size` bytes. */
function every(size: number, length: number): number[] {
  const cuts: number[] = [];
  for (let at = size; at < length; at += size) cuts.push(at);
  return cuts;
}

function summary(found: BackupConformanceError | undefined): unknown {
  return found === undefined ? undefined : { code: found.code, details: found.details };
}

const badPage = (page: number, file = 'item.pcl') => ({ code: 'ERR_CORRUPT_PAGE', details: { file, page, entry: file } });

describe('PageScanner', () => {
  it('accepts sound files, the empty file included, however they are cut', () => {
    const bytes = pagedFile(5);
    const cuttings = [[], every(1000, bytes.length), every(PAGE_SIZE, bytes.length), [PAGE_SIZE / 2, PAGE_SIZE / 2 + 3 * PAGE_SIZE], [1, 2, 3, 2 * PAGE_SIZE + 5], every(3 * PAGE_SIZE - 1, bytes.length)];
    for (const cuts of cuttings) expect(summary(scanCut(bytes, cuts)), JSON.stringify(cuts)).toBeUndefined();
    expect(scanCut(Buffer.alloc(0), [])).toBeUndefined();
    const scanner = new PageScanner('x.pcl');
    scanner.push(new Uint8Array(0));
    expect(scanner.finish()).toBeUndefined();
  });

  it('names the first damaged page however the file is cut, whole pages in one chunk or pages split over chunks', () => {
    const bytes = pagedFile(6, [2, 4]);
    const cuttings = [[], every(1000, bytes.length), every(PAGE_SIZE, bytes.length), [PAGE_SIZE / 2], [PAGE_SIZE / 2, PAGE_SIZE / 2 + 2 * PAGE_SIZE], every(PAGE_SIZE + 1, bytes.length), [5 * PAGE_SIZE - 3]];
    for (const cuts of cuttings) expect(summary(scanCut(bytes, cuts)), JSON.stringify(cuts)).toEqual(badPage(2));
    expect(summary(scanCut(pagedFile(3, [0]), []))).toEqual(badPage(0));
    expect(summary(scanCut(pagedFile(3, [2]), every(PAGE_SIZE, 3 * PAGE_SIZE)))).toEqual(badPage(2));
  });

  it('reads a chunk that is a view into a larger buffer at its own offset', () => {
    const bytes = pagedFile(4, [3]);
    const backing = Buffer.alloc(bytes.length + 3000, 0xee);
    bytes.copy(backing, 1000);
    const scanner = new PageScanner('view.pcl');
    scanner.push(backing.subarray(1000, 1000 + 2 * PAGE_SIZE + 100));
    scanner.push(backing.subarray(1000 + 2 * PAGE_SIZE + 100, 1000 + bytes.length));
    expect(summary(scanner.finish())).toEqual(badPage(3, 'view.pcl'));
    const sound = new PageScanner('view.pcl');
    const good = pagedFile(3);
    const backingGood = Buffer.alloc(good.length + 500, 0xee);
    good.copy(backingGood, 500);
    sound.push(backingGood.subarray(500));
    expect(sound.finish()).toBeUndefined();
  });

  it('reports a partial last page with the file size, unless a damaged page came first', () => {
    for (const cuts of [[], every(1000, 2 * PAGE_SIZE + 10), [2 * PAGE_SIZE]]) {
      const found = scanCut(pagedFile(2, [], 10), cuts, 'data/item.cpm');
      expect(summary(found)).toEqual({ code: 'ERR_CORRUPT_DATABASE', details: { entry: 'data/item.cpm', size: 2 * PAGE_SIZE + 10 } });
      expect(found!.message).toContain("'data/item.cpm'");
      expect(found!.message).toContain(String(2 * PAGE_SIZE + 10));
    }
    expect(summary(scanCut(Buffer.alloc(100), []))).toEqual({ code: 'ERR_CORRUPT_DATABASE', details: { entry: 'item.pcl', size: 100 } });
    expect(summary(scanCut(pagedFile(3, [1], 10), []))).toEqual(badPage(1));
    expect(summary(scanCut(pagedFile(3, [1], 10), every(700, 3 * PAGE_SIZE + 10)))).toEqual(badPage(1));
  });

  it('keeps its first problem: later bytes, damaged or not, change nothing, and finish may be called again', () => {
    const scanner = new PageScanner('item.pcl');
    scanner.push(pagedFile(2, [1]));
    const first = scanner.finish();
    expect(summary(first)).toEqual(badPage(1));
    scanner.push(pagedFile(3, [0, 2]));
    scanner.push(new Uint8Array(17));
    expect(scanner.finish()).toBe(first);
  });

  it('counts pages across chunks for the page number and the size', () => {
    const scanner = new PageScanner('item.pcl');
    const bytes = pagedFile(7, [6]);
    scanner.push(ownChunk(bytes, 0, 3 * PAGE_SIZE));
    scanner.push(ownChunk(bytes, 3 * PAGE_SIZE, 3 * PAGE_SIZE + 1));
    scanner.push(ownChunk(bytes, 3 * PAGE_SIZE + 1, 7 * PAGE_SIZE));
    expect(summary(scanner.finish())).toEqual(badPage(6));
  });

  it('keeps the message and details verifyPage gives, adding the entry', () => {
    const found = scanCut(pagedFile(2, [1]), [], 'sub/item.pcl');
    expect(isCodedError(found, 'ERR_CORRUPT_PAGE')).toBe(true);
    expect(found!.details).toStrictEqual({ file: 'sub/item.pcl', page: 1, entry: 'sub/item.pcl' });
    expect(found!.message).toContain("'sub/item.pcl'");
    expect(found!.message).toContain('Page 1');
  });
});

/** A MemoryFileSystem holding `files` under `/db`. */
async function stagedFiles(files: Record<string, Buffer>): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  for (const [name, bytes] of Object.entries(files)) {
    const path = `/db/${name}`;
    await fs.mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
    const handle = await fs.open(path, 'w');
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.close();
  }
  return fs;
}

async function rejection(action: Promise<unknown>): Promise<BackupConformanceError> {
  try {
    await action;
  } catch (error) {
    if (isCodedError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function contentsOf(fs: FileSystem, names: readonly string[]) {
  return stagedContents(
    fs,
    '/db',
    names.map((name) => ({ name, size: 0 })),
  );
}

describe('stagedContents', () => {
  it('lists the files it was given and reads any of them whole, nested names included', async () => {
    const metadata = Buffer.from('{"formatVersion":1}');
    const nested = Buffer.from('nested bytes');
    const fs = await stagedFiles({ 'database.ocf': metadata, 'sub/dir/x.bin': nested });
    const files = [{ name: 'database.ocf', size: metadata.length, sha256: 'a'.repeat(64) }, { name: 'sub/dir/x.bin', size: nested.length }];
    const contents = stagedContents(fs, '/db', files);
    expect(contents.files).toBe(files);
    expect((await contents.read('database.ocf')).equals(metadata)).toBe(true);
    expect((await contents.read('sub/dir/x.bin')).equals(nested)).toBe(true);
  });

  it('turns a failed read into ERR_IO naming the path and the errno', async () => {
    const fs = await stagedFiles({ 'a.bin': Buffer.from('a') });
    const error = await rejection(contentsOf(fs, ['sub/missing.bin']).read('sub/missing.bin'));
    expect(error.code).toBe('ERR_IO');
    expect(error.details).toStrictEqual({ path: '/db/sub/missing.bin', errno: 'ENOENT' });
    expect(error.message).toMatch(/^Reading '\/db\/sub\/missing\.bin' failed: /);
    expect(error.cause).toMatchObject({ code: 'ENOENT' });
  });

  it('finds the first page problem of a file larger than one read, and of a nested file', async () => {
    const pages = 40; // 320 KiB: more than one 256 KiB read
    const fs = await stagedFiles({
      'big.pcl': pagedFile(pages),
      'bad.pcl': pagedFile(pages, [35, 38]),
      'sub/early.cpm': pagedFile(3, [0]),
      'odd.pcl': pagedFile(pages, [], 10),
      'short.pcl': pagedFile(1, [], 10),
      'empty.pcl': Buffer.alloc(0),
    });
    const contents = contentsOf(fs, ['big.pcl', 'bad.pcl', 'sub/early.cpm', 'odd.pcl', 'short.pcl', 'empty.pcl']);
    // The damaged file first: a scan that stopped after one read would miss page 35 and fail
    // here at once, where the empty file (no read ever returns bytes) would make it loop.
    expect(summary(await contents.pageProblem('bad.pcl'))).toEqual(badPage(35, 'bad.pcl'));
    expect(await contents.pageProblem('big.pcl')).toBeUndefined();
    expect(await contents.pageProblem('empty.pcl')).toBeUndefined();
    expect(summary(await contents.pageProblem('sub/early.cpm'))).toEqual(badPage(0, 'sub/early.cpm'));
    expect(summary(await contents.pageProblem('odd.pcl'))).toEqual({ code: 'ERR_CORRUPT_DATABASE', details: { entry: 'odd.pcl', size: pages * PAGE_SIZE + 10 } });
    expect(summary(await contents.pageProblem('short.pcl'))).toEqual({ code: 'ERR_CORRUPT_DATABASE', details: { entry: 'short.pcl', size: PAGE_SIZE + 10 } });
  });

  it('turns a file that cannot be opened into ERR_IO naming the path', async () => {
    const fs = await stagedFiles({ 'item.pcl': pagedFile(1) });
    const error = await rejection(contentsOf(fs, ['gone.pcl']).pageProblem('gone.pcl'));
    expect(error.code).toBe('ERR_IO');
    expect(error.details).toStrictEqual({ path: '/db/gone.pcl', errno: 'ENOENT' });
    expect(error.message).toMatch(/^Opening '\/db\/gone\.pcl' failed: /);
  });

  it('turns a failing read of a paged file into ERR_IO, and closes the file', async () => {
    const faulty = new FaultyFileSystem(await stagedFiles({ 'sub/item.pcl': pagedFile(40) }), { failAt: 2, operations: ['read'], errno: 'EIO' }, { record: true });
    const error = await rejection(contentsOf(faulty, ['sub/item.pcl']).pageProblem('sub/item.pcl'));
    expect(error.code).toBe('ERR_IO');
    expect(error.details).toStrictEqual({ path: '/db/sub/item.pcl', errno: 'EIO' });
    expect(error.message).toMatch(/^Reading '\/db\/sub\/item\.pcl' failed: /);
    expect(faulty.calls.map((call) => call.operation)).toEqual(['open', 'read', 'read', 'close']);
  });

  it('closes the file after a scan, and a failing close changes no verdict', async () => {
    const faulty = new FaultyFileSystem(await stagedFiles({ 'item.pcl': pagedFile(2, [1]) }), { failAt: 1, operations: ['close'], errno: 'EIO' }, { record: true });
    const contents = contentsOf(faulty, ['item.pcl']);
    expect(summary(await contents.pageProblem('item.pcl'))).toEqual(badPage(1));
    expect(faulty.calls.map((call) => call.operation)).toEqual(['open', 'read', 'read', 'close']);
    expect(faulty.injected).toBe(1);
  });
});
