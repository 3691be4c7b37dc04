/**
 * The incremental backup's directory lock (INCR-028), in process and fast: every rule of
 * `acquireChainLock` and `release` against an in-memory file system (with and without `link`),
 * with faults injected at each step, and against the real disk where symbolic links matter.
 * chain-lock.test.ts covers the same lock across real processes.
 */
import { mkdir, readdir, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { removeStaleTemporaries } from '../../src/archive/write/stale-temporaries.js';
import { FaultyFileSystem, MemoryFileSystem, nodeFileSystem } from '../../src/fs/index.js';
import type { FileSystem } from '../../src/fs/index.js';
import { CHAIN_LOCK_FILE, acquireChainLock } from '../../src/incremental/chain-lock.js';
import { expectCode, tempDir } from './_helpers.js';
import { overriding } from '../_support/overriding-file-system.js';

/** A pid no process has (above any kernel's pid_max). */
const DEAD_PID = 2_147_483_000;

/** A process that is alive while the tests run and is not this one. */
const LIVE_PID = process.ppid;

/** The temporary name a lock file is written under before being linked into place. */
const CLAIM = new RegExp(`^\\.${CHAIN_LOCK_FILE.replace(/\./g, '\\.')}\\.${process.pid}-[0-9a-f]{12}\\.tmp$`);

/** What a lock file of this process holds. */
const OWN_CONTENT = new RegExp(`^${process.pid}\\n[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\n$`);

let directories = 0;

/** A fresh directory on a fresh in-memory file system; `link: false` leaves out `link`. */
async function memoryDirectory(options: { readonly link?: boolean } = {}): Promise<{ mem: MemoryFileSystem; fs: FileSystem; dir: string; lock: string }> {
  const mem = new MemoryFileSystem();
  const dir = `/backups/chain-${++directories}`;
  await mem.mkdir(dir, { recursive: true });
  const fs = options.link === false ? overriding(mem, { link: undefined }) : mem;
  return { mem, fs, dir, lock: join(dir, CHAIN_LOCK_FILE) };
}

async function names(fs: FileSystem, dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).map((entry) => entry.name);
}

async function text(fs: FileSystem, path: string): Promise<string> {
  return (await fs.readFile(path)).toString('utf8');
}

async function put(fs: FileSystem, path: string, content: string): Promise<void> {
  const handle = await fs.open(path, 'w');
  await handle.write(Buffer.from(content, 'utf8'), 0, Buffer.byteLength(content), 0);
  await handle.close();
}

/** The calls a recording harness saw, as `operation name[,name]` (base names only). */
function callLog(faulty: FaultyFileSystem, from = 0): string[] {
  return faulty.calls.slice(from).map((call) => `${call.operation} ${call.paths.map((path) => path.split('/').at(-1)).join(',')}`);
}

const WITH_AND_WITHOUT_LINK = [
  { label: 'with link', link: true },
  { label: 'without link', link: false },
] as const;

describe('taking and releasing the lock', () => {
  it('writes the lock file under a temporary name, fsyncs it and links it into place; release removes it once', async () => {
    const { fs, dir } = await memoryDirectory();
    const faulty = new FaultyFileSystem(fs, undefined, { record: true });
    const lock = await acquireChainLock(faulty, dir);
    expect(await names(fs, dir)).toEqual([CHAIN_LOCK_FILE]);
    expect(await text(fs, join(dir, CHAIN_LOCK_FILE))).toMatch(OWN_CONTENT);
    const log = callLog(faulty);
    const claim = faulty.calls[0]!.paths[0]!.split('/').at(-1)!;
    expect(claim).toMatch(CLAIM);
    expect(log).toEqual([`open ${claim}`, `write ${claim}`, `sync ${claim}`, `close ${claim}`, `link ${claim},${CHAIN_LOCK_FILE}`, `unlink ${claim}`]);
    const before = faulty.calls.length;
    await lock.release();
    expect(callLog(faulty, before)).toEqual([`readFile ${CHAIN_LOCK_FILE}`, `unlink ${CHAIN_LOCK_FILE}`]);
    expect(await names(fs, dir)).toEqual([]);
    await lock.release();
    expect(faulty.calls.length).toBe(before + 2);
  });

  it('without link, creates the lock file exclusively and fills and fsyncs it in place', async () => {
    const { fs, dir } = await memoryDirectory({ link: false });
    const faulty = new FaultyFileSystem(fs, undefined, { record: true });
    const lock = await acquireChainLock(faulty, dir);
    expect(callLog(faulty)).toEqual([`open ${CHAIN_LOCK_FILE}`, `write ${CHAIN_LOCK_FILE}`, `sync ${CHAIN_LOCK_FILE}`, `close ${CHAIN_LOCK_FILE}`]);
    expect(await text(fs, join(dir, CHAIN_LOCK_FILE))).toMatch(OWN_CONTENT);
    await lock.release();
    expect(await names(fs, dir)).toEqual([]);
  });

  it('writes a new token for every lock', async () => {
    const { fs, dir, lock } = await memoryDirectory();
    const first = await acquireChainLock(fs, dir);
    const firstContent = await text(fs, lock);
    await first.release();
    const second = await acquireChainLock(fs, dir);
    const secondContent = await text(fs, lock);
    await second.release();
    expect(secondContent).toMatch(OWN_CONTENT);
    expect(secondContent).not.toBe(firstContent);
  });
});

describe('the lock in this process', () => {
  it('refuses a second holder of the directory, however spelled, without touching the disk, even once the lock file is gone', async () => {
    const { fs, dir, lock } = await memoryDirectory();
    const first = await acquireChainLock(fs, dir);
    const faulty = new FaultyFileSystem(fs, undefined, { record: true });
    for (const spelling of [dir, `${dir}/./`, `${dir}/../${dir.split('/').at(-1)!}`]) {
      const error = await expectCode(acquireChainLock(faulty, spelling), 'ERR_BACKUP_IN_PROGRESS');
      expect(error.details).toEqual({ directory: spelling });
      expect(error.message).toContain(`'${spelling}'`);
      expect(error.message).toContain('this process');
    }
    expect(faulty.calls).toEqual([]);
    // The registry, not the lock file, keeps this process out.
    await fs.unlink(lock);
    await expectCode(acquireChainLock(fs, dir), 'ERR_BACKUP_IN_PROGRESS');
    await first.release();
    await (await acquireChainLock(fs, dir)).release();
  });

  it('refuses a second holder that reaches the same lock file under another key, by the token in the file', async () => {
    const { fs, dir, lock } = await memoryDirectory();
    // A file system whose canonical path of the directory differs (a second mount of it, say).
    const elsewhere = overriding(fs, { realpath: async (path: string) => `/mnt/other${path}` });
    const first = await acquireChainLock(fs, dir);
    const content = await text(fs, lock);
    const error = await expectCode(acquireChainLock(elsewhere, dir), 'ERR_BACKUP_IN_PROGRESS');
    expect(error.message).toContain('this process');
    expect(error.details).toEqual({ directory: dir });
    expect(await text(fs, lock)).toBe(content);
    expect(await names(fs, dir)).toEqual([CHAIN_LOCK_FILE]);
    await first.release();
    const second = await acquireChainLock(elsewhere, dir);
    expect(await text(fs, lock)).toMatch(OWN_CONTENT);
    await second.release();
    expect(await names(fs, dir)).toEqual([]);
  });

  it('keys a directory whose real path cannot be found by its resolved path', async () => {
    const { mem, dir } = await memoryDirectory();
    const second = `${dir}-second`;
    await mem.mkdir(second);
    const failing = overriding(mem, {
      realpath: async (path: string) => {
        throw Object.assign(new Error(`EACCES: permission denied, realpath '${path}'`), { code: 'EACCES' });
      },
    });
    const first = await acquireChainLock(failing, dir);
    await expectCode(acquireChainLock(failing, `${dir}/.`), 'ERR_BACKUP_IN_PROGRESS');
    const other = await acquireChainLock(failing, second);
    await other.release();
    await first.release();
    expect(await names(mem, dir)).toEqual([]);
    expect(await names(mem, second)).toEqual([]);
  });

  it('a release called again after another holder took the directory leaves that holder alone', async () => {
    const { fs, dir, lock } = await memoryDirectory();
    const first = await acquireChainLock(fs, dir);
    await first.release();
    const second = await acquireChainLock(fs, dir);
    const content = await text(fs, lock);
    await first.release();
    expect(await text(fs, lock)).toBe(content);
    await fs.unlink(lock);
    await expectCode(acquireChainLock(fs, dir), 'ERR_BACKUP_IN_PROGRESS');
    await second.release();
  });

  it('frees the directory again after a failed attempt', async () => {
    const { fs, dir } = await memoryDirectory();
    const faulty = new FaultyFileSystem(fs, { failAt: 1, operations: ['open'] });
    await expectCode(acquireChainLock(faulty, dir), 'ERR_IO');
    await (await acquireChainLock(faulty, dir)).release();
    expect(await names(fs, dir)).toEqual([]);
  });
});

describe('an existing lock file', () => {
  for (const { label, link } of WITH_AND_WITHOUT_LINK) {
    describe(label, () => {
      it('is taken over when its process is gone (also with a CRLF or padded pid)', async () => {
        for (const content of [`${DEAD_PID}\nold-token\n`, `${DEAD_PID}\r\n`, ` ${DEAD_PID} \n`, `${DEAD_PID}`]) {
          const { fs, dir, lock } = await memoryDirectory({ link });
          await put(fs, lock, content);
          const held = await acquireChainLock(fs, dir);
          expect(await text(fs, lock)).toMatch(OWN_CONTENT);
          expect(await names(fs, dir)).toEqual([CHAIN_LOCK_FILE]);
          await held.release();
          expect(await names(fs, dir)).toEqual([]);
        }
      });

      it('is taken over when it names this process with a token no lock of it holds', async () => {
        const { fs, dir, lock } = await memoryDirectory({ link });
        await put(fs, lock, `${process.pid}\nsome-old-token\n`);
        const held = await acquireChainLock(fs, dir);
        expect(await text(fs, lock)).toMatch(OWN_CONTENT);
        expect(await text(fs, lock)).not.toContain('some-old-token');
        await held.release();
      });

      it('keeps the backup out while its process lives, naming its pid', async () => {
        const { fs, dir, lock } = await memoryDirectory({ link });
        await put(fs, lock, `${LIVE_PID}\nsomeone-else\n`);
        const error = await expectCode(acquireChainLock(fs, dir), 'ERR_BACKUP_IN_PROGRESS');
        expect(error.message).toContain(`pid ${LIVE_PID}`);
        expect(error.message).toContain(`'${dir}'`);
        expect(error.details).toEqual({ directory: dir });
        expect(await text(fs, lock)).toBe(`${LIVE_PID}\nsomeone-else\n`);
        expect(await names(fs, dir)).toEqual([CHAIN_LOCK_FILE]);
        // The refusal freed the registry entry: once the owner is gone, this process may go.
        await put(fs, lock, `${DEAD_PID}\nsomeone-else\n`);
        await (await acquireChainLock(fs, dir)).release();
      });

      it('without a readable pid counts as being written while fresh, and is stale once old', async () => {
        for (const content of ['', 'abc123\n', '123abc\n', ' \n', `-${DEAD_PID}\n`]) {
          const { fs, dir, lock } = await memoryDirectory({ link });
          await put(fs, lock, content);
          const error = await expectCode(acquireChainLock(fs, dir), 'ERR_BACKUP_IN_PROGRESS');
          expect(error.message).toContain('just created');
          expect(await text(fs, lock)).toBe(content);
          const old = overriding(fs, {
            stat: async (path: string) => ({ ...(await fs.stat(path)), mtimeMs: Date.now() - 11_000 }),
          });
          const held = await acquireChainLock(old, dir);
          expect(await text(fs, lock)).toMatch(OWN_CONTENT);
          await held.release();
        }
      });

      it('without a readable pid is stale from ten seconds of age on', async () => {
        vi.useFakeTimers({ toFake: ['Date'], now: 1_700_000_000_000 });
        try {
          for (const [age, refused] of [[9_999, true], [10_000, false]] as const) {
            const { fs, dir, lock } = await memoryDirectory({ link });
            await put(fs, lock, '');
            const aged = overriding(fs, {
              stat: async (path: string) => ({ ...(await fs.stat(path)), mtimeMs: Date.now() - age }),
            });
            if (refused) {
              await expectCode(acquireChainLock(aged, dir), 'ERR_BACKUP_IN_PROGRESS');
            } else {
              await (await acquireChainLock(aged, dir)).release();
              expect(await names(fs, dir)).toEqual([]);
            }
          }
        } finally {
          vi.useRealTimers();
        }
      });

      it('of a dead process is stale whatever token it carries', async () => {
        const { fs, dir, lock } = await memoryDirectory({ link });
        const other = await memoryDirectory({ link });
        const held = await acquireChainLock(other.fs, other.dir);
        const heldToken = (await text(other.fs, other.lock)).split('\n')[1]!;
        await put(fs, lock, `${DEAD_PID}\n${heldToken}\n`);
        const taken = await acquireChainLock(fs, dir);
        expect(await text(fs, lock)).toMatch(OWN_CONTENT);
        await taken.release();
        await held.release();
      });

      it('that keeps coming back is given up after five attempts', async () => {
        const { fs, dir, lock } = await memoryDirectory({ link });
        await put(fs, lock, `${DEAD_PID}\n`);
        let removals = 0;
        const stubborn = overriding(fs, {
          unlink: async (path: string) => {
            if (path === lock) removals++;
            else await fs.unlink(path);
          },
        });
        const error = await expectCode(acquireChainLock(stubborn, dir), 'ERR_BACKUP_IN_PROGRESS');
        expect(error.message).toContain('keeps changing hands');
        expect(error.details).toEqual({ directory: dir });
        expect(removals).toBe(4);
        expect(await names(fs, dir)).toEqual([CHAIN_LOCK_FILE]);
        await fs.unlink(lock);
        await (await acquireChainLock(fs, dir)).release();
      });

      it('released by its owner while being examined is no obstacle (read finds it gone)', async () => {
        const { fs, dir, lock } = await memoryDirectory({ link });
        await put(fs, lock, `${LIVE_PID}\n`);
        let vanished = false;
        const racing = overriding(fs, {
          readFile: async (path: string) => {
            if (path === lock && !vanished) {
              vanished = true;
              await fs.unlink(lock);
            }
            return fs.readFile(path);
          },
        });
        const held = await acquireChainLock(racing, dir);
        expect(vanished).toBe(true);
        expect(await text(fs, lock)).toMatch(OWN_CONTENT);
        await held.release();
      });

      it('removed by someone else between being read and being removed is no obstacle', async () => {
        const { fs, dir, lock } = await memoryDirectory({ link });
        await put(fs, lock, `${DEAD_PID}\n`);
        let vanished = false;
        const racing = overriding(fs, {
          readFile: async (path: string) => {
            const bytes = await fs.readFile(path);
            if (path === lock && !vanished) {
              vanished = true;
              await fs.unlink(lock);
            }
            return bytes;
          },
        });
        const held = await acquireChainLock(racing, dir);
        expect(vanished).toBe(true);
        expect(await text(fs, lock)).toMatch(OWN_CONTENT);
        await held.release();
      });

      it('that cannot be read or removed fails the attempt with ERR_IO, naming the directory and the cause', async () => {
        for (const operation of ['readFile', 'unlink'] as const) {
          const { fs, dir, lock } = await memoryDirectory({ link });
          await put(fs, lock, `${DEAD_PID}\n`);
          const faulty = new FaultyFileSystem(fs, { failAt: 1, operations: [operation], path: (path) => path === lock, errno: 'EACCES' });
          const error = await expectCode(acquireChainLock(faulty, dir), 'ERR_IO');
          expect(error.message).toContain(`'${dir}'`);
          expect(error.message).toContain('EACCES');
          expect(await text(fs, lock)).toBe(`${DEAD_PID}\n`);
          // Nothing of this process stays behind: the next attempt takes the stale file over.
          await (await acquireChainLock(faulty, dir)).release();
          expect(await names(fs, dir)).toEqual([]);
        }
      });
    });
  }
});

describe('faults while writing the lock file', () => {
  for (const { label, link } of WITH_AND_WITHOUT_LINK) {
    it(`${label}: a failing open, write, sync or close fails with ERR_IO and leaves nothing behind`, async () => {
      for (const operation of ['open', 'write', 'sync', 'close'] as const) {
        const { fs, dir } = await memoryDirectory({ link });
        const faulty = new FaultyFileSystem(fs, { failAt: 1, operations: [operation] }, { record: true });
        const error = await expectCode(acquireChainLock(faulty, dir), 'ERR_IO');
        expect(error.message).toContain(`'${dir}'`);
        expect(error.message).toContain('EIO');
        expect(await names(fs, dir)).toEqual([]);
        // Every handle opened was closed again (once).
        const opens = faulty.calls.filter((call) => call.operation === 'open' && call.failed === undefined).length;
        expect(faulty.calls.filter((call) => call.operation === 'close')).toHaveLength(opens);
        await (await acquireChainLock(faulty, dir)).release();
      }
    });
  }

  it('with link: a failing link fails with ERR_IO and leaves nothing behind', async () => {
    const { fs, dir } = await memoryDirectory();
    const faulty = new FaultyFileSystem(fs, { failAt: 1, operations: ['link'] });
    await expectCode(acquireChainLock(faulty, dir), 'ERR_IO');
    expect(await names(fs, dir)).toEqual([]);
    await (await acquireChainLock(faulty, dir)).release();
  });

  it('with link: a temporary file that cannot be removed is left to removeStaleTemporaries', async () => {
    const { fs, dir } = await memoryDirectory();
    const faulty = new FaultyFileSystem(fs, { failAt: 1, operations: ['unlink'], path: (path) => path.endsWith('.tmp') });
    const held = await acquireChainLock(faulty, dir);
    const left = (await names(fs, dir)).filter((name) => name !== CHAIN_LOCK_FILE);
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(CLAIM);
    expect(await removeStaleTemporaries(fs, dir, (name) => name === CHAIN_LOCK_FILE)).toEqual(left);
    await held.release();
    expect(await names(fs, dir)).toEqual([]);
  });

  it('without link: an empty lock file this process could not remove is taken over at once, and only that one', async () => {
    const { fs, dir, lock } = await memoryDirectory({ link: false });
    const faulty = new FaultyFileSystem(fs, { failAt: 1, operations: ['write', 'unlink'], persistent: true });
    await expectCode(acquireChainLock(faulty, dir), 'ERR_IO');
    expect(await text(fs, lock)).toBe('');
    faulty.heal();
    const held = await acquireChainLock(faulty, dir);
    expect(await text(fs, lock)).toMatch(OWN_CONTENT);
    await held.release();
    // Once taken over, it is forgotten: a fresh empty lock file is again one being written.
    await put(fs, lock, '');
    const error = await expectCode(acquireChainLock(fs, dir), 'ERR_BACKUP_IN_PROGRESS');
    expect(error.message).toContain('just created');
  });
});

describe('releasing', () => {
  it('leaves a lock file that is no longer its own', async () => {
    const { fs, dir, lock } = await memoryDirectory();
    const held = await acquireChainLock(fs, dir);
    await put(fs, lock, `${LIVE_PID}\nanother-token\n`);
    await held.release();
    expect(await text(fs, lock)).toBe(`${LIVE_PID}\nanother-token\n`);
    await expectCode(acquireChainLock(fs, dir), 'ERR_BACKUP_IN_PROGRESS');
  });

  it('recognises its own lock file whatever its line ends', async () => {
    const { fs, dir, lock } = await memoryDirectory();
    const held = await acquireChainLock(fs, dir);
    const [pid, token] = (await text(fs, lock)).split('\n');
    await put(fs, lock, `${pid}\r\n${token}\r\n`);
    await held.release();
    expect(await names(fs, dir)).toEqual([]);
  });

  it('resolves when the lock file is gone, and frees the directory', async () => {
    const { fs, dir, lock } = await memoryDirectory();
    const held = await acquireChainLock(fs, dir);
    await fs.unlink(lock);
    await held.release();
    await (await acquireChainLock(fs, dir)).release();
  });

  it('resolves when the lock file cannot be read or removed; the file left is then stale for this process', async () => {
    for (const operation of ['readFile', 'unlink'] as const) {
      const { fs, dir, lock } = await memoryDirectory();
      const faulty = new FaultyFileSystem(fs);
      const held = await acquireChainLock(faulty, dir);
      faulty.arm({ failAt: 1, operations: [operation] });
      await held.release();
      expect(faulty.injected).toBe(1);
      expect(await text(fs, lock)).toMatch(OWN_CONTENT);
      const again = await acquireChainLock(fs, dir);
      await again.release();
      expect(await names(fs, dir)).toEqual([]);
    }
  });
});

describe('on the real disk', () => {
  it('keys the registry by real path: a symbolic link to a held directory is refused even once the lock file is gone', async () => {
    const { path: root, cleanup } = await tempDir('chain-lock-unit-');
    try {
      const dir = join(root, 'chain');
      await mkdir(dir);
      await symlink(dir, join(root, 'alias'));
      const held = await acquireChainLock(nodeFileSystem, dir);
      await unlink(join(dir, CHAIN_LOCK_FILE));
      const error = await expectCode(acquireChainLock(nodeFileSystem, join(root, 'alias')), 'ERR_BACKUP_IN_PROGRESS');
      expect(error.message).toContain('this process');
      await held.release();
      const viaAlias = await acquireChainLock(nodeFileSystem, join(root, 'alias'));
      await viaAlias.release();
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('fails with ERR_IO for a directory that does not exist', async () => {
    const { path: root, cleanup } = await tempDir('chain-lock-unit-');
    try {
      const dir = join(root, 'missing');
      const error = await expectCode(acquireChainLock(nodeFileSystem, dir), 'ERR_IO');
      expect(error.message).toContain(`'${dir}'`);
      expect(error.message).toContain('ENOENT');
      await writeFile(join(root, 'file'), '');
      await expectCode(acquireChainLock(nodeFileSystem, join(root, 'file')), 'ERR_IO');
      await rm(join(root, 'file'));
      expect(await readdir(root)).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
