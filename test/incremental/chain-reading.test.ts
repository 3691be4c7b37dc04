/**
 * Reading a chain directory: which files count as chain files (`listChainFiles`,
 * `requireChainDirectory`, INCR-014), which files `readChain` checks in full for each caller, and
 * what `verifyChain` does with the options and failures verify-chain.test.ts leaves out (its own
 * file system, limits, a broken file system).
 */
import { cp, mkdir, readFile, readdir, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataByteOffset } from '../../conformance/scenarios/incremental/_support/chain.js';
import { FaultyFileSystem, MemoryFileSystem, nodeFileSystem } from '../../src/fs/index.js';
import type { FileHandle, FileSystem } from '../../src/fs/index.js';
import type { ChainFileFacts } from '../../src/incremental/inspect-chain-file.js';
import { listChainFiles, requireChainDirectory } from '../../src/incremental/list-chain-files.js';
import { readChain } from '../../src/incremental/read-chain.js';
import { forgetChainFiles } from '../../src/incremental/verified-chain-files.js';
import { verifyChain } from '../../src/incremental/verify-chain.js';
import { type TestChain, copyDirectory, expectCode, flipBit, makeChain, rewriteChainFile, tempDir } from './_helpers.js';
import { overriding } from '../_support/overriding-file-system.js';

let root: string;
let cleanup: () => Promise<void>;
let building: Promise<TestChain> | undefined;

/**
 * The test chain, written by the first test that needs it. Not in a `beforeAll`: a hook that fails
 * skips the tests, which a mutation run does not count as failing, so a fault that breaks writing
 * the chain must fail a test instead.
 */
function testChain(): Promise<TestChain> {
  building ??= makeChain(root, 3);
  return building;
}

beforeAll(async () => {
  ({ path: root, cleanup } = await tempDir('chain-reading-'));
});
afterAll(async () => {
  await (await building?.catch(() => undefined))?.db.close();
  await cleanup();
});

let copies = 0;

/** A fresh copy of the test chain (or of some of its files, by index). */
async function chainCopy(indexes?: readonly number[]): Promise<string> {
  const chain = await testChain();
  const dir = join(root, `copy-${++copies}`);
  if (indexes === undefined) return copyDirectory(chain.dir, dir);
  await mkdir(dir);
  for (const index of indexes) await cp(join(chain.dir, chain.names[index]!), join(dir, chain.names[index]!));
  return dir;
}

/** `base`, counting the files opened by path. */
function countingOpens(base: FileSystem): { fs: FileSystem; opens: (path: string) => number } {
  const counts = new Map<string, number>();
  const fs = overriding(base, {
    open: async (path: string, flags: 'r', mode?: number): Promise<FileHandle> => {
      counts.set(path, (counts.get(path) ?? 0) + 1);
      return base.open(path, flags, mode);
    },
  });
  return { fs, opens: (path) => counts.get(path) ?? 0 };
}

function byName(files: readonly ChainFileFacts[], name: string): ChainFileFacts {
  const found = files.find((facts) => facts.name === name);
  if (found === undefined) throw new Error(`no facts for ${name}`);
  return found;
}

/** The names of the files whose content was checked. */
function checked(files: readonly ChainFileFacts[]): string[] {
  return files.filter((facts) => facts.contentChecked).map((facts) => facts.name);
}

describe('listChainFiles (INCR-014)', () => {
  it('lists regular .ibu files and links to them, and ignores everything else', async () => {
    const dir = join(root, 'listing');
    await mkdir(dir);
    for (const name of ['b.ibu', 'a.ibu', 'notes.txt', 'x.ibu.tmp', 'c.IBU', '.incremental-backup.lock']) await writeFile(join(dir, name), 'x');
    await mkdir(join(dir, 'folder.ibu'));
    await symlink(join(dir, 'a.ibu'), join(dir, 'link.ibu'));
    await symlink(join(dir, 'folder.ibu'), join(dir, 'folder-link.ibu'));
    await symlink(join(dir, 'gone'), join(dir, 'dangling.ibu'));
    await symlink(join(dir, 'notes.txt'), join(dir, 'notes-link.txt'));
    expect(await listChainFiles(nodeFileSystem, dir)).toEqual(['a.ibu', 'b.ibu', 'link.ibu']);
  });

  it('sorts the names by code unit, whatever order the directory gives them in', async () => {
    const mem = new MemoryFileSystem();
    await mem.mkdir('/chain');
    const names = ['b.ibu', 'Z.ibu', '10.ibu', 'a.ibu', '_.ibu', '9.ibu', 'é.ibu'];
    for (const name of names) await (await mem.open(`/chain/${name}`, 'w')).close();
    const shuffled = overriding(mem, { readdir: async (path: string) => [...(await mem.readdir(path))].reverse() });
    expect(await listChainFiles(shuffled, '/chain')).toEqual(['10.ibu', '9.ibu', 'Z.ibu', '_.ibu', 'a.ibu', 'b.ibu', 'é.ibu']);
    const rotated = overriding(mem, {
      readdir: async (path: string) => {
        const entries = await mem.readdir(path);
        return [...entries.slice(3), ...entries.slice(0, 3)];
      },
    });
    expect(await listChainFiles(rotated, '/chain')).toEqual(['10.ibu', '9.ibu', 'Z.ibu', '_.ibu', 'a.ibu', 'b.ibu', 'é.ibu']);
  });

  it('fails with ERR_BACKUP_DIR_NOT_FOUND for a missing directory, a file, or a path through a file', async () => {
    await writeFile(join(root, 'plain-file'), 'x');
    for (const dir of [join(root, 'nowhere'), join(root, 'plain-file'), join(root, 'plain-file', 'sub')]) {
      const error = await expectCode(listChainFiles(nodeFileSystem, dir), 'ERR_BACKUP_DIR_NOT_FOUND');
      expect(error.details).toEqual({ directory: dir });
      expect(error.message).toContain(`'${dir}'`);
    }
  });

  it('fails with ERR_IO, naming the directory and the cause, when the directory cannot be listed', async () => {
    const faulty = new FaultyFileSystem(nodeFileSystem, { failAt: 1, operations: ['readdir'], errno: 'EACCES' });
    const error = await expectCode(listChainFiles(faulty, root), 'ERR_IO');
    expect(error.message).toContain(`'${root}'`);
    expect(error.message).toContain('EACCES');
  });

  it('fails with ERR_IO, not a TypeError, when the file system rejects with something that is no error', async () => {
    for (const reason of [undefined, null, 'EACCES']) {
      const fs = overriding(nodeFileSystem, { readdir: () => Promise.reject(reason), stat: () => Promise.reject(reason) });
      const listed = await expectCode(listChainFiles(fs, root), 'ERR_IO');
      expect(listed.message).toContain(`'${root}' failed: ${String(reason)}`);
      await expectCode(requireChainDirectory(fs, root), 'ERR_IO');
    }
  });
});

describe('requireChainDirectory', () => {
  it('accepts a directory, and refuses a missing one, a file or a path through a file with ERR_BACKUP_DIR_NOT_FOUND', async () => {
    await requireChainDirectory(nodeFileSystem, root);
    await writeFile(join(root, 'not-a-dir'), 'x');
    for (const dir of [join(root, 'absent'), join(root, 'not-a-dir'), join(root, 'not-a-dir', 'sub')]) {
      const error = await expectCode(requireChainDirectory(nodeFileSystem, dir), 'ERR_BACKUP_DIR_NOT_FOUND');
      expect(error.details).toEqual({ directory: dir });
      expect(error.message).toContain(`'${dir}'`);
    }
  });

  it('fails with ERR_IO, naming the directory and the cause, when the directory cannot be examined', async () => {
    const faulty = new FaultyFileSystem(nodeFileSystem, { failAt: 1, operations: ['stat'], errno: 'EIO' });
    const error = await expectCode(requireChainDirectory(faulty, root), 'ERR_IO');
    expect(error.message).toContain(`'${root}'`);
    expect(error.message).toContain('EIO');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EIO');
  });
});

describe('readChain', () => {
  it("with content 'all', reads every manifest and checks every file in full, in name order", async () => {
    const chain = await testChain();
    const files = await readChain(chain.dir, { fs: nodeFileSystem, content: 'all' });
    expect(files.map((facts) => facts.name)).toEqual([...chain.names].sort());
    for (const facts of files) {
      expect(facts.manifest?.index).toBe(chain.names.indexOf(facts.name));
      expect(facts.contentChecked).toBe(true);
      expect(facts.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(facts.fileList).toBeDefined();
      expect(facts.unreadable).toBeUndefined();
      expect(facts.malformed).toBeUndefined();
    }
  });

  it("with content 'all' and upToIndex, checks the files up to that index and those whose index is unknown", async () => {
    const chain = await testChain();
    const dir = await chainCopy();
    await writeFile(join(dir, 'zz-garbage.ibu'), 'not a zip at all');
    for (const upToIndex of [0, 1]) {
      const files = await readChain(dir, { fs: nodeFileSystem, content: 'all', upToIndex });
      expect(files).toHaveLength(4);
      expect(checked(files).sort()).toEqual([...chain.names.slice(0, upToIndex + 1), 'zz-garbage.ibu'].sort());
      expect(byName(files, chain.names[2]!).sha256).toBeUndefined();
      expect(byName(files, 'zz-garbage.ibu').unreadable?.code).toBe('ERR_CHAIN_CORRUPT');
    }
  });

  it("with content 'newest', checks only the file(s) with the highest index", async () => {
    const chain = await testChain();
    const dir = await chainCopy();
    await writeFile(join(dir, 'zz-garbage.ibu'), 'not a zip at all');
    const fs = { ...nodeFileSystem };
    const files = await readChain(dir, { fs, content: 'newest' });
    expect(files.map((facts) => facts.name)).toEqual([...chain.names, 'zz-garbage.ibu'].sort());
    expect(checked(files)).toEqual([chain.names[2]]);
    expect(byName(files, chain.names[2]!).sha256).toMatch(/^[0-9a-f]{64}$/);
    // Two files claiming the newest index are both checked (the chain check then refuses them).
    await cp(join(dir, chain.names[2]!), join(dir, 'twin.ibu'));
    const twins = await readChain(dir, { fs, content: 'newest' });
    expect(checked(twins).sort()).toEqual([chain.names[2]!, 'twin.ibu'].sort());
  });

  it("with content 'newest', checks the only file of a one-file chain", async () => {
    const chain = await testChain();
    const dir = await chainCopy([0]);
    const files = await readChain(dir, { fs: { ...nodeFileSystem }, content: 'newest' });
    expect(checked(files)).toEqual([chain.names[0]]);
    expect(files[0]!.fileList).toBeDefined();
  });

  it("with content 'newest', does not read a newest file again that it checked before and that is unchanged", async () => {
    const chain = await testChain();
    const dir = await chainCopy();
    const newest = join(dir, chain.names[2]!);
    const old = new Date(Date.now() - 60_000);
    await utimes(newest, old, old);
    const { fs, opens } = countingOpens(nodeFileSystem);
    forgetChainFiles(fs);
    await readChain(dir, { fs, content: 'newest' });
    const first = opens(newest);
    const files = await readChain(dir, { fs, content: 'newest' });
    const second = opens(newest) - first;
    expect(second).toBeLessThan(first);
    expect(byName(files, chain.names[2]!).contentChecked).toBe(true);
  });

  it("with content 'all', checks every file in full even when it was remembered as sound", async () => {
    const chain = await testChain();
    const dir = await chainCopy();
    const newest = join(dir, chain.names[2]!);
    const old = new Date(Date.now() - 60_000);
    await utimes(newest, old, old);
    const fs = { ...nodeFileSystem };
    await readChain(dir, { fs, content: 'newest' });
    // Damage the file without changing its size or mtime (silent corruption of the medium).
    const before = await stat(newest);
    await flipBit(newest, (await dataByteOffset(newest)).offset, 2);
    await utimes(newest, old, old);
    const after = await stat(newest);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
    // A backup trusts the remembered file (module documentation of verified-chain-files.ts) ...
    const trusted = byName(await readChain(dir, { fs, content: 'newest' }), chain.names[2]!);
    expect(trusted.unreadable ?? trusted.malformed).toBeUndefined();
    // ... restore and verify do not.
    const full = byName(await readChain(dir, { fs, content: 'all' }), chain.names[2]!);
    expect((full.unreadable ?? full.malformed)?.code).toBe('ERR_CHAIN_CORRUPT');
  });

  it('reads every file with the limits given', async () => {
    const chain = await testChain();
    for (const content of ['all', 'newest'] as const) {
      const files = await readChain(chain.dir, { fs: { ...nodeFileSystem }, content, limits: { maxEntries: 1 } });
      expect(files).toHaveLength(3);
      for (const facts of files) expect(facts.unreadable?.code).toBe('ERR_ARCHIVE_LIMIT_EXCEEDED');
    }
  });

  it('resolves an empty list for a directory without chain files, and refuses a missing one', async () => {
    const dir = join(root, 'no-chain-files');
    await mkdir(dir);
    await writeFile(join(dir, 'readme.txt'), 'x');
    expect(await readChain(dir, { fs: nodeFileSystem, content: 'all' })).toEqual([]);
    await expectCode(readChain(join(root, 'no-such-dir'), { fs: nodeFileSystem, content: 'newest' }), 'ERR_BACKUP_DIR_NOT_FOUND');
  });
});

describe('verifyChain options and failures', () => {
  it('reads through the file system given', async () => {
    const chain = await testChain();
    const mem = new MemoryFileSystem();
    await mem.mkdir('/elsewhere/chain', { recursive: true });
    for (const name of chain.names) {
      const bytes = await readFile(join(chain.dir, name));
      const handle = await mem.open(`/elsewhere/chain/${name}`, 'w');
      await handle.write(bytes, 0, bytes.length, 0);
      await handle.close();
    }
    const report = await verifyChain('/elsewhere/chain', { fs: mem });
    expect(report).toEqual({ valid: true, lines: [...chain.names.map((name, index) => `${name} (index ${index}): ok`), 'verdict: valid'] });
    // A valid report has no code at all (not an undefined one).
    expect(Object.keys(report).sort()).toEqual(['lines', 'valid']);
  });

  it('reads every file with the limits given', async () => {
    const chain = await testChain();
    const report = await verifyChain(chain.dir, { limits: { maxEntries: 1 } });
    expect(report.valid).toBe(false);
    expect(report.code).toBe('ERR_ARCHIVE_LIMIT_EXCEEDED');
    expect(report.lines).toHaveLength(4);
    // No manifest could be read, so no index is known: each file by name, in the order of the index its name announces.
    chain.names.forEach((name, index) => expect(report.lines[index]).toMatch(new RegExp(`^${name}: ERR_ARCHIVE_LIMIT_EXCEEDED `)));
    expect(report.lines[3]).toBe('verdict: invalid (ERR_ARCHIVE_LIMIT_EXCEEDED)');
  });

  it('labels a file whose manifest is of another version with the index it gives', async () => {
    const chain = await testChain();
    const dir = await chainCopy();
    await rewriteChainFile(join(dir, chain.names[2]!), (_entries, manifest) => {
      manifest.formatVersion = 99;
    });
    const report = await verifyChain(dir);
    expect(report.code).toBe('ERR_CHAIN_VERSION');
    expect(report.lines[2]).toMatch(new RegExp(`^${chain.names[2]} \\(index 2\\): ERR_CHAIN_VERSION `));
  });

  it('reports a directory that cannot be examined or listed with the I/O code alone', async () => {
    const chain = await testChain();
    for (const operation of ['stat', 'readdir'] as const) {
      const faulty = new FaultyFileSystem(nodeFileSystem, { failAt: 1, operations: [operation] });
      expect(await verifyChain(chain.dir, { fs: faulty })).toEqual({ valid: false, code: 'ERR_IO', lines: ['verdict: invalid (ERR_IO)'] });
    }
    await writeFile(join(root, 'a-file'), 'x');
    expect(await verifyChain(join(root, 'a-file'))).toEqual({
      valid: false,
      code: 'ERR_BACKUP_DIR_NOT_FOUND',
      lines: ['verdict: invalid (ERR_BACKUP_DIR_NOT_FOUND)'],
    });
  });

  it('rejects a failure that is not a coded error (a broken file system) rather than reporting on it', async () => {
    const chain = await testChain();
    const broken = overriding(nodeFileSystem, { readdir: async () => 42 });
    await expect(verifyChain(chain.dir, { fs: broken })).rejects.toThrow(TypeError);
    expect((await readdir(chain.dir)).sort()).toEqual([...chain.names].sort());
    await rm(join(root, 'a-file'), { force: true });
  });
});
