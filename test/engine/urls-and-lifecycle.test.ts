import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Database, LOCK_FILE, REMOTE_NOT_SUPPORTED_MESSAGE, parseDatabaseUrl } from '../../src/engine/index.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, expectCode, tempDir } from './_helpers.js';

describe('database URLs', () => {
  it('parses plocal (relative to the working directory) and memory URLs', () => {
    expect(parseDatabaseUrl('plocal:/data/db')).toEqual({ kind: 'plocal', url: 'plocal:/data/db', directory: '/data/db' });
    expect(parseDatabaseUrl('plocal:rel/db')).toMatchObject({ directory: join(process.cwd(), 'rel/db') });
    expect(parseDatabaseUrl('PLOCAL:/x')).toMatchObject({ kind: 'plocal' });
    expect(parseDatabaseUrl('memory:test')).toEqual({ kind: 'memory', url: 'memory:test', name: 'test' });
  });

  it('refuses remote URLs with the OrientDB message, and malformed ones', async () => {
    const remote = await expectCode(() => parseDatabaseUrl('remote:localhost/demo'), 'ERR_REMOTE_NOT_SUPPORTED');
    expect(remote.message).toBe(REMOTE_NOT_SUPPORTED_MESSAGE);
    expect(remote.message).toBe(
      'backup is not supported against remote storage. Open the database with plocal or use the incremental backup in the Enterprise Edition',
    );
    for (const url of ['', 'plocal:', 'memory:', 'memory:a/b', 'local:/x', '/just/a/path', 'http://x', 42]) {
      await expectCode(() => parseDatabaseUrl(url), 'ERR_INVALID_URL');
    }
    await expectCode(Database.open('remote:host/db', 'admin', 'admin'), 'ERR_REMOTE_NOT_SUPPORTED');
    await expectCode(Database.create('bogus:x'), 'ERR_INVALID_URL');
  });
});

describe('create, open, exists, drop', () => {
  it('follows the codes for missing, existing and closed databases', async () => {
    const fs = new MemoryFileSystem();
    const url = 'plocal:/life/db';
    expect(await Database.exists(url, { fs })).toBe(false);
    await expectCode(Database.open(url, 'admin', 'admin', { fs }), 'ERR_DATABASE_NOT_FOUND');
    const db = await Database.create(url, { fs, ...FAST });
    expect(db.name).toBe('db');
    expect(db.url).toBe(url);
    expect(await Database.exists(url, { fs })).toBe(true);
    await expectCode(Database.create(url, { fs, ...FAST }), 'ERR_DATABASE_EXISTS');
    await db.close();
    await expectCode(Database.create(url, { fs, ...FAST }), 'ERR_DATABASE_EXISTS');
    expect(db.isClosed).toBe(true);
    for (const call of [
      () => db.insert('X', {}),
      () => db.load('#1:0'),
      () => db.createClass('X'),
      () => db.classes(),
      () => db.users(),
      () => db.dump(),
      () => db.freeze(),
      () => db.currentLsn(),
      () => db.checkPermission('read'),
    ]) {
      await expectCode(call, 'ERR_DATABASE_CLOSED');
    }
    await db.close(); // closing twice is harmless
    await Database.drop(url, 'admin', 'admin', { fs });
    expect(await Database.exists(url, { fs })).toBe(false);
    await expect(fs.stat('/life/db')).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await fs.readdir('/life')).map((entry) => entry.name)).toEqual([]);
  });

  it('refuses unknown options and bad option values', async () => {
    await expectCode(Database.create('memory:opts', { turbo: true } as never), 'ERR_INVALID_ARGUMENT');
    await expectCode(Database.create('memory:opts', { durability: 'async' } as never), 'ERR_INVALID_ARGUMENT');
    await expectCode(Database.create('memory:opts', { pageCacheBytes: -1 }), 'ERR_INVALID_ARGUMENT');
    await expectCode(Database.create('memory:opts', { scryptCost: 1000 }), 'ERR_INVALID_ARGUMENT');
    await expectCode(Database.create('memory:opts', { password: '' }), 'ERR_INVALID_ARGUMENT');
    expect(await Database.exists('memory:opts')).toBe(false);
  });

  it('keeps memory databases process-wide until dropped', async () => {
    const db = await Database.create('memory:registry-test', FAST);
    await db.createClass('Thing');
    const { rid } = await db.insert('Thing', { kept: true });
    expect(db.storage.kind).toBe('memory');
    expect(db.storage.directory).toBeNull();
    await expectCode(Database.create('memory:registry-test', FAST), 'ERR_DATABASE_EXISTS');
    await db.close();
    expect(await Database.exists('memory:registry-test')).toBe(true);
    const again = await Database.open('memory:registry-test', 'admin', 'admin');
    expect((await again.load(rid)).content).toEqual({ kept: true });
    await again.close();
    await Database.drop('memory:registry-test', 'admin', 'admin');
    expect(await Database.exists('memory:registry-test')).toBe(false);
    await expectCode(Database.open('memory:registry-test', 'admin', 'admin'), 'ERR_DATABASE_NOT_FOUND');
  });

  it('resolves relative plocal paths against the working directory', async () => {
    const dir = await tempDir();
    try {
      const url = `plocal:${relative(process.cwd(), join(dir.path, 'rel'))}`;
      const db = await Database.create(url, FAST);
      expect(db.storage.directory).toBe(join(dir.path, 'rel'));
      await db.close();
      expect(await Database.exists(`plocal:${join(dir.path, 'rel')}`)).toBe(true);
    } finally {
      await dir.cleanup();
    }
  });
});

describe('sessions and the process lock', () => {
  it('shares one storage between sessions; it closes with the last one', async () => {
    const fs = new MemoryFileSystem();
    const one = await Database.create('plocal:/shared', { fs, ...FAST });
    await one.createClass('Note');
    const two = await Database.open('plocal:/shared', 'admin', 'admin', { fs });
    expect(two.storage).toBe(one.storage);
    const { rid } = await one.insert('Note', { text: 'from one' });
    expect((await two.load(rid)).content).toEqual({ text: 'from one' });
    await one.close();
    await expectCode(one.load(rid), 'ERR_DATABASE_CLOSED');
    expect((await two.load(rid)).content).toEqual({ text: 'from one' });
    expect(two.storage.isClosed).toBe(false);
    expect((await fs.readdir('/shared')).some((entry) => entry.name === LOCK_FILE)).toBe(true);
    await two.close();
    expect(two.storage.isClosed).toBe(true);
    expect((await fs.readdir('/shared')).some((entry) => entry.name === LOCK_FILE)).toBe(false);
    const three = await Database.open('plocal:/shared', 'admin', 'admin', { fs });
    expect(three.storage).not.toBe(one.storage);
    await three.close();
  });

  it('refuses a database locked by a live process and takes over a stale lock', async () => {
    const dir = await tempDir();
    try {
      const url = `plocal:${join(dir.path, 'db')}`;
      await (await Database.create(url, FAST)).close();
      const lock = join(dir.path, 'db', LOCK_FILE);
      // A live process: this test's parent (the vitest runner) certainly exists.
      await writeFile(lock, `${process.ppid}\n`);
      const locked = await expectCode(Database.open(url, 'admin', 'admin'), 'ERR_DATABASE_LOCKED');
      expect(locked.details).toMatchObject({ pid: process.ppid });
      // A dead process: spawn one, let it exit, and use its pid.
      const child = spawn(process.execPath, ['-e', '0']);
      const deadPid = child.pid!;
      await new Promise((resolve) => child.on('exit', resolve));
      await writeFile(lock, `${deadPid}\n`);
      const db = await Database.open(url, 'admin', 'admin');
      expect(await readFile(lock, 'utf8')).toMatch(new RegExp(`^${process.pid}\n`));
      await db.close();
      // Garbage in the lock file counts as stale too.
      await writeFile(lock, 'not a pid');
      await (await Database.open(url, 'admin', 'admin')).close();
    } finally {
      await dir.cleanup();
    }
  });

  it('refuses a second storage object on the same directory in this process', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir.path, 'db');
      const db = await Database.create(`plocal:${path}`, FAST);
      // Another FileSystem object over the same disk is another registry key: the lock must catch it.
      const { nodeFileSystem } = await import('../../src/fs/index.js');
      const wrapper = { ...nodeFileSystem };
      await expectCode(Database.open(`plocal:${path}`, 'admin', 'admin', { fs: wrapper }), 'ERR_DATABASE_LOCKED');
      await db.close();
      await (await Database.open(`plocal:${path}`, 'admin', 'admin', { fs: wrapper })).close();
    } finally {
      await dir.cleanup();
    }
  });
});
