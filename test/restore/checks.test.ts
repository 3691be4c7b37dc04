/**
 * The checks a restore makes before it creates anything (their order, RESTORE-051), the options
 * (RESTORE-031), and what the callable and the listener see.
 */
import { createReadStream } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { isCodedError } from '../../src/errors.js';
import { validateRestoreOptions } from '../../src/restore/index.js';
import { backupToFile } from './_helpers/backup-file.js';
import { FAST, seededDatabase, tempDir, treeState } from './_helpers/databases.js';

let work: { path: string; cleanup: () => Promise<void> };
let db: Database;
let archive: string;
beforeAll(async () => {
  work = await tempDir('restore-checks-');
  db = await seededDatabase(join(work.path, 'db'));
  archive = join(work.path, 'backup.zip');
  await backupToFile(db, archive);
});
afterAll(async () => {
  await db.close();
  await work.cleanup();
});

async function codeOf(action: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    if (!isCodedError(error)) throw error;
    return error.code;
  }
  return 'OK';
}

describe('validateRestoreOptions', () => {
  it('accepts null, undefined, an empty object, upToIndex and limits', () => {
    expect(validateRestoreOptions(null)).toEqual({});
    expect(validateRestoreOptions(undefined)).toEqual({});
    expect(validateRestoreOptions({})).toEqual({});
    expect(validateRestoreOptions({ upToIndex: 0, limits: { maxEntries: 5, maxRatio: 1.5 } })).toEqual({ upToIndex: 0, limits: { maxEntries: 5, maxRatio: 1.5 } });
    expect(validateRestoreOptions(Object.assign(Object.create(null), { upToIndex: 3 }))).toEqual({ upToIndex: 3 });
  });

  it.each([
    ['a string', 'x'],
    ['an array', []],
    ['a class instance', new Date()],
    ['an unknown key', { upto: 1 }],
    ['a negative upToIndex', { upToIndex: -1 }],
    ['a fractional upToIndex', { upToIndex: 1.5 }],
    ['a string upToIndex', { upToIndex: '1' }],
    ['limits as a number', { limits: 1 }],
    ['an unknown limit', { limits: { maxBytes: 1 } }],
    ['a zero limit', { limits: { maxEntries: 0 } }],
    ['an infinite limit', { limits: { maxTotalBytes: Number.POSITIVE_INFINITY } }],
    ['a fractional count', { limits: { maxEntryBytes: 10.5 } }],
    ['a ratio below 1', { limits: { maxRatio: 0.5 } }],
    ['NaN', { limits: { maxRatio: Number.NaN } }],
  ])('refuses %s with ERR_INVALID_OPTIONS', async (_what, options) => {
    expect(await codeOf(() => validateRestoreOptions(options))).toBe('ERR_INVALID_OPTIONS');
  });
});

describe('the checks before anything is created', () => {
  it('come in the order closed, permission, storage, options, arguments, input, upToIndex', async () => {
    const closed = await Database.open(db.url, 'admin', 'admin', FAST);
    await closed.close();
    expect(await codeOf(closed.restore(join(work.path, 'missing.zip'), { bad: 1 }))).toBe('ERR_DATABASE_CLOSED');
    await db.createUser('reader', 'reader', 'reader');
    const reader = await Database.open(db.url, 'reader', 'reader', FAST);
    expect(await codeOf(reader.restore(join(work.path, 'missing.zip'), { bad: 1 }))).toBe('ERR_PERMISSION_DENIED');
    await reader.close();
    const memory = await Database.create('memory:restore-checks', FAST);
    expect(await codeOf(memory.restore(join(work.path, 'missing.zip'), { bad: 1 }))).toBe('ERR_UNSUPPORTED_STORAGE');
    await Database.drop('memory:restore-checks', 'admin', 'admin');
    expect(await codeOf(db.restore(join(work.path, 'missing.zip'), { bad: 1 }))).toBe('ERR_INVALID_OPTIONS');
    expect(await codeOf(db.restore(join(work.path, 'missing.zip'), null, 'not a function'))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(db.restore(join(work.path, 'missing.zip'), null, null, 42))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(db.restore(join(work.path, 'missing.zip'), { upToIndex: 1 }))).toBe('ERR_ARCHIVE_NOT_FOUND');
    expect(await codeOf(db.restore(archive, { upToIndex: 1 }))).toBe('ERR_INVALID_OPTIONS');
    expect(await codeOf(db.restore(createReadStream(archive), { upToIndex: 1 }))).toBe('ERR_INVALID_OPTIONS');
    expect(await codeOf(db.restore(42))).toBe('ERR_INVALID_ARGUMENT');
    expect(await codeOf(db.restore(archive, null, null, null, 'fifth'))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('tells a missing archive from a missing directory by a trailing separator', async () => {
    expect(await codeOf(db.restore(join(work.path, 'nothing')))).toBe('ERR_ARCHIVE_NOT_FOUND');
    expect(await codeOf(db.restore(`${join(work.path, 'nothing')}/`))).toBe('ERR_BACKUP_DIR_NOT_FOUND');
    expect(await codeOf(db.restore(`${archive}/`))).toBe('ERR_BACKUP_DIR_NOT_FOUND');
    expect(await codeOf(db.restore(createReadStream(join(work.path, 'nothing.zip'))))).toBe('ERR_ARCHIVE_NOT_FOUND');
  });

  it('creates nothing for a refused call, and a stream that fails before it is read crashes nothing', async () => {
    const before = await readdir(work.path);
    const files = await treeState(join(work.path, 'db'));
    const failing = new Readable({ read() {} });
    const refused = db.restore(failing, { nope: true });
    failing.destroy(Object.assign(new Error('boom'), { code: 'EIO' }));
    expect(await codeOf(refused)).toBe('ERR_INVALID_OPTIONS');
    const stream = new Readable({ read() {} });
    const reading = db.restore(stream);
    stream.destroy(Object.assign(new Error('disk gone'), { code: 'EIO' }));
    expect(await codeOf(reading)).toBe('ERR_IO');
    expect(await readdir(work.path)).toEqual(before);
    expect(await treeState(join(work.path, 'db'))).toEqual(files);
  });
});

describe('the callable and the listener', () => {
  it('the callable runs once with writers held, after every check; the listener names each file and ends with the count', async () => {
    const messages: string[] = [];
    const events: string[] = [];
    const other = await Database.open(db.url, 'admin', 'admin', FAST);
    try {
      await db.restore(archive, null, async () => {
        events.push('callable');
        const write = other.insert('Item', { during: true }).then(() => events.push('write done'));
        await new Promise((resolve) => setTimeout(resolve, 200));
        events.push('callable done');
        void write;
      }, (message: string) => messages.push(message));
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await other.close();
    }
    expect(events).toEqual(['callable', 'callable done', 'write done']);
    const data = ['database.ocf', 'database.wal', 'item.cpm', 'item.pcl'];
    for (const name of data) expect(messages.some((message) => message.includes(name))).toBe(true);
    expect(messages.some((message) => message.includes('backup-manifest.json'))).toBe(false);
    expect(messages.at(-1)).toMatch(/^Database restored in \d+\.\d\d seconds: 4 files restored$/);
  });

  it('a failing callable or listener aborts with its code before the swap; a listener failing at the summary does not', async () => {
    await db.insert('Item', { marker: 'before' });
    const before = await db.dump();
    expect(await codeOf(db.restore(archive, null, () => Promise.reject(new Error('no'))))).toBe('ERR_CALLABLE_FAILED');
    expect(await codeOf(db.restore(archive, null, null, () => {
      throw new Error('no');
    }))).toBe('ERR_LISTENER_FAILED');
    expect(await db.dump()).toBe(before);
    let calls = 0;
    await db.restore(archive, null, null, (message: string) => {
      calls++;
      if (message.startsWith('Database restored')) throw new Error('too late to matter');
    });
    expect(calls).toBe(5);
    expect(await db.dump()).not.toBe(before);
  });

  it('a bad archive never reaches the callable', async () => {
    const bad = join(work.path, 'bad.zip');
    await writeFile(bad, 'not a zip at all');
    let called = false;
    expect(await codeOf(db.restore(bad, null, () => void (called = true)))).toBe('ERR_NOT_A_ZIP');
    expect(called).toBe(false);
  });
});
