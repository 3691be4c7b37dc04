import { describe, expect, it } from 'vitest';
import { Database, PAGE_SIZE } from '../../src/engine/index.js';
import { isCodedError } from '../../src/errors.js';
import { type FileHandle, type FileSystem, MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, checkedDump, documentOfSize } from './_helpers.js';

/** A memory file system whose mutating calls fail with EIO from the `failAt`-th one on (once armed). */
function faultyFileSystem(memory: MemoryFileSystem, failAt: number, persistent: boolean): { fs: FileSystem; arm: () => void; calls: () => number } {
  let armed = false;
  let count = 0;
  const maybeFail = (syscall: string): void => {
    if (!armed) return;
    count++;
    if (count === failAt || (persistent && count > failAt)) {
      throw Object.assign(new Error(`EIO: injected failure of ${syscall} #${count}`), { code: 'EIO' });
    }
  };
  const wrap = (handle: FileHandle): FileHandle => ({
    read: (...args) => handle.read(...args),
    write: async (...args) => (maybeFail('write'), handle.write(...args)),
    sync: async () => (maybeFail('fsync'), handle.sync()),
    truncate: async (length) => (maybeFail('ftruncate'), handle.truncate(length)),
    stat: () => handle.stat(),
    close: () => handle.close(),
  });
  const fs: FileSystem = {
    open: async (path, flags, mode) => (maybeFail('open'), wrap(await memory.open(path, flags, mode))),
    readFile: (path) => memory.readFile(path),
    stat: (path) => memory.stat(path),
    lstat: (path) => memory.lstat(path),
    readdir: (path) => memory.readdir(path),
    mkdir: async (path, options) => (maybeFail('mkdir'), memory.mkdir(path, options)),
    rename: async (from, to) => (maybeFail('rename'), memory.rename(from, to)),
    unlink: async (path) => (maybeFail('unlink'), memory.unlink(path)),
    rm: async (path, options) => (maybeFail('rm'), memory.rm(path, options)),
    syncDir: async (path) => (maybeFail('syncDir'), memory.syncDir(path)),
  };
  return { fs, arm: () => (armed = true), calls: () => count };
}

/** The workload (deterministic): pushes the dump after each acknowledged step. */
async function workload(db: Database, states: string[]): Promise<void> {
  const rids: string[] = [];
  for (let i = 0; i < 14; i++) {
    if (i === 7) await db.createClass('Second');
    else if (i % 5 === 4) await db.update(rids[0]!, documentOfSize(9000 + i, i));
    else if (i % 6 === 5) await db.delete(rids.pop()!);
    else rids.push((await db.insert(i > 7 ? 'Second' : 'Item', documentOfSize(1500, i))).rid);
    states.push(await db.dump());
    if (i === 10) await db.storage.checkpoint();
  }
}

describe('I/O failures (fail the Nth call)', () => {
  it.each([
    ['once', false],
    ['persistently', true],
  ])('end operations with coded errors, and the database reopens consistent (failing %s)', async (_label, persistent) => {
    // A dry run counts the calls the workload makes.
    const dry = faultyFileSystem(new MemoryFileSystem(), Number.POSITIVE_INFINITY, false);
    const dryDb = await Database.create('plocal:/faults', { fs: dry.fs, ...FAST, pageCacheBytes: 8 * PAGE_SIZE });
    await dryDb.createClass('Item');
    // The reference states: after 0, 1, 2... steps of the workload.
    const reference = [await dryDb.dump()];
    dry.arm();
    await workload(dryDb, reference);
    const total = dry.calls();
    await dryDb.close();
    expect(total).toBeGreaterThan(40);

    for (let failAt = 1; failAt <= total; failAt++) {
      const memory = new MemoryFileSystem();
      const faulty = faultyFileSystem(memory, failAt, persistent);
      const db = await Database.create('plocal:/faults', { fs: faulty.fs, ...FAST, pageCacheBytes: 8 * PAGE_SIZE });
      await db.createClass('Item');
      const states = [await db.dump()];
      faulty.arm();
      let failure: unknown;
      try {
        await workload(db, states);
      } catch (error) {
        failure = error;
      }
      if (failure !== undefined && !isCodedError(failure)) throw new Error(`failure at call ${failAt} was not a coded error: ${String(failure)}`);
      await db.close().catch((error: unknown) => {
        if (!isCodedError(error)) throw error;
      });
      // What the process leaves behind; a new process (here: a healthy file system) opens it.
      const after = memory.processCrashCopy();
      await after.rm('/faults/database.lock', { force: true });
      const reopened = await Database.open('plocal:/faults', 'admin', 'admin', { fs: after, ...FAST });
      const dump = await checkedDump(reopened);
      const acknowledged = states.length - 1;
      expect(states).toEqual(reference.slice(0, states.length));
      // The failed step either happened entirely or not at all.
      if (dump !== reference[acknowledged] && dump !== reference[acknowledged + 1]) {
        throw new Error(`after a failure at call ${failAt} (${acknowledged} steps acknowledged), the database reopened in an unexpected state`);
      }
      await reopened.close();
    }
  });
});
