/**
 * The swap of a restore and its crash recovery (src/restore/swap.ts), on a MemoryFileSystem with
 * small stand-in files (the swap moves names, it never reads a database): the commit marker, the
 * roll forward from every state a crash can leave, and a power loss or process kill at every
 * single call of commit + roll forward, each followed by recovery, which must give exactly the
 * old files or exactly the new ones.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupConformanceError } from '../../src/errors.js';
import { coded, rejection } from './_helpers/rejection.js';
import { FaultyFileSystem, MemoryFileSystem, type FileSystem } from '../../src/fs/index.js';
import { commitRestore, recoverInterruptedRestores, removeStaging, rollForward, withdrawCommit } from '../../src/restore/swap.js';
import { createStaging } from '../../src/restore/staging.js';

const PARENT = '/data';
const TARGET = '/data/db';
const STAGING = '/data/.db.restore-0123456789ab';

const LOCK = { 'database.lock': 'the lock of the process holding the database' };
const OLD_FILES = { 'database.ocf': 'old metadata', 'item.pcl': 'old pages', 'stale.bin': 'only in the old database' };
const NEW_FILES = { 'database.ocf': 'new metadata', 'item.pcl': 'new pages', 'fresh.bin': 'only in the new database', 'other.cpm': 'new map' };
const OLD_STATE = { ...LOCK, ...OLD_FILES };
const NEW_STATE = { ...LOCK, ...NEW_FILES };

let deadPidCache: number | undefined;
function deadPid(): number {
  deadPidCache ??= spawnSync(process.execPath, ['-e', '']).pid;
  return deadPidCache;
}

async function writeText(fs: FileSystem, path: string, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const handle = await fs.open(path, 'w');
  try {
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Every file under `directory`: relative path to contents (directories end in `/`). */
async function tree(fs: FileSystem, directory: string, prefix = ''): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const entry of await fs.readdir(join(directory, prefix))) {
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) {
      found[`${name}/`] = '';
      Object.assign(found, await tree(fs, directory, name));
    } else {
      found[name] = (await fs.readFile(join(directory, name))).toString('utf8');
    }
  }
  return found;
}

function sameFiles(a: Record<string, string>, b: Record<string, string>): boolean {
  const canonical = (files: Record<string, string>): string => JSON.stringify(Object.entries(files).sort(([x], [y]) => (x < y ? -1 : 1)));
  return canonical(a) === canonical(b);
}

async function names(fs: FileSystem, directory: string): Promise<string[]> {
  return (await fs.readdir(directory)).map((entry) => entry.name);
}

async function writeFiles(fs: FileSystem, directory: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) await writeText(fs, join(directory, name), text);
  await fs.syncDir(directory);
}

interface Layout {
  /** The staging directory's owner file, if any. */
  readonly owner?: string;
  readonly committed?: boolean;
  readonly oldMovedOut?: boolean;
  /** Old files already in `old/` (`old/` exists when given). */
  readonly movedOut?: readonly string[];
  /** New files already moved into the database directory. */
  readonly movedIn?: readonly string[];
  /** Leave `new/` out. */
  readonly withoutNew?: boolean;
}

/** A database directory with the old files and a staging directory holding the new ones, all durable, as a crash would leave them. */
async function layout(options: Layout = {}): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  await fs.mkdir(PARENT);
  await fs.mkdir(TARGET);
  await fs.mkdir(STAGING);
  await writeFiles(fs, TARGET, OLD_STATE);
  if (options.owner !== undefined) await writeText(fs, join(STAGING, 'owner'), options.owner);
  await fs.mkdir(join(STAGING, 'new'));
  await writeFiles(fs, join(STAGING, 'new'), NEW_FILES);
  if (options.movedOut !== undefined) {
    await fs.mkdir(join(STAGING, 'old'));
    for (const name of options.movedOut) await fs.rename(join(TARGET, name), join(STAGING, 'old', name));
  }
  if (options.oldMovedOut === true) {
    for (const name of Object.keys(OLD_FILES)) {
      if (!(options.movedOut ?? []).includes(name)) throw new Error('layout: OLD-MOVED-OUT needs every old file moved out');
    }
    await writeText(fs, join(STAGING, 'OLD-MOVED-OUT'), '');
  }
  for (const name of options.movedIn ?? []) await fs.rename(join(STAGING, 'new', name), join(TARGET, name));
  if (options.withoutNew === true) await fs.rm(join(STAGING, 'new'), { recursive: true });
  if (options.committed === true) await writeText(fs, join(STAGING, 'COMMITTED'), `${JSON.stringify({ target: TARGET })}\n`);
  for (const directory of [PARENT, TARGET, STAGING, join(STAGING, 'new'), join(STAGING, 'old')]) await fs.syncDir(directory).catch(() => undefined);
  return fs;
}

describe('commitRestore', () => {
  it('writes the commit marker durably: the target and the time, as one JSON line', async () => {
    const fs = await layout();
    const before = Date.now();
    await commitRestore(fs, STAGING, TARGET);
    const after = Date.now();
    for (const view of [fs, fs.powerLossCopy()]) {
      const text = (await view.readFile(join(STAGING, 'COMMITTED'))).toString('utf8');
      expect(text.endsWith('}\n')).toBe(true);
      expect(text.indexOf('\n')).toBe(text.length - 1);
      const marker = JSON.parse(text) as { target: string; committedAt: string };
      expect(Object.keys(marker)).toEqual(['target', 'committedAt']);
      expect(marker.target).toBe(TARGET);
      expect(new Date(marker.committedAt).toISOString()).toBe(marker.committedAt);
      expect(Date.parse(marker.committedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(marker.committedAt)).toBeLessThanOrEqual(after);
      expect(await names(view, STAGING)).toEqual(['COMMITTED', 'new']);
    }
  });

  it('fails with ERR_IO naming the staging directory when any of its calls fails', async () => {
    const probe = new FaultyFileSystem(await layout());
    probe.arm({ failAt: Number.POSITIVE_INFINITY });
    await commitRestore(probe, STAGING, TARGET);
    const calls = probe.counted;
    expect(calls).toBeGreaterThanOrEqual(6);
    for (let failAt = 1; failAt <= calls; failAt++) {
      const fs = new FaultyFileSystem(await layout(), { failAt, errno: 'ENOSPC' });
      const error = await coded(commitRestore(fs, STAGING, TARGET));
      expect(error.code).toBe('ERR_IO');
      expect(error.details).toEqual({ path: STAGING, errno: 'ENOSPC' });
    }
  });
});

describe('withdrawCommit', () => {
  it('removes the marker and its temporary file durably, and nothing else', async () => {
    const fs = await layout({ committed: true, owner: 'x' });
    await writeText(fs, join(STAGING, 'COMMITTED.tmp'), 'half');
    await fs.syncDir(STAGING);
    await expect(withdrawCommit(fs, STAGING)).resolves.toBe(true);
    for (const view of [fs, fs.powerLossCopy()]) expect(await names(view, STAGING)).toEqual(['new', 'owner']);
  });

  it('resolves true when there is nothing to withdraw', async () => {
    const fs = await layout();
    await expect(withdrawCommit(fs, STAGING)).resolves.toBe(true);
    expect(await names(fs, STAGING)).toEqual(['new']);
  });

  it('resolves false, without throwing, when the disk fails at any of its calls', async () => {
    for (let failAt = 1; failAt <= 3; failAt++) {
      const memory = await layout({ committed: true });
      const fs = new FaultyFileSystem(memory, { failAt });
      await expect(withdrawCommit(fs, STAGING), `call ${failAt}`).resolves.toBe(false);
    }
    const healthy = new FaultyFileSystem(await layout({ committed: true }));
    await withdrawCommit(healthy, STAGING);
    expect(healthy.counted).toBe(3);
  });
});

describe('rollForward', () => {
  const cases: [string, Layout][] = [
    ['from the commit, nothing moved yet', { committed: true }],
    ['halfway through moving the old files out', { committed: true, movedOut: ['database.ocf'] }],
    ['with every old file out but no OLD-MOVED-OUT yet', { committed: true, movedOut: Object.keys(OLD_FILES) }],
    ['after OLD-MOVED-OUT', { committed: true, movedOut: Object.keys(OLD_FILES), oldMovedOut: true }],
    ['halfway through moving the new files in', { committed: true, movedOut: Object.keys(OLD_FILES), oldMovedOut: true, movedIn: ['fresh.bin', 'item.pcl'] }],
    ['with every new file in', { committed: true, movedOut: Object.keys(OLD_FILES), oldMovedOut: true, movedIn: Object.keys(NEW_FILES) }],
    ['when new/ itself is gone', { committed: true, movedOut: Object.keys(OLD_FILES), oldMovedOut: true, movedIn: Object.keys(NEW_FILES), withoutNew: true }],
  ];
  for (const [what, state] of cases) {
    it(`finishes the swap ${what}, durably, keeping the lock file`, async () => {
      const fs = await layout(state);
      await rollForward(fs, STAGING, TARGET);
      for (const view of [fs, fs.powerLossCopy()]) {
        expect(await tree(view, TARGET)).toEqual(NEW_STATE);
        expect(await names(view, PARENT)).toEqual(['db']);
      }
    });
  }

  it('moves out everything but the lock file, directories included', async () => {
    const fs = await layout({ committed: true });
    await fs.mkdir(join(TARGET, 'subdir'));
    await writeText(fs, join(TARGET, 'subdir', 'inner'), 'old inner');
    await rollForward(fs, STAGING, TARGET);
    expect(await tree(fs, TARGET)).toEqual(NEW_STATE);
  });

  it('fails with ERR_IO naming the staging directory and the target at any failing call', async () => {
    const probe = new FaultyFileSystem(await layout({ committed: true }));
    probe.arm({ failAt: Number.POSITIVE_INFINITY });
    await rollForward(probe, STAGING, TARGET);
    const calls = probe.counted;
    for (let failAt = 1; failAt <= calls; failAt++) {
      const fs = new FaultyFileSystem(await layout({ committed: true }), { failAt, errno: 'EIO' });
      const error = await coded(rollForward(fs, STAGING, TARGET));
      expect(error.code, `call ${failAt}`).toBe('ERR_IO');
      expect(error.details, `call ${failAt}`).toEqual({ path: STAGING, errno: 'EIO' });
      expect(error.message, `call ${failAt}`).toContain(TARGET);
      // Whatever it left, recovery finishes it.
      fs.heal();
      await recoverInterruptedRestores(fs, TARGET);
      expect(await tree(fs, TARGET), `call ${failAt}`).toEqual(NEW_STATE);
      expect(await names(fs, PARENT), `call ${failAt}`).toEqual(['db']);
    }
  });

  it('fsyncs every directory it changes: a failing fsync of any of them fails it', async () => {
    const directories = [TARGET, join(STAGING, 'old'), STAGING, PARENT];
    for (const directory of directories) {
      const fs = new FaultyFileSystem(await layout({ committed: true }), { failAt: 1, operations: ['syncDir'], path: (path) => path === directory });
      const error = await coded(rollForward(fs, STAGING, TARGET));
      expect(error.code, directory).toBe('ERR_IO');
    }
  });

  it('takes the commit marker away, durably, before it removes the staging directory', async () => {
    const memory = await layout({ committed: true });
    const fs = new FaultyFileSystem(memory, { failAt: 1, operations: ['rm'], path: (path) => path === STAGING });
    await coded(rollForward(fs, STAGING, TARGET));
    for (const view of [memory, memory.powerLossCopy()]) {
      expect(await tree(view, TARGET)).toEqual(NEW_STATE);
      expect(await names(view, STAGING)).not.toContain('COMMITTED');
    }
  });
});

describe('removeStaging', () => {
  it('removes a staging directory durably', async () => {
    for (const committed of [false, true]) {
      const fs = await layout({ committed: true, owner: 'x' });
      await removeStaging(fs, STAGING, committed);
      for (const view of [fs, fs.powerLossCopy()]) expect(await names(view, PARENT)).toEqual(['db']);
    }
  });

  it('for a committed one, takes the marker away durably first; an uncommitted one keeps it until the whole goes', async () => {
    for (const committed of [false, true]) {
      const memory = await layout({ committed: true });
      const fs = new FaultyFileSystem(memory, { failAt: 1, errno: 'EIO', operations: ['rm'], path: (path) => path === STAGING });
      const error = (await rejection(removeStaging(fs, STAGING, committed))) as NodeJS.ErrnoException;
      expect(error.code).toBe('EIO');
      expect(error).not.toBeInstanceOf(BackupConformanceError);
      for (const view of [memory, memory.powerLossCopy()]) {
        expect(await names(view, STAGING), `committed: ${committed}`).toEqual(committed ? ['new'] : ['COMMITTED', 'new']);
      }
    }
  });

  it('can be run again after a failure: the marker or the whole directory may be gone already', async () => {
    const withoutMarker = await layout({ owner: 'x' });
    await removeStaging(withoutMarker, STAGING, true);
    expect(await names(withoutMarker, PARENT)).toEqual(['db']);
    const gone = await layout();
    await gone.rm(STAGING, { recursive: true });
    await expect(removeStaging(gone, STAGING, false)).resolves.toBeUndefined();
    expect(await names(gone.powerLossCopy(), PARENT)).toEqual(['db']);
  });

  it('stops when the marker cannot be made durably gone, leaving the directory', async () => {
    const memory = await layout({ committed: true });
    const fs = new FaultyFileSystem(memory, { failAt: 1, operations: ['syncDir'] });
    await rejection(removeStaging(fs, STAGING, true));
    expect(await names(memory, STAGING)).toEqual(['new']);
  });
});

describe('recoverInterruptedRestores', () => {
  it('rolls a committed restore forward', async () => {
    const fs = await layout({ committed: true, owner: `${process.ppid}\nanother-process\n`, movedOut: ['item.pcl'] });
    await recoverInterruptedRestores(fs, TARGET);
    expect(await tree(fs, TARGET)).toEqual(NEW_STATE);
    expect(await names(fs, PARENT)).toEqual(['db']);
  });

  it('leaves a committed restore alone when the database directory is missing', async () => {
    const fs = await layout({ committed: true });
    await fs.rm(TARGET, { recursive: true });
    await recoverInterruptedRestores(fs, TARGET);
    expect(await names(fs, PARENT)).toEqual(['.db.restore-0123456789ab']);
    expect(await names(fs, STAGING)).toEqual(['COMMITTED', 'new']);
  });

  it('removes, durably, an uncommitted one whose owner is gone, unreadable or missing; the database stays old', async () => {
    for (const owner of [`${deadPid()}\nold-token\n`, 'garbage', undefined]) {
      const fs = await layout({ owner });
      await recoverInterruptedRestores(fs, TARGET);
      for (const view of [fs, fs.powerLossCopy()]) {
        expect(await names(view, PARENT), String(owner)).toEqual(['db']);
        expect(await tree(view, TARGET), String(owner)).toEqual(OLD_STATE);
      }
    }
  });

  it('leaves alone an uncommitted one that a live process works in, in this process or another', async () => {
    const fs = await layout({ owner: `${process.ppid}\nanother-process\n` });
    await recoverInterruptedRestores(fs, TARGET);
    expect(await names(fs, PARENT)).toEqual(['.db.restore-0123456789ab', 'db']);

    const mine = await createStaging(fs, TARGET);
    await fs.rm(STAGING, { recursive: true });
    await recoverInterruptedRestores(fs, TARGET);
    expect(await names(fs, PARENT)).toEqual([mine.path.slice(PARENT.length + 1), 'db']);
    mine.release();
    await recoverInterruptedRestores(fs, TARGET);
    expect(await names(fs, PARENT)).toEqual(['db']);
    expect(await tree(fs, TARGET)).toEqual(OLD_STATE);
  });

  it('handles every staging directory of the database, and only those', async () => {
    const fs = await layout({ committed: true });
    const second = '/data/.db.restore-ba9876543210';
    await fs.mkdir(second);
    await fs.mkdir(join(second, 'new'));
    const strangers = ['.db.restore-0123', '.other.restore-0123456789ab', 'db.restore-0123456789ab', '.db.restore-0123456789ab.x'];
    for (const name of strangers) {
      await fs.mkdir(join(PARENT, name));
      await writeText(fs, join(PARENT, name, 'COMMITTED'), '{}\n');
    }
    await fs.mkdir('/data/other');
    await writeText(fs, '/data/.other.restore-ba9876543210', 'a file, not a directory');
    await writeText(fs, '/data/.db.restore-cccccccccccc', 'a file with a staging name');
    await recoverInterruptedRestores(fs, TARGET);
    expect(await tree(fs, TARGET)).toEqual(NEW_STATE);
    expect((await names(fs, PARENT)).sort()).toEqual([...strangers, '.db.restore-cccccccccccc', '.other.restore-ba9876543210', 'db', 'other'].sort());
    for (const name of strangers) expect(await names(fs, join(PARENT, name))).toEqual(['COMMITTED']);
  });

  it('removes a stale one without touching what is inside first: a failing fsync of it does not matter', async () => {
    const memory = await layout({ owner: `${deadPid()}\nold-token\n` });
    const fs = new FaultyFileSystem(memory, { failAt: 1, persistent: true, operations: ['syncDir'], path: (path) => path === STAGING });
    await recoverInterruptedRestores(fs, TARGET);
    expect(await names(memory, PARENT)).toEqual(['db']);
  });

  it('does nothing when the parent directory cannot be read', async () => {
    const fs = new MemoryFileSystem();
    await expect(recoverInterruptedRestores(fs, '/missing/db')).resolves.toBeUndefined();
    const failing = new FaultyFileSystem(await layout({ committed: true }), { failAt: 1, operations: ['readdir'] });
    await expect(recoverInterruptedRestores(failing, TARGET)).resolves.toBeUndefined();
    expect(await names(failing.base, PARENT)).toEqual(['.db.restore-0123456789ab', 'db']);
  });

  it('fails with ERR_IO naming the staging directory when a stale one cannot be removed or a committed one finished', async () => {
    const stale = new FaultyFileSystem(await layout(), { failAt: 1, errno: 'EACCES', operations: ['rm'] });
    const removal = await coded(recoverInterruptedRestores(stale, TARGET));
    expect(removal.code).toBe('ERR_IO');
    expect(removal.details).toEqual({ path: STAGING, errno: 'EACCES' });
    expect(removal.message).toContain(STAGING);

    const committed = new FaultyFileSystem(await layout({ committed: true }), { failAt: 1, errno: 'EACCES', operations: ['rename'] });
    const forward = await coded(recoverInterruptedRestores(committed, TARGET));
    expect(forward.code).toBe('ERR_IO');
    expect(forward.details).toEqual({ path: STAGING, errno: 'EACCES' });
  });
});

describe('a crash at any call of commit and swap', () => {
  const copies: [string, (fs: MemoryFileSystem) => MemoryFileSystem][] = [
    ['power loss', (fs) => fs.powerLossCopy()],
    ['process kill', (fs) => fs.processCrashCopy()],
  ];
  for (const [what, copyOf] of copies) {
    it(`${what}: recovery gives exactly the old or exactly the new database, never back once new`, async () => {
      const memory = await layout({ owner: `${process.pid}\nno-longer-held\n` });
      const fs = new FaultyFileSystem(memory);
      const moments: { call: string; copy: MemoryFileSystem }[] = [];
      fs.observe((call) => moments.push({ call: `${call.operation} ${call.paths.join(' ')}`, copy: copyOf(memory) }));
      await commitRestore(fs, STAGING, TARGET);
      await rollForward(fs, STAGING, TARGET);
      moments.push({ call: 'after the end', copy: copyOf(memory) });
      expect(moments.length).toBeGreaterThan(20);
      let sawNew = false;
      const outcomes: string[] = [];
      for (const { call, copy } of moments) {
        await recoverInterruptedRestores(copy, TARGET);
        const files = await tree(copy, TARGET);
        const outcome = sameFiles(files, NEW_STATE) ? 'new' : sameFiles(files, OLD_STATE) ? 'old' : 'neither';
        expect(outcome, `before ${call}: ${JSON.stringify(files)}`).not.toBe('neither');
        if (sawNew) expect(outcome, `before ${call}`).toBe('new');
        sawNew ||= outcome === 'new';
        expect(await names(copy, PARENT), `before ${call}`).toEqual(['db']);
        outcomes.push(outcome);
      }
      expect(outcomes[0]).toBe('old');
      expect(outcomes[outcomes.length - 1]).toBe('new');
    });
  }
});
