import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Database, WAL_FILE } from '../../src/engine/index.js';
import { FaultyFileSystem, type FileSystem, MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, expectCode } from './_helpers.js';

let counter = 0;
async function fresh(fs: FileSystem = new MemoryFileSystem()): Promise<{ db: Database; fs: FileSystem; url: string }> {
  const url = `plocal:/freeze-${counter++}`;
  const db = await Database.create(url, { fs, ...FAST });
  await db.createClass('Item');
  return { db, fs, url };
}

/** Tracks whether a promise settled, without awaiting it. */
function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('freeze and release', () => {
  it('makes writes wait while reads go on, and lets them finish on release', async () => {
    const { db } = await fresh();
    const { rid } = await db.insert('Item', { n: 0 });
    await db.freeze();
    const write = track(db.insert('Item', { n: 1 }));
    const update = track(db.update(rid, { n: 2 }));
    await sleep(30);
    expect(write.settled).toBe(false);
    expect(update.settled).toBe(false);
    expect((await db.load(rid)).content).toEqual({ n: 0 });
    expect(await db.count('Item')).toBe(1);
    await db.release();
    expect((await write.promise).rid).toBe('#1:1');
    expect((await update.promise).version).toBe(2);
    await db.close();
  });

  it('nests: writes wait until the last release', async () => {
    const { db } = await fresh();
    await db.freeze();
    await db.freeze();
    const write = track(db.insert('Item', { n: 1 }));
    await db.release();
    await sleep(20);
    expect(write.settled).toBe(false);
    await db.release();
    await write.promise;
    await expectCode(db.release(), 'ERR_NOT_FROZEN');
    await db.close();
  });

  it('a release while a backup holds the writers does not let them go', async () => {
    const { db, url } = await fresh();
    await db.insert('Item', { n: 0 });
    await db.freeze();
    let heldAfterRelease: boolean | undefined;
    let write: ReturnType<typeof track<unknown>> | undefined;
    await db.backup(`${url.slice('plocal:'.length)}.zip`, null, async () => {
      write = track(db.insert('Item', { n: 1 }));
      await db.release();
      await sleep(30);
      heldAfterRelease = !write.settled;
    }, null);
    expect(heldAfterRelease).toBe(true);
    await write!.promise;
    expect(await db.count('Item')).toBe(2);
    await db.close();
  });

  it('that fails (its checkpoint hit a disk error) leaves the database unfrozen', async () => {
    const fs = new FaultyFileSystem(new MemoryFileSystem());
    const { db } = await fresh(fs);
    await db.insert('Item', { n: 0 });
    fs.arm({ failAt: 1, errno: 'EIO', persistent: true, operations: ['write', 'sync'] });
    await expectCode(db.freeze(), 'ERR_IO');
    fs.heal();
    const write = track(db.insert('Item', { n: 1 }));
    await sleep(50);
    expect(write.settled).toBe(true);
    await expectCode(db.release(), 'ERR_NOT_FROZEN');
    await db.close();
  });

  it('fails writes at once with throwOnWrite, and only while that freeze lasts', async () => {
    const { db } = await fresh();
    await db.freeze(true);
    await expectCode(db.insert('Item', {}), 'ERR_DATABASE_FROZEN');
    await expectCode(db.createClass('Other'), 'ERR_DATABASE_FROZEN');
    expect(await db.count('Item')).toBe(0);
    await db.release();
    await db.insert('Item', {});
    // A waiting freeze on top of a throwing one: the throwing one wins while both are active.
    await db.freeze(false);
    await db.freeze(true);
    await expectCode(db.insert('Item', {}), 'ERR_DATABASE_FROZEN');
    await db.release();
    const waiting = track(db.insert('Item', {}));
    await sleep(20);
    expect(waiting.settled).toBe(false);
    await db.release();
    await waiting.promise;
    await expectCode(db.freeze('yes' as never), 'ERR_INVALID_ARGUMENT');
    await db.close();
  });

  it('refuses release without a freeze', async () => {
    const { db } = await fresh();
    await expectCode(db.release(), 'ERR_NOT_FROZEN');
    await db.close();
  });

  it('is storage-wide: a freeze by one session holds the writers of another', async () => {
    const { db, fs, url } = await fresh();
    const other = await Database.open(url, 'admin', 'admin', { fs });
    await db.freeze();
    const writes = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? db : other).insert('Item', { i }));
    const tracked = writes.map(track);
    await sleep(30);
    expect(tracked.some((write) => write.settled)).toBe(false);
    await other.release();
    const rids = (await Promise.all(writes)).map((record) => record.rid);
    expect(new Set(rids).size).toBe(20);
    expect(await db.count('Item')).toBe(20);
    await other.close();
    await db.close();
  });

  it('fails waiting writers with ERR_DATABASE_CLOSED when their session or the storage closes', async () => {
    const { db, fs, url } = await fresh();
    const other = await Database.open(url, 'admin', 'admin', { fs });
    await db.freeze();
    const ofOther = other.insert('Item', { from: 'other' });
    const ofDb = track(db.insert('Item', { from: 'db' }));
    await other.close();
    await expectCode(ofOther, 'ERR_DATABASE_CLOSED');
    await sleep(10);
    expect(ofDb.settled).toBe(false);
    // The last session closes while frozen: the storage closes, its waiting writer fails.
    await db.close();
    await expectCode(ofDb.promise, 'ERR_DATABASE_CLOSED');
    const again = await Database.open(url, 'admin', 'admin', { fs });
    expect(await again.count('Item')).toBe(0);
    await again.insert('Item', { after: 'reopen' }); // not frozen any more
    await again.close();
  });

  it('waits for running writes, then leaves the data files complete and the log empty', async () => {
    const memory = new MemoryFileSystem();
    let releaseSync: (() => void) | undefined;
    // Holds the next fsync of the log until we say so: an insert is "running" meanwhile.
    const fs: FileSystem = {
      ...memory,
      open: async (path, flags, mode) => {
        const handle = await memory.open(path, flags, mode);
        if (!path.endsWith(WAL_FILE)) return handle;
        return {
          ...handle,
          read: handle.read.bind(handle),
          write: handle.write.bind(handle),
          truncate: handle.truncate.bind(handle),
          stat: handle.stat.bind(handle),
          close: handle.close.bind(handle),
          sync: async () => {
            if (releaseSync === undefined) {
              await new Promise<void>((resolve) => (releaseSync = resolve));
            }
            return handle.sync();
          },
        };
      },
      readFile: memory.readFile.bind(memory),
      stat: memory.stat.bind(memory),
      lstat: memory.lstat.bind(memory),
      readdir: memory.readdir.bind(memory),
      mkdir: memory.mkdir.bind(memory),
      rename: memory.rename.bind(memory),
      unlink: memory.unlink.bind(memory),
      rm: memory.rm.bind(memory),
      syncDir: memory.syncDir.bind(memory),
    };
    releaseSync = () => undefined; // creation syncs freely
    const { db, url } = await fresh(fs);
    releaseSync = undefined;
    const running = track(db.insert('Item', { slow: true }));
    await sleep(10);
    const freezing = track(db.freeze());
    await sleep(20);
    expect(running.settled).toBe(false);
    expect(freezing.settled).toBe(false);
    releaseSync!();
    releaseSync = () => undefined;
    await running.promise;
    await freezing.promise;
    // Frozen: copy the directory as a file copy tool would, and open the copy.
    const directory = url.slice('plocal:'.length);
    expect((await memory.readFile(`${directory}/${WAL_FILE}`)).length).toBe(32);
    const copy = new MemoryFileSystem();
    await copy.mkdir('/copy', { recursive: true });
    for (const entry of await memory.readdir(directory)) {
      if (entry.name === 'database.lock') continue;
      const bytes = await memory.readFile(`${directory}/${entry.name}`);
      const handle = await copy.open(`/copy/${entry.name}`, 'w');
      await handle.write(bytes, 0, bytes.length, 0);
      await handle.close();
    }
    const copied = await Database.open('plocal:/copy', 'admin', 'admin', { fs: copy });
    expect(await copied.dump()).toBe(await db.dump());
    await copied.close();
    await db.release();
    await db.close();
  });
});
