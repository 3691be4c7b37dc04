import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { nodeFileSystem } from '../../src/fs/index.js';
import { CHAIN_LOCK_FILE, acquireChainLock } from '../../src/incremental/chain-lock.js';
import { FAST, expectCode, tempDir } from './_helpers.js';

/** Compiled modules (test/global-setup.ts builds dist/ from the same sources before the tests). */
const LOCK_MODULE = pathToFileURL(fileURLToPath(new URL('../../dist/src/incremental/chain-lock.js', import.meta.url))).href;
const FS_MODULE = pathToFileURL(fileURLToPath(new URL('../../dist/src/fs/index.js', import.meta.url))).href;

/** A child process that takes the lock of `dir`, says so, and holds it until its stdin ends. */
const HOLDER = `
import { acquireChainLock } from ${JSON.stringify(LOCK_MODULE)};
import { nodeFileSystem } from ${JSON.stringify(FS_MODULE)};
const lock = await acquireChainLock(nodeFileSystem, process.argv[1]);
process.stdout.write('locked\\n');
process.stdin.resume();
process.stdin.on('end', async () => { await lock.release(); process.stdout.write('released\\n'); });
`;

let root: string;
let cleanup: () => Promise<void>;
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(async () => {
  ({ path: root, cleanup } = await tempDir('chain-lock-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await cleanup();
});

async function holdInChild(dir: string): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', HOLDER, dir]);
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const started = Date.now();
  while (!stdout.includes('locked')) {
    if (child.exitCode !== null || Date.now() - started > 15_000) throw new Error(`the lock holder did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { child, output: () => stdout, exited };
}

describe('the directory lock across processes', () => {
  it('refuses a backup while another process holds the directory, and allows it once that process released it', async () => {
    const dir = join(root, 'chain');
    const db = await Database.create(`plocal:${join(root, 'db')}`, FAST);
    try {
      await db.incrementalBackup(dir);
      const holder = await holdInChild(dir);
      const before = (await readdir(dir)).sort();
      const error = await expectCode(db.incrementalBackup(dir), 'ERR_BACKUP_IN_PROGRESS');
      expect(error.message).toContain(`pid ${holder.child.pid}`);
      expect((await readdir(dir)).sort()).toEqual(before);
      holder.child.stdin.end();
      await holder.exited;
      expect(holder.output()).toContain('released');
      await db.incrementalBackup(dir);
      expect((await readdir(dir)).filter((name) => name.endsWith('.ibu'))).toHaveLength(2);
      expect(await readdir(dir)).not.toContain(CHAIN_LOCK_FILE);
    } finally {
      await db.close();
    }
  });

  it('takes over the lock of a process that died holding it', async () => {
    const dir = join(root, 'chain');
    const db = await Database.create(`plocal:${join(root, 'db')}`, FAST);
    try {
      await db.incrementalBackup(dir);
      const holder = await holdInChild(dir);
      holder.child.kill('SIGKILL');
      await holder.exited;
      expect(await readdir(dir)).toContain(CHAIN_LOCK_FILE);
      await db.incrementalBackup(dir);
      expect(await readdir(dir)).not.toContain(CHAIN_LOCK_FILE);
    } finally {
      await db.close();
    }
  });
});

describe('the directory lock in this process', () => {
  it('refuses a second holder until the first releases; release is idempotent', async () => {
    const dir = root;
    const first = await acquireChainLock(nodeFileSystem, dir);
    await expectCode(acquireChainLock(nodeFileSystem, dir), 'ERR_BACKUP_IN_PROGRESS');
    await expectCode(acquireChainLock(nodeFileSystem, join(dir, '.', '')), 'ERR_BACKUP_IN_PROGRESS');
    await first.release();
    await first.release();
    const second = await acquireChainLock(nodeFileSystem, dir);
    await second.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock file naming this process that no lock of this process holds, and an old unreadable one', async () => {
    await writeFile(join(root, CHAIN_LOCK_FILE), `${process.pid}\nsome-old-token\n`);
    await (await acquireChainLock(nodeFileSystem, root)).release();
    await writeFile(join(root, CHAIN_LOCK_FILE), 'garbage');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(root, CHAIN_LOCK_FILE), old, old);
    const lock = await acquireChainLock(nodeFileSystem, root);
    await lock.release();
  });

  it('treats a fresh lock file without a pid as being written by its owner', async () => {
    await writeFile(join(root, CHAIN_LOCK_FILE), '');
    await expectCode(acquireChainLock(nodeFileSystem, root), 'ERR_BACKUP_IN_PROGRESS');
    expect((await stat(join(root, CHAIN_LOCK_FILE))).size).toBe(0);
  });
});

describe('the directory lock through two file systems', () => {
  it('refuses a second holder that reaches the directory through another FileSystem object', async () => {
    const other = { ...nodeFileSystem };
    const first = await acquireChainLock(nodeFileSystem, root);
    await expectCode(acquireChainLock(other, root), 'ERR_BACKUP_IN_PROGRESS');
    await first.release();
    await (await acquireChainLock(other, root)).release();
  });
});
