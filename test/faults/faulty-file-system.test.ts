/**
 * The fault harness itself: which calls it counts, which one it fails, with what, and that a
 * failed call has no effect on the file system underneath.
 */
import { describe, expect, it } from 'vitest';
import { FaultyFileSystem, INJECTABLE_ERRNOS, MemoryFileSystem, type FileSystemCall } from '../../src/fs/index.js';

async function seeded(): Promise<MemoryFileSystem> {
  const memory = new MemoryFileSystem();
  await memory.mkdir('/d');
  const handle = await memory.open('/d/a', 'w');
  await handle.write(Buffer.from('hello'), 0, 5, 0);
  await handle.close();
  return memory;
}

async function errnoOf(action: Promise<unknown>): Promise<string | undefined> {
  try {
    await action;
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code;
  }
}

describe('FaultyFileSystem', () => {
  it('passes every call through while no fault is planned, and counts them', async () => {
    const faulty = new FaultyFileSystem(await seeded());
    expect((await faulty.readFile('/d/a')).toString()).toBe('hello');
    const handle = await faulty.open('/d/b', 'w');
    await handle.write(Buffer.from('xy'), 0, 2, 0);
    await handle.sync();
    await handle.close();
    await faulty.rename('/d/b', '/d/c');
    await faulty.syncDir('/d');
    expect((await faulty.readdir('/d')).map((entry) => entry.name)).toEqual(['a', 'c']);
    expect(faulty.counted).toBe(8);
    expect(faulty.injected).toBe(0);
  });

  it.each(INJECTABLE_ERRNOS)('fails the Nth call once with %s, without effect, and later calls succeed', async (errno) => {
    const memory = await seeded();
    const faulty = new FaultyFileSystem(memory, { failAt: 2, errno });
    await faulty.stat('/d/a');
    const error = await faulty.unlink('/d/a').catch((caught: NodeJS.ErrnoException) => caught);
    expect(error).toMatchObject({ code: errno, syscall: 'unlink', path: '/d/a' });
    expect((error as Error).message).toContain(errno);
    expect((await memory.readdir('/d')).map((entry) => entry.name)).toEqual(['a']);
    await faulty.unlink('/d/a');
    expect(await memory.readdir('/d')).toEqual([]);
    expect(faulty.injected).toBe(1);
  });

  it('fails every call from the Nth on when persistent, until healed', async () => {
    const faulty = new FaultyFileSystem(await seeded(), { failAt: 2, persistent: true, errno: 'ENOSPC' });
    expect(await errnoOf(faulty.stat('/d/a'))).toBeUndefined();
    expect(await errnoOf(faulty.stat('/d/a'))).toBe('ENOSPC');
    expect(await errnoOf(faulty.readFile('/d/a'))).toBe('ENOSPC');
    expect(await errnoOf(faulty.mkdir('/e'))).toBe('ENOSPC');
    expect(faulty.injected).toBe(3);
    faulty.heal();
    expect(await errnoOf(faulty.mkdir('/e'))).toBeUndefined();
  });

  it('counts the calls of open handles, and a failed write leaves the file as it was', async () => {
    const memory = await seeded();
    const faulty = new FaultyFileSystem(memory, { failAt: 3, errno: 'EIO' });
    const handle = await faulty.open('/d/a', 'r+');
    await handle.write(Buffer.from('J'), 0, 1, 0);
    expect(await errnoOf(handle.write(Buffer.from('W'), 0, 1, 1))).toBe('EIO');
    await handle.close();
    expect((await memory.readFile('/d/a')).toString()).toBe('Jello');
  });

  it('closes the handle underneath even when it fails the close (the descriptor is released, as on Linux)', async () => {
    const memory = await seeded();
    const faulty = new FaultyFileSystem(memory, { failAt: 2, errno: 'EIO', persistent: true });
    const handle = await faulty.open('/d/a', 'r');
    expect(await errnoOf(handle.close())).toBe('EIO');
    faulty.heal();
    expect(await errnoOf(handle.close())).toBe('EBADF');
  });

  it('counts only the operations and paths a plan names', async () => {
    const faulty = new FaultyFileSystem(await seeded(), { failAt: 2, operations: ['write', 'rename'], path: (path) => path.startsWith('/d/') });
    await faulty.stat('/d/a');
    await faulty.mkdir('/other');
    const handle = await faulty.open('/other/x', 'w');
    await handle.write(Buffer.from('1'), 0, 1, 0);
    const inside = await faulty.open('/d/x', 'w');
    await inside.write(Buffer.from('1'), 0, 1, 0);
    expect(faulty.counted).toBe(1);
    expect(await errnoOf(faulty.rename('/other/x', '/d/y'))).toBe('EIO');
    expect(faulty.counted).toBe(2);
    await Promise.all([handle.close(), inside.close()]);
  });

  it('re-arming restarts the count; the log and observers see every call with its outcome', async () => {
    const seen: FileSystemCall[] = [];
    const faulty = new FaultyFileSystem(await seeded(), undefined, { record: true });
    const stop = faulty.observe((call) => seen.push(call));
    await faulty.stat('/d/a');
    faulty.arm({ failAt: 1, errno: 'EACCES' });
    expect(faulty.counted).toBe(0);
    expect(await errnoOf(faulty.rename('/d/a', '/d/b'))).toBe('EACCES');
    stop();
    await faulty.stat('/d/a');
    expect(seen.map((call) => `${call.operation} ${call.paths.join(' ')}`)).toEqual(['stat /d/a', 'rename /d/a /d/b']);
    expect(faulty.calls.map((call) => call.failed)).toEqual([undefined, 'EACCES', undefined]);
  });

  it('refuses a plan it cannot follow', () => {
    const memory = new MemoryFileSystem();
    expect(() => new FaultyFileSystem(memory, { failAt: 0 })).toThrow(/failAt/);
    expect(() => new FaultyFileSystem(memory, { failAt: 1, errno: 'ENOENT' as never })).toThrow(/errno/);
    expect(() => new FaultyFileSystem(memory, { failAt: 1, operations: ['chmod' as never] })).toThrow(/operation/);
  });
});
