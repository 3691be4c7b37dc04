/**
 * What `db.backup(...)` promises a JavaScript caller beyond the conformance suite's reach (the suite
 * sees an implementation through the adapter: codes, archives and listener messages): the messages
 * of its refusals, the callable's error kept as the cause, an async listener's rejection kept from
 * becoming an unhandled rejection, the summary's elapsed time, and the clean-up of temporary files
 * that earlier backups to the same path left behind.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { FAST, createDatabase, expectCode, fillItems, namesIn, tempDir } from './_helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
let db: Database;

beforeAll(async () => {
  dir = await tempDir('full-backup-');
  db = await createDatabase(dir.path, 'shop');
  await fillItems(db, 10);
});

afterAll(async () => {
  await db.close();
  await dir.cleanup();
});

describe('refusals name the database', () => {
  it('of a memory: database', async () => {
    const memory = await Database.create('memory:basket', FAST);
    try {
      const error = await expectCode(memory.backup(join(dir.path, 'm.zip')), 'ERR_UNSUPPORTED_STORAGE');
      expect(error.message).toBe("Backup is not supported for the memory: database 'basket'");
    } finally {
      await memory.close();
    }
  });

  it('of a closed session, in OrientDB\'s words', async () => {
    const session = await Database.open(`plocal:${join(dir.path, 'shop')}`, 'admin', 'admin', FAST);
    await session.close();
    const error = await expectCode(session.backup(join(dir.path, 'c.zip')), 'ERR_DATABASE_CLOSED');
    expect(error.message).toBe("Database 'shop' is closed");
  });
});

describe('a failing callable', () => {
  it('is the cause of ERR_CALLABLE_FAILED, whose message carries its own', async () => {
    const thrown = new Error('the application could not pause its queue');
    const error = await expectCode(db.backup(join(dir.path, 'f.zip'), null, () => { throw thrown; }, null), 'ERR_CALLABLE_FAILED');
    expect(error.cause).toBe(thrown);
    expect(error.message).toContain('the application could not pause its queue');
  });

  it('that throws a value other than an Error is described by that value', async () => {
    const error = await expectCode(db.backup(join(dir.path, 'f.zip'), null, () => Promise.reject('queue busy'), null), 'ERR_CALLABLE_FAILED');
    expect(error.message).toContain('queue busy');
    expect(error.cause).toBe('queue busy');
  });
});

describe('an async listener that rejects', () => {
  it('is ignored without leaving an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      let calls = 0;
      const summary = await db.backup(join(dir.path, 'l.zip'), null, null, async () => {
        calls++;
        throw new Error('the progress bar is gone');
      });
      expect(calls).toBeGreaterThan(summary.entries);
      // Unhandled rejections are reported after the microtask queue drains: give them a turn.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});

describe('the summary message', () => {
  it('gives the time the backup took', async () => {
    const messages: string[] = [];
    const started = performance.now();
    await db.backup(join(dir.path, 's.zip'), null, null, (message: string) => void messages.push(message));
    const took = performance.now() - started;
    const elapsed = Number(/in (\d+)ms$/.exec(messages.at(-1)!)?.[1]);
    expect(elapsed).toBeGreaterThanOrEqual(0);
    expect(elapsed).toBeLessThanOrEqual(Math.ceil(took) + 1);
  });
});

describe('temporary files of earlier backups to the same path', () => {
  // Named as the atomic file writer names them: `.<target>.<pid>-<12 hex>.tmp`.
  const GONE_PID = 2 ** 22 + 1; // above Linux's largest pid: no such process
  const stale = (target: string, pid: number): string => `.${target}.${pid}-0123456789ab.tmp`;

  it('are removed by the next backup to that path, except those of live processes and of other targets', async () => {
    const out = join(dir.path, 'stale');
    await mkdir(out);
    const names = [stale('b.zip', GONE_PID), stale('b.zip', process.ppid), stale('other.zip', GONE_PID), stale('b.zip', process.pid)];
    for (const name of names) await writeFile(join(out, name), 'left by a backup that did not finish');
    await db.backup(join(out, 'b.zip'));
    // This process's own leftover is stale too: no backup of it is writing that file now.
    expect(await namesIn(out)).toEqual([stale('b.zip', process.ppid), stale('other.zip', GONE_PID), 'b.zip'].sort());
  });
});
