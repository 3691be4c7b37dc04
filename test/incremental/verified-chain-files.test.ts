import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileHandle, FileSystem } from '../../src/fs/index.js';
import { nodeFileSystem } from '../../src/fs/index.js';
import { readChainManifest } from '../../src/incremental/inspect-chain-file.js';
import { RACY_MS, checkNewestChainFile, forgetChainFiles, rememberChainFile } from '../../src/incremental/verified-chain-files.js';
import { type TestChain, expectCode, flipBit, makeChain, tempDir } from './_helpers.js';

/**
 * An incremental backup proves the chain's newest file sound before building on it (INCR-027)
 * without reading it again when this process wrote or checked it and it is provably unchanged
 * (issue 9). These tests pin each of the three proofs, and that a changed file is always fully
 * checked (and refused when damaged).
 */

/** A file system that counts the files opened (each read of a chain file opens it). */
function countingOpens(inner: FileSystem): { fs: FileSystem; opens: () => number } {
  let opens = 0;
  const fs: FileSystem = {
    ...inner,
    open: async (path: string, flags, mode): Promise<FileHandle> => {
      opens++;
      return inner.open(path, flags, mode);
    },
    readFile: (path) => inner.readFile(path),
    stat: (path) => inner.stat(path),
    lstat: (path) => inner.lstat(path),
    readdir: (path) => inner.readdir(path),
    mkdir: (path, options) => inner.mkdir(path, options),
    rename: (from, to) => inner.rename(from, to),
    unlink: (path) => inner.unlink(path),
    rm: (path, options) => inner.rm(path, options),
    syncDir: (path) => inner.syncDir(path),
  };
  return { fs, opens: () => opens };
}

let temp: Awaited<ReturnType<typeof tempDir>>;
let chain: TestChain;

beforeEach(async () => {
  temp = await tempDir('verified-chain-');
  chain = await makeChain(temp.path, 2);
});

afterEach(async () => {
  await chain.db.close();
  await temp.cleanup();
});

async function newestFacts(fs: FileSystem) {
  return readChainManifest(chain.dir, chain.names.at(-1)!, { fs });
}

describe('checkNewestChainFile', () => {
  it('trusts a remembered file whose size and mtime are unchanged, reading nothing', async () => {
    const { fs, opens } = countingOpens(nodeFileSystem);
    const path = join(chain.dir, chain.names.at(-1)!);
    // Remember the file as checked long after its last change (a record that is not racy).
    const full = await newestFacts(fs);
    forgetChainFiles(fs);
    expect(await checkNewestChainFile(full, { fs })).toBe('full');
    const sound = { sha256: full.sha256!, fileList: full.fileList! };
    const info = await fs.stat(path);
    rememberChainFile(fs, path, info, sound.sha256, sound.fileList, info.mtimeMs + RACY_MS + 1);
    const facts = await newestFacts(fs);
    const before = opens();
    expect(await checkNewestChainFile(facts, { fs })).toBe('unchanged');
    expect(opens()).toBe(before);
    expect(facts).toMatchObject({ contentChecked: true, sha256: sound.sha256, fileList: sound.fileList });
    expect(facts.malformed).toBeUndefined();
  });

  it('hashes a file whose record is racy (made within RACY_MS of its mtime) instead of trusting its stat', async () => {
    const { fs } = countingOpens(nodeFileSystem);
    const path = join(chain.dir, chain.names.at(-1)!);
    const full = await newestFacts(fs);
    forgetChainFiles(fs);
    await checkNewestChainFile(full, { fs });
    const info = await fs.stat(path);
    rememberChainFile(fs, path, info, full.sha256!, full.fileList!, info.mtimeMs + 1);
    expect(await checkNewestChainFile(await newestFacts(fs), { fs })).toBe('same-bytes');
    // The hash proved the bytes at a moment well after the mtime: the next look trusts the stat.
    await new Promise((resolve) => setTimeout(resolve, RACY_MS + 10));
    rememberChainFile(fs, path, info, full.sha256!, full.fileList!, Date.now());
    expect(await checkNewestChainFile(await newestFacts(fs), { fs })).toBe('unchanged');
  });

  it('checks a changed file in full, and a damaged one is refused by the next backup', async () => {
    const path = join(chain.dir, chain.names.at(-1)!);
    const { offset } = await dataOffset(path);
    await flipBit(path, offset, 3);
    const facts = await newestFacts(nodeFileSystem);
    expect(await checkNewestChainFile(facts, { fs: nodeFileSystem })).toBe('full');
    expect(facts.unreadable ?? facts.malformed).toMatchObject({ code: 'ERR_CHAIN_CORRUPT' });
    await chain.db.insert('Item', { after: 'damage' });
    await expectCode(chain.db.incrementalBackup(chain.dir), 'ERR_CHAIN_CORRUPT');
  });

  it('a file the backup wrote is remembered: the next look proves it by its stat or its hash, not a full check', async () => {
    // makeChain's database writes through the real file system, which is where it remembers.
    const facts = await newestFacts(nodeFileSystem);
    expect(['unchanged', 'same-bytes']).toContain(await checkNewestChainFile(facts, { fs: nodeFileSystem }));
    // Another FileSystem object knows nothing: the same file is checked in full, and agrees.
    const { fs } = countingOpens(nodeFileSystem);
    const fresh = await newestFacts(fs);
    expect(await checkNewestChainFile(fresh, { fs })).toBe('full');
    expect(fresh.sha256).toBe(facts.sha256);
    expect(fresh.fileList).toEqual(facts.fileList);
  });

  it('a change that keeps size and mtime is trusted by the stat rule (documented); verify still reads it', async () => {
    const path = join(chain.dir, chain.names.at(-1)!);
    const full = await newestFacts(nodeFileSystem);
    forgetChainFiles(nodeFileSystem);
    await checkNewestChainFile(full, { fs: nodeFileSystem });
    const { offset } = await dataOffset(path);
    const bytes = await readFile(path);
    bytes[offset] ^= 0x10;
    const { atime, mtime } = await stat(path);
    await writeFile(path, bytes);
    await utimes(path, atime, mtime);
    // The record as it would stand had the change come after it, with size and mtime put back.
    const info = await nodeFileSystem.stat(path);
    rememberChainFile(nodeFileSystem, path, info, full.sha256!, full.fileList!, info.mtimeMs + RACY_MS + 1);
    expect(await checkNewestChainFile(await newestFacts(nodeFileSystem), { fs: nodeFileSystem })).toBe('unchanged');
    const { verifyChain } = await import('../../src/incremental/verify-chain.js');
    const report = await verifyChain(chain.dir, { fs: nodeFileSystem });
    expect(report.valid).toBe(false);
  });
});

/** The offset of a byte inside the first entry's compressed data (past its local header). */
async function dataOffset(path: string): Promise<{ offset: number }> {
  const bytes = await readFile(path);
  const nameLength = bytes.readUInt16LE(26);
  const extraLength = bytes.readUInt16LE(28);
  return { offset: 30 + nameLength + extraLength + 2 };
}
