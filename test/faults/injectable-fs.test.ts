/**
 * One injectable interface: every disk access of the engine, the full backup (path helper
 * included), the incremental backup, restore, verify and export goes through the `FileSystem`
 * the caller passes. Proof: everything runs on a MemoryFileSystem under paths that do not exist
 * on the real disk, and a recording harness sees each component's files.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { isCodedError } from '../../src/errors.js';
import { FaultyFileSystem, MemoryFileSystem, nodeFileSystem } from '../../src/fs/index.js';
import { restoreToNewDatabase } from '../../src/restore/index.js';
import { verifyBackup } from '../../src/verify/index.js';
import { FAST } from './_support/databases.js';

/** A root no test machine has. */
const ROOT = `/fs-proof-${process.pid}-${Date.now()}`;

describe('every disk access goes through the FileSystem passed in', () => {
  it('runs the engine, backups, incremental chain, verify, restore and export on a memory file system alone', async () => {
    const fs = new FaultyFileSystem(new MemoryFileSystem(), undefined, { record: true });
    await fs.mkdir(`${ROOT}/out`, { recursive: true });
    const db = await Database.create(`plocal:${ROOT}/db`, { ...FAST, fs });
    await db.createClass('Item');
    await db.insert('Item', { n: 1 });
    const backedUp = await db.dump();

    await db.backup(`${ROOT}/out/full.zip`);
    const streamed: Buffer[] = [];
    const stream = new PassThrough().on('data', (chunk: Buffer) => streamed.push(chunk));
    await db.backup(stream);
    expect(Buffer.concat(streamed).length).toBeGreaterThan(100);
    await db.incrementalBackup(`${ROOT}/chain`);
    await db.insert('Item', { n: 2 });
    await db.incrementalBackup(`${ROOT}/chain`);
    const chained = await db.dump();

    expect(await verifyBackup(`${ROOT}/out/full.zip`, { fs })).toMatchObject({ valid: true });
    expect(await verifyBackup(`${ROOT}/chain`, { fs })).toMatchObject({ valid: true });

    await db.exportDatabase(`${ROOT}/out/export.json.gz`);
    await db.restore(`${ROOT}/out/full.zip`);
    expect(await db.dump()).toBe(backedUp);
    await db.restore(`${ROOT}/chain/`);
    expect(await db.dump()).toBe(chained);
    await db.close();

    await restoreToNewDatabase(`${ROOT}/out/full.zip`, `plocal:${ROOT}/copy`, null, { fs });
    const copy = await Database.open(`plocal:${ROOT}/copy`, 'admin', 'admin', { ...FAST, fs });
    expect(await copy.dump()).toBe(backedUp);
    await copy.close();
    const imported = await Database.create(`plocal:${ROOT}/imported`, { ...FAST, fs });
    await imported.importDatabase(`${ROOT}/out/export.json.gz`);
    expect(await imported.dump()).toBe(chained);
    await imported.close();

    expect(existsSync(ROOT)).toBe(false);
    const touched = new Set(fs.calls.flatMap((call) => call.paths.map((path) => path.slice(ROOT.length + 1).split('/')[0])));
    for (const part of ['db', 'out', 'chain', 'copy', 'imported']) expect(touched).toContain(part);
  });

  it('sees through a symbolic link into the database directory with a wrapped real disk (fs.realpath)', async () => {
    const work = await mkdtemp(join(tmpdir(), 'fs-proof-'));
    try {
      const fs = new FaultyFileSystem(nodeFileSystem);
      const db = await Database.create(`plocal:${join(work, 'db')}`, { ...FAST, fs });
      await mkdir(join(work, 'db', 'inner'));
      await symlink(join(work, 'db', 'inner'), join(work, 'link'));
      const error = await db.incrementalBackup(join(work, 'link', 'chain')).catch((caught: unknown) => caught);
      expect(isCodedError(error, 'ERR_BACKUP_TARGET_INSIDE_DATABASE'), String(error)).toBe(true);
      expect(fs.counted).toBeGreaterThan(0);
      await db.close();
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
