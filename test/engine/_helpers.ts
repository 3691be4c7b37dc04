import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { FileHandle, FileSystem } from '../../src/fs/index.js';
import { isCodedError } from '../../src/errors.js';

/** Cheap password hashing: tests open databases many times. */
export const FAST = { scryptCost: 16 } as const;

/** Asserts that `action` rejects (or throws) a coded error with `code`; returns it. */
export async function expectCode(action: Promise<unknown> | (() => unknown), code: string): Promise<Error & { code: string; details: Record<string, unknown> }> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    if (!isCodedError(error)) throw error;
    expect(error.code).toBe(code);
    return error as never;
  }
  throw new Error(`expected ${code}, but nothing was thrown`);
}

/** A fresh directory on the real disk, removed by the returned cleanup. */
export async function tempDir(prefix = 'engine-'): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Counts calls per operation of a file system (fsyncs in particular). */
export function countingFileSystem(inner: FileSystem): { fs: FileSystem; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  const count = (name: string): void => void counts.set(name, (counts.get(name) ?? 0) + 1);
  const wrapHandle = (handle: FileHandle): FileHandle => ({
    read: (...args) => (count('read'), handle.read(...args)),
    write: (...args) => (count('write'), handle.write(...args)),
    sync: () => (count('sync'), handle.sync()),
    truncate: (length) => handle.truncate(length),
    stat: () => handle.stat(),
    close: () => handle.close(),
  });
  const fs: FileSystem = {
    open: async (path, flags, mode) => wrapHandle(await inner.open(path, flags, mode)),
    readFile: (path) => inner.readFile(path),
    stat: (path) => inner.stat(path),
    lstat: (path) => inner.lstat(path),
    readdir: (path) => inner.readdir(path),
    mkdir: (path, options) => inner.mkdir(path, options),
    rename: (from, to) => inner.rename(from, to),
    unlink: (path) => inner.unlink(path),
    rm: (path, options) => inner.rm(path, options),
    syncDir: (path) => (count('syncDir'), inner.syncDir(path)),
  };
  return { fs, counts };
}

/** A deterministic document of about `size` bytes of JSON. */
export function documentOfSize(size: number, seed = 0): { seed: number; text: string } {
  const unit = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let text = '';
  while (text.length < size - 24) text += unit[(seed + text.length) % unit.length];
  return { seed, text };
}

/**
 * The dump of a database after checking that its two access paths agree: every record a scan
 * finds loads by its record id with the same version and content, and every class counts as many
 * records as the scan found. (A dump alone reads data pages and would miss a damaged position map.)
 */
export async function checkedDump(db: { dump(): Promise<string>; load(rid: string): Promise<unknown>; count(name: string): Promise<number> }): Promise<string> {
  const dump = await db.dump();
  const parsed = JSON.parse(dump) as { classes: { name: string; records: { rid: string; version: number; content: unknown }[] }[] };
  for (const { name, records } of parsed.classes) {
    expect(await db.count(name)).toBe(records.length);
    for (const record of records) expect(await db.load(record.rid)).toEqual(record);
  }
  return dump;
}

/** Lets every pending promise callback run. */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Records when the promise settles, so that a test can look without awaiting it. */
export function watch<T>(promise: Promise<T>): { readonly settled: { value?: T; error?: unknown } | undefined } {
  const state: { settled: { value?: T; error?: unknown } | undefined } = { settled: undefined };
  promise.then(
    (value) => (state.settled = { value }),
    (error: unknown) => (state.settled = { error }),
  );
  return state;
}
