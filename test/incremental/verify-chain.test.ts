import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/incremental/verify-chain.js';
import { verifyBackup } from '../../src/verify/verify-backup.js';
import { dataByteOffset, directoryState } from '../../conformance/scenarios/incremental/_support/chain.js';
import { type TestChain, copyDirectory, flipBit, makeChain, rewriteChainFile, tempDir } from './_helpers.js';

let root: string;
let cleanup: () => Promise<void>;
let chain: TestChain;

beforeAll(async () => {
  ({ path: root, cleanup } = await tempDir('verify-chain-'));
  chain = await makeChain(root, 4);
});
afterAll(async () => {
  await chain.db.close();
  await cleanup();
});

const file = (index: number): string => chain.names[index]!;

describe('verifyChain (VERIFY-002, VERIFY-007, VERIFY-008)', () => {
  it('reports a sound chain valid, one line per file in index order and the verdict last', async () => {
    const report = await verifyChain(chain.dir);
    expect(report).toEqual({
      valid: true,
      lines: [...chain.names.map((name, index) => `${name} (index ${index}): ok`), 'verdict: valid'],
    });
    expect(await verifyBackup(chain.dir)).toEqual(report);
  });

  it('marks the defective file with its code; every file before it reads ok', async () => {
    const dir = await copyDirectory(chain.dir, join(root, 'flipped'));
    await flipBit(join(dir, file(2)), (await dataByteOffset(join(dir, file(2)))).offset, 1);
    const report = await verifyChain(dir);
    expect(report.valid).toBe(false);
    expect(report.code).toBe('ERR_CHAIN_CORRUPT');
    expect(report.lines).toHaveLength(5);
    expect(report.lines.slice(0, 2)).toEqual([`${file(0)} (index 0): ok`, `${file(1)} (index 1): ok`]);
    expect(report.lines[2]).toMatch(new RegExp(`^${file(2)} \\(index 2\\): ERR_CHAIN_CORRUPT `));
    // File 3's own content is sound, but its link to the damaged file 2 fails.
    expect(report.lines[3]).toMatch(new RegExp(`^${file(3)} \\(index 3\\): ERR_CHAIN_BROKEN_LINK `));
    expect(report.lines[4]).toBe('verdict: invalid (ERR_CHAIN_CORRUPT)');
  });

  it('puts a gap on the file after it and a file whose manifest cannot be read at its place by name', async () => {
    const dir = await copyDirectory(chain.dir, join(root, 'gap'));
    await rm(join(dir, file(1)));
    await rewriteChainFile(join(dir, file(3)), (entries) => entries.set('backup-manifest.json', Buffer.from('not json')));
    const report = await verifyChain(dir);
    expect(report.code).toBe('ERR_CHAIN_CORRUPT');
    expect(report.lines).toEqual([
      `${file(0)} (index 0): ok`,
      expect.stringMatching(new RegExp(`^${file(2)} \\(index 2\\): ERR_CHAIN_GAP Index 1 is missing`)),
      expect.stringMatching(new RegExp(`^${file(3)}: ERR_CHAIN_CORRUPT `)),
      'verdict: invalid (ERR_CHAIN_CORRUPT)',
    ]);
  });

  it('gives the verdict alone for a missing or an empty directory', async () => {
    expect(await verifyChain(join(root, 'nowhere'))).toEqual({ valid: false, code: 'ERR_BACKUP_DIR_NOT_FOUND', lines: ['verdict: invalid (ERR_BACKUP_DIR_NOT_FOUND)'] });
    await mkdir(join(root, 'empty'));
    await writeFile(join(root, 'empty', 'notes.txt'), 'x');
    expect(await verifyChain(join(root, 'empty'))).toEqual({ valid: false, code: 'ERR_CHAIN_EMPTY', lines: ['verdict: invalid (ERR_CHAIN_EMPTY)'] });
  });

  it('changes nothing in the directory (VERIFY-004)', async () => {
    const dir = await copyDirectory(chain.dir, join(root, 'untouched'));
    await writeFile(join(dir, 'x.ibu'), '');
    const before = await directoryState(dir);
    await verifyChain(dir);
    expect(await directoryState(dir)).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual([...before.keys()].sort());
    expect((await readFile(join(dir, 'x.ibu'))).length).toBe(0);
  });
});
