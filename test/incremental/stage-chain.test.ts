import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../../src/engine/constants.js';
import { nodeFileSystem } from '../../src/fs/index.js';
import { stageChain } from '../../src/incremental/stage-chain.js';
import { verifyChain } from '../../src/incremental/verify-chain.js';
import { dataByteOffset } from '../../conformance/scenarios/incremental/_support/chain.js';
import { type TestChain, copyDirectory, expectCode, flipBit, makeChain, rewriteChainFile, stagedDump, tempDir } from './_helpers.js';

let root: string;
let cleanup: () => Promise<void>;
let chain: TestChain;
let other: TestChain;

// The chains are written once; every test that damages one works on a copy.
beforeAll(async () => {
  ({ path: root, cleanup } = await tempDir('stage-chain-'));
  chain = await makeChain(root, 4);
  other = await makeChain(root, 4, 'other');
});
afterAll(async () => {
  await chain.db.close();
  await other.db.close();
  await cleanup();
});

let copies = 0;
async function damaged(change: (dir: string) => Promise<unknown>): Promise<string> {
  const dir = await copyDirectory(chain.dir, join(root, `copy-${++copies}`));
  await change(dir);
  return dir;
}

const file = (index: number): string => chain.names[index]!;

/** Stages `dir`, expects `code`; checks nothing was written (the staging directory does not exist) and verify agrees. */
async function expectRefused(dir: string, code: string, details: { file?: string; index?: number } = {}, upToIndex?: number) {
  const staging = join(root, `staging-${++copies}`);
  const error = await expectCode(stageChain(dir, staging, { fs: nodeFileSystem, ...(upToIndex === undefined ? {} : { upToIndex }) }), code);
  await expect(stat(staging)).rejects.toMatchObject({ code: 'ENOENT' });
  if (details.file !== undefined) {
    expect(error.details.file).toBe(details.file);
    expect(error.message).toContain(details.file);
  }
  if (details.index !== undefined) {
    expect(error.details.index).toBe(details.index);
    expect(error.message).toMatch(new RegExp(`\\b${details.index}\\b`));
  }
  if (upToIndex === undefined) {
    const report = await verifyChain(dir);
    expect(report).toMatchObject({ valid: false, code });
  }
  return error;
}

describe('stageChain rebuilds the database', () => {
  it('as of every file of the chain (upToIndex), and of the last one by default', async () => {
    for (let index = 0; index < 4; index++) expect(await stagedDump(root, chain.dir, index)).toBe(chain.dumps[index]);
    expect(await stagedDump(root, chain.dir)).toBe(chain.dumps[3]);
  });

  it('resolves the LSN, instance id, name and applied files, and reports each file to the listener', async () => {
    const messages: string[] = [];
    const staged = await stageChain(chain.dir, join(root, 'staged'), { fs: nodeFileSystem, listener: (message) => messages.push(message) });
    expect(staged).toEqual({ lsn: chain.db.currentLsn(), instanceId: chain.db.storage.instanceId, databaseName: 'db', applied: chain.names });
    expect(messages).toHaveLength(4);
    messages.forEach((message, index) => expect(message).toContain(chain.names[index]!));
    expect((await readdir(join(root, 'staged'))).sort()).toEqual(['database.ocf', 'database.wal', 'item.cpm', 'item.pcl']);
  });

  it('in the order of the manifests, whatever the names; ignoring other files, subdirectories and symbolic links to nowhere', async () => {
    const dir = await damaged(async (copy) => {
      for (const [index, name] of chain.names.entries()) await rename(join(copy, name), join(copy, `z${9 - index}-renamed.ibu`));
      await writeFile(join(copy, 'notes.txt'), 'x');
      await writeFile(join(copy, '.db.ibu.1234.tmp'), 'a leftover temporary file');
      await mkdir(join(copy, 'folder.ibu'));
      await symlink(join(copy, 'nowhere'), join(copy, 'dangling.ibu'));
    });
    expect(await stagedDump(root, dir)).toBe(chain.dumps[3]);
  });

  it('follows a symbolic link to a chain file', async () => {
    const dir = await damaged(async (copy) => {
      await rename(join(copy, file(3)), join(root, 'elsewhere.ibu'));
      await symlink(join(root, 'elsewhere.ibu'), join(copy, file(3)));
    });
    expect(await stagedDump(root, dir)).toBe(chain.dumps[3]);
  });

  it('cuts a file to its listed size when a later file lists it shorter', async () => {
    const dir = await damaged((copy) =>
      rewriteChainFile(
        join(copy, file(3)),
        (entries) => {
          const list = JSON.parse(entries.get('files.json')!.toString('utf8')) as { files: { name: string; size: number }[] };
          for (const listed of list.files) if (listed.name === 'item.pcl') listed.size = 0;
          entries.set('files.json', Buffer.from(JSON.stringify(list)));
          entries.delete('pages/item.pcl.pages');
        },
        { rehash: true },
      ),
    );
    const staging = join(root, 'cut');
    await stageChain(dir, staging, { fs: nodeFileSystem });
    expect((await stat(join(root, 'db', 'item.pcl'))).size).toBeGreaterThanOrEqual(PAGE_SIZE);
    expect((await stat(join(staging, 'item.pcl'))).size).toBe(0);
  });

  it('applies file growth and new classes to the listed sizes', async () => {
    const db = other.db;
    const dir = await copyDirectory(other.dir, join(root, 'growing'));
    await db.createClass('Later');
    for (let n = 0; n < 40; n++) await db.insert('Later', { n, text: 'l'.repeat(1000) });
    await db.incrementalBackup(dir);
    expect(await stagedDump(root, dir)).toBe(await db.dump());
    const staging = join(root, 'sizes');
    await stageChain(dir, staging, { fs: nodeFileSystem });
    for (const name of ['item.pcl', 'item.cpm', 'later.pcl', 'later.cpm']) {
      expect((await stat(join(staging, name))).size).toBe((await stat(join(root, 'other', name))).size);
    }
  });
});

describe('stageChain refuses a damaged chain before writing anything, naming the file or index', () => {
  it('a missing directory, or a file: ERR_BACKUP_DIR_NOT_FOUND; no .ibu file: ERR_CHAIN_EMPTY', async () => {
    await expectRefused(join(root, 'nowhere'), 'ERR_BACKUP_DIR_NOT_FOUND');
    await expectRefused(join(chain.dir, file(0)), 'ERR_BACKUP_DIR_NOT_FOUND');
    await mkdir(join(root, 'empty'));
    await writeFile(join(root, 'empty', 'x.ibu.tmp'), 'x');
    await expectRefused(join(root, 'empty'), 'ERR_CHAIN_EMPTY');
  });

  it('a gap in the middle or at index 0: ERR_CHAIN_GAP naming the missing index', async () => {
    await expectRefused(await damaged((dir) => rm(join(dir, file(2)))), 'ERR_CHAIN_GAP', { index: 2, file: file(3) });
    await expectRefused(await damaged((dir) => rm(join(dir, file(0)))), 'ERR_CHAIN_GAP', { index: 0, file: file(1) });
  });

  it("another database's file: ERR_CHAIN_FOREIGN_DATABASE naming it", async () => {
    const replaced = await damaged(async (dir) => {
      await rm(join(dir, file(1)));
      await writeFile(join(dir, other.names[1]!), await readFile(join(other.dir, other.names[1]!)));
    });
    await expectRefused(replaced, 'ERR_CHAIN_FOREIGN_DATABASE', { file: other.names[1]!, index: 1 });
  });

  it('a flipped bit in entry data, a zero-length file, a file that is no ZIP: ERR_CHAIN_CORRUPT naming it', async () => {
    const flipped = await damaged(async (dir) => flipBit(join(dir, file(1)), (await dataByteOffset(join(dir, file(1)))).offset, 0));
    await expectRefused(flipped, 'ERR_CHAIN_CORRUPT', { file: file(1) });
    await expectRefused(await damaged((dir) => writeFile(join(dir, 'empty.ibu'), '')), 'ERR_CHAIN_CORRUPT', { file: 'empty.ibu' });
    await expectRefused(await damaged((dir) => writeFile(join(dir, 'text.ibu'), 'hello')), 'ERR_CHAIN_CORRUPT', { file: 'text.ibu' });
  });

  it('a changed link: ERR_CHAIN_BROKEN_LINK naming the file whose link fails', async () => {
    const hash = await damaged((dir) => rewriteChainFile(join(dir, file(2)), (_e, m) => void ((m.previous as { sha256: string }).sha256 = 'f'.repeat(64))));
    await expectRefused(hash, 'ERR_CHAIN_BROKEN_LINK', { file: file(2), index: 2 });
    const start = await damaged((dir) => rewriteChainFile(join(dir, file(2)), (_e, m) => void ((m.startLsn as number)--)));
    // Rewriting file 2 changed its bytes, so file 3's link fails as well; file 2's own link is reported first.
    await expectRefused(start, 'ERR_CHAIN_BROKEN_LINK', { file: file(2) });
    const renamed = await damaged((dir) => rewriteChainFile(join(dir, file(3)), (_e, m) => void ((m.previous as { name: string }).name = 'whatever.ibu')));
    expect(await stagedDump(root, renamed)).toBe(chain.dumps[3]);
  });

  it('a duplicated index: ERR_CHAIN_DUPLICATE_INDEX naming it; a version: ERR_CHAIN_VERSION naming the file', async () => {
    await expectRefused(await damaged(async (dir) => writeFile(join(dir, 'copy.ibu'), await readFile(join(dir, file(1))))), 'ERR_CHAIN_DUPLICATE_INDEX', { index: 1 });
    await expectRefused(await damaged((dir) => rewriteChainFile(join(dir, file(3)), (_e, m) => void (m.formatVersion = 999))), 'ERR_CHAIN_VERSION', { file: file(3) });
  });

  it('content that matches its hashes but breaks the format: ERR_CHAIN_CORRUPT', async () => {
    const forged: Array<[string, (entries: Map<string, Buffer>, manifest: Record<string, unknown>) => void]> = [
      ['a page that fails its checksum', (entries) => {
        const pages = entries.get('pages/item.pcl.pages')!;
        pages[4 + 100] = (pages[4 + 100] ?? 0) ^ 1;
      }],
      ['a page beyond its file', (entries) => entries.get('pages/item.pcl.pages')!.writeUInt32BE(10_000, 0)],
      ['a page entry cut inside a record', (entries) => entries.set('pages/item.pcl.pages', entries.get('pages/item.pcl.pages')!.subarray(0, 100))],
      ['pages of an unlisted file', (entries) => entries.set('pages/ghost.pcl.pages', entries.get('pages/item.pcl.pages')!)],
      ['no files.json', (entries) => entries.delete('files.json')],
      ['an invalid files.json', (entries) => entries.set('files.json', Buffer.from('{"pageSize":1}'))],
      ['a full file without metadata', (entries) => entries.delete('database.ocf')],
      ['metadata of another instance', (entries) => {
        const metadata = JSON.parse(entries.get('database.ocf')!.toString('utf8')) as Record<string, unknown>;
        entries.set('database.ocf', Buffer.from(JSON.stringify({ ...metadata, instanceId: 'someone-else' })));
      }],
      ['invalid metadata', (entries) => entries.set('database.ocf', Buffer.from('{}'))],
      ['a manifest of a full backup', (_entries, manifest) => void (manifest.kind = 'full')],
      ['a manifest without its lsn', (_entries, manifest) => void delete manifest.lsn],
    ];
    for (const [what, change] of forged) {
      const dir = await damaged((copy) => rewriteChainFile(join(copy, file(0)), change, { rehash: true }));
      const error = await expectRefused(dir, 'ERR_CHAIN_CORRUPT', { file: file(0) }).catch((caught: Error) => {
        throw new Error(`${what}: ${caught.message}`);
      });
      expect(error.code, what).toBe('ERR_CHAIN_CORRUPT');
    }
  });

  it('entries that disagree with the manifest: ERR_CHAIN_CORRUPT', async () => {
    await expectRefused(await damaged((dir) => rewriteChainFile(join(dir, file(1)), (entries) => entries.set('extra.bin', Buffer.from('x')))), 'ERR_CHAIN_CORRUPT', { file: file(1) });
    await expectRefused(await damaged((dir) => rewriteChainFile(join(dir, file(1)), (entries) => entries.delete('files.json'))), 'ERR_CHAIN_CORRUPT', { file: file(1) });
    await expectRefused(
      await damaged((dir) => rewriteChainFile(join(dir, file(1)), (entries) => entries.set('files.json', Buffer.concat([entries.get('files.json')!, Buffer.from(' ')])))),
      'ERR_CHAIN_CORRUPT',
      { file: file(1) },
    );
  });

  it('checks in the order of INCR-024', async () => {
    const cases: Array<[string, string, (dir: string) => Promise<unknown>]> = [
      ['corrupt before version', 'ERR_CHAIN_CORRUPT', async (dir) => {
        await rewriteChainFile(join(dir, file(1)), (_e, m) => void (m.formatVersion = 5));
        await writeFile(join(dir, 'empty.ibu'), '');
      }],
      ['version before members', 'ERR_CHAIN_VERSION', async (dir) => {
        await rewriteChainFile(join(dir, file(1)), (_e, m) => void (m.createdAt = 'yesterday'));
        await rewriteChainFile(join(dir, file(2)), (_e, m) => void (m.databaseFormatVersion = 99));
      }],
      ['members before foreign', 'ERR_CHAIN_CORRUPT', async (dir) => {
        await rewriteChainFile(join(dir, file(3)), (_e, m) => void (m.createdAt = 'yesterday'));
        await writeFile(join(dir, other.names[1]!), await readFile(join(other.dir, other.names[1]!)));
      }],
      ['foreign before duplicate', 'ERR_CHAIN_FOREIGN_DATABASE', async (dir) => writeFile(join(dir, 'theirs.ibu'), await readFile(join(other.dir, other.names[2]!)))],
      ['duplicate before gap', 'ERR_CHAIN_DUPLICATE_INDEX', async (dir) => {
        await writeFile(join(dir, 'copy.ibu'), await readFile(join(dir, file(3))));
        await rm(join(dir, file(1)));
      }],
      ['gap before link', 'ERR_CHAIN_GAP', async (dir) => {
        await rm(join(dir, file(1)));
        await rewriteChainFile(join(dir, file(3)), (_e, m) => void (m.startLsn = 0));
      }],
    ];
    for (const [what, code, change] of cases) {
      const error = await expectRefused(await damaged(change), code).catch((caught: Error) => {
        throw new Error(`${what}: ${caught.message}`);
      });
      expect(error.code, what).toBe(code);
    }
  });

  it('up to an index, ignores defects of the later files beyond their manifests; refuses an index above the highest', async () => {
    const tail = await damaged(async (dir) => {
      await flipBit(join(dir, file(3)), (await dataByteOffset(join(dir, file(3)))).offset, 7);
      await writeFile(join(dir, 'copy.ibu'), await readFile(join(dir, file(2))));
      await rewriteChainFile(join(dir, 'copy.ibu'), (_e, m) => void (m.index = 5));
    });
    expect(await stagedDump(root, tail, 1)).toBe(chain.dumps[1]);
    await expectRefused(tail, 'ERR_CHAIN_CORRUPT', {}, 3);
    await expectRefused(chain.dir, 'ERR_INVALID_OPTIONS', { index: 4 }, 4);
    const gapAfter = await damaged((dir) => rm(join(dir, file(2))));
    expect(await stagedDump(root, gapAfter, 1)).toBe(chain.dumps[1]);
  });

  it('refuses bad options before reading anything', async () => {
    for (const upToIndex of [-1, 1.5, '2', Number.NaN, null]) {
      await expectCode(stageChain(join(root, 'nowhere'), join(root, 's'), { fs: nodeFileSystem, upToIndex: upToIndex as never }), 'ERR_INVALID_OPTIONS');
    }
    await expectCode(stageChain(chain.dir, join(root, 's'), { fs: nodeFileSystem, limits: { maxEntries: -1 } }), 'ERR_INVALID_OPTIONS');
    await expectCode(stageChain(chain.dir, join(root, 's'), { fs: nodeFileSystem, extra: 1 } as never), 'ERR_INVALID_ARGUMENT');
    await expectCode(stageChain(chain.dir, join(root, 's'), { fs: nodeFileSystem, listener: 'x' } as never), 'ERR_INVALID_ARGUMENT');
    await mkdir(join(root, 'busy'));
    await writeFile(join(root, 'busy', 'x'), 'x');
    await expectCode(stageChain(chain.dir, join(root, 'busy'), { fs: nodeFileSystem }), 'ERR_INVALID_ARGUMENT');
  });

  it('keeps ERR_ARCHIVE_LIMIT_EXCEEDED for limits the caller set; under the defaults an impossible declaration is corrupt', async () => {
    await expectCode(stageChain(chain.dir, join(root, 's1'), { fs: nodeFileSystem, limits: { maxEntryBytes: PAGE_SIZE } }), 'ERR_ARCHIVE_LIMIT_EXCEEDED');
    const lying = await damaged(async (dir) => {
      // Make the central directory of file 1 declare an uncompressed size of 4 GiB - 1 for its first entry.
      const path = join(dir, file(1));
      const bytes = await readFile(path);
      const central = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      let first = central;
      while (first > 0 && bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), first - 1) >= 0) first = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), first - 1);
      bytes.writeUInt32LE(0xfffffffe, first + 24);
      await writeFile(path, bytes);
    });
    await expectRefused(lying, 'ERR_CHAIN_CORRUPT', { file: file(1) });
  });

  it('refuses a file that changed after it was checked, with ERR_CHAIN_CORRUPT', async () => {
    const dir = await copyDirectory(chain.dir, join(root, 'changing'));
    const { offset } = await dataByteOffset(join(dir, file(2)));
    let flipped = false;
    const listener = (message: string): void => {
      // Called after each file is applied: damage file 2 once file 0 is in.
      if (!flipped && message.includes(file(0))) {
        flipped = true;
        const bytes = readFileSync(join(dir, file(2)));
        bytes[offset] = (bytes[offset] ?? 0) ^ 0x10;
        writeFileSync(join(dir, file(2)), bytes);
      }
    };
    const error = await expectCode(stageChain(dir, join(root, 'staged-changing'), { fs: nodeFileSystem, listener }), 'ERR_CHAIN_CORRUPT');
    expect(error.message).toContain(file(2));
  });

  it('wraps a throwing listener in ERR_LISTENER_FAILED', async () => {
    await expectCode(stageChain(chain.dir, join(root, 'l'), { fs: nodeFileSystem, listener: () => { throw new Error('no'); } }), 'ERR_LISTENER_FAILED');
  });
});
