import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateOutputPath, writeZipToFile, type WriteZipToFileOptions, type ZipSource } from '../../src/archive/write/index.js';
import { BackupConformanceError } from '../../src/errors.js';
import { nodeFileSystem } from '../../src/fs/index.js';
import { bufferSource, documentText, randomBytes } from './_helpers/data.js';
import { FaultyFileSystem } from './_helpers/faulty-file-system.js';
import { readZip } from './_helpers/zip-contents.js';

const OPTIONS: WriteZipToFileOptions = { compressionLevel: 6, bufferSize: 1024 };
const sources = (): ZipSource[] => [bufferSource('docs.json', documentText(4000)), bufferSource('blob.bin', randomBytes(1500))];

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zip-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(BackupConformanceError);
  return (error as BackupConformanceError).code;
}

describe('writeZipToFile', () => {
  it('writes a valid archive at the path, with mode 0600, and leaves no temporary file', async () => {
    const path = join(dir, 'backup.zip');
    const result = await writeZipToFile(path, sources(), OPTIONS);
    expect(await readdir(dir)).toEqual(['backup.zip']);
    const bytes = await readFile(path);
    expect(bytes.length).toBe(result.bytes);
    expect((await readZip(bytes)).entries.map((e) => e.name)).toEqual(['docs.json', 'blob.bin']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('honours fileMode', async () => {
    const path = join(dir, 'shared.zip');
    await writeZipToFile(path, sources(), { ...OPTIONS, fileMode: 0o640 });
    expect((await stat(path)).mode & 0o777).toBe(0o640 & ~process.umask());
  });

  it('writes through a temporary file: exclusive create, fsync, close, rename, then fsync of the directory', async () => {
    const fs = new FaultyFileSystem(nodeFileSystem);
    await writeZipToFile(join(dir, 'b.zip'), sources(), { ...OPTIONS, fs });
    const steps = fs.log.filter((call) => call !== 'handle.write');
    expect(steps).toEqual(['open wx 600', 'handle.sync', 'handle.close', 'rename', 'syncDir']);
    expect(fs.log.filter((call) => call === 'handle.write').length).toBeGreaterThan(1);
  });

  it('replaces an existing file on success', async () => {
    const path = join(dir, 'b.zip');
    await writeFile(path, 'old backup');
    await writeZipToFile(path, sources(), OPTIONS);
    expect((await readZip(await readFile(path))).entries).toHaveLength(2);
  });

  it('on a failing source: nothing at the path, no temporary file, an existing file untouched', async () => {
    const failing: ZipSource = {
      name: 'bad',
      open: () => {
        throw Object.assign(new Error('gone'), { code: 'ENOENT' });
      },
    };
    const fresh = join(dir, 'fresh.zip');
    expect(await codeOf(writeZipToFile(fresh, [...sources(), failing], OPTIONS))).toBe('ERR_SOURCE_CHANGED');
    expect(await readdir(dir)).toEqual([]);

    const existing = join(dir, 'existing.zip');
    await writeFile(existing, 'previous backup');
    expect(await codeOf(writeZipToFile(existing, [...sources(), failing], OPTIONS))).toBe('ERR_SOURCE_CHANGED');
    expect(await readdir(dir)).toEqual(['existing.zip']);
    expect(await readFile(existing, 'utf8')).toBe('previous backup');
  });

  it('refuses a path that is not a non-empty string with ERR_INVALID_OUTPUT', async () => {
    expect(await codeOf(writeZipToFile('', sources(), OPTIONS))).toBe('ERR_INVALID_OUTPUT');
    expect(await codeOf(writeZipToFile(42 as unknown as string, sources(), OPTIONS))).toBe('ERR_INVALID_OUTPUT');
    expect(await codeOf(writeZipToFile('a\u0000b', sources(), OPTIONS))).toBe('ERR_INVALID_OUTPUT');
  });

  it('reports a missing directory, met while writing, as ERR_OUTPUT_FAILED', async () => {
    const error = await writeZipToFile(join(dir, 'missing', 'b.zip'), sources(), OPTIONS).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_OUTPUT_FAILED', details: { errno: 'ENOENT' } });
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a directory at the target, met at the rename, as ERR_OUTPUT_FAILED and leaves it empty', async () => {
    await mkdir(join(dir, 'b.zip'));
    expect(await codeOf(writeZipToFile(join(dir, 'b.zip'), sources(), OPTIONS))).toBe('ERR_OUTPUT_FAILED');
    expect(await readdir(dir)).toEqual(['b.zip']);
    expect(await readdir(join(dir, 'b.zip'))).toEqual([]);
  });

  it('checks its own and writeZip options before touching the disk', async () => {
    const fs = new FaultyFileSystem(nodeFileSystem);
    const path = join(dir, 'b.zip');
    expect(await codeOf(writeZipToFile(path, sources(), { ...OPTIONS, fs, compressionLevel: 12 }))).toBe('ERR_INVALID_COMPRESSION_LEVEL');
    expect(await codeOf(writeZipToFile(path, sources(), { ...OPTIONS, fs, bufferSize: -1 }))).toBe('ERR_INVALID_BUFFER_SIZE');
    expect(await codeOf(writeZipToFile(path, sources(), { ...OPTIONS, fs, fileMode: 0o1777 }))).toBe('ERR_INVALID_OPTIONS');
    expect(await codeOf(writeZipToFile(path, sources(), { ...OPTIONS, fs: {} as never }))).toBe('ERR_INVALID_OPTIONS');
    expect(await codeOf(writeZipToFile(path, sources(), { ...OPTIONS, fs, flush: true } as never))).toBe('ERR_INVALID_OPTIONS');
    expect(fs.log).toEqual([]);
  });

  it('an abort leaves nothing behind', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 1000; i++) {
        if (i === 5) controller.abort();
        yield randomBytes(1000, i + 1);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    const path = join(dir, 'b.zip');
    expect(await codeOf(writeZipToFile(path, [{ name: 'slow', open: () => slow() }], { ...OPTIONS, signal: controller.signal }))).toBe('ERR_ABORTED');
    expect(await readdir(dir)).toEqual([]);
  });

  describe('fault injection: fail the Nth file-system call', () => {
    async function callsOfASuccessfulRun(): Promise<number> {
      const fs = new FaultyFileSystem(nodeFileSystem);
      await writeZipToFile(join(dir, 'probe.zip'), sources(), { ...OPTIONS, fs });
      await rm(join(dir, 'probe.zip'));
      return fs.log.length;
    }

    it('every single failure gives a coded error and leaves no file at the path and no temporary file', async () => {
      const total = await callsOfASuccessfulRun();
      expect(total).toBeGreaterThan(6);
      for (let n = 1; n <= total; n++) {
        const fs = new FaultyFileSystem(nodeFileSystem, n);
        const code = await codeOf(writeZipToFile(join(dir, 'b.zip'), sources(), { ...OPTIONS, fs }));
        expect(code, `call #${n} (${fs.log[n - 1]})`).toBe('ERR_OUTPUT_FAILED');
        expect(await readdir(dir), `call #${n} (${fs.log[n - 1]})`).toEqual([]);
      }
    });

    it('a failure before the rename leaves an existing file untouched', async () => {
      const total = await callsOfASuccessfulRun();
      const path = join(dir, 'b.zip');
      for (let n = 1; n <= total; n++) {
        await writeFile(path, 'previous backup');
        const fs = new FaultyFileSystem(nodeFileSystem, n);
        await codeOf(writeZipToFile(path, sources(), { ...OPTIONS, fs }));
        const failed = fs.log[n - 1]!;
        const listing = await readdir(dir);
        if (failed === 'syncDir') {
          // The rename had already replaced the old file; the failed call removes the new one.
          expect(listing, `call #${n} (${failed})`).toEqual([]);
        } else {
          expect(listing, `call #${n} (${failed})`).toEqual(['b.zip']);
          expect(await readFile(path, 'utf8')).toBe('previous backup');
        }
      }
    });

    it('persistent failures from call N on still give a coded error and never touch an existing file before the rename', async () => {
      const total = await callsOfASuccessfulRun();
      const path = join(dir, 'b.zip');
      for (let n = 1; n <= total; n++) {
        await writeFile(path, 'previous backup');
        const fs = new FaultyFileSystem(nodeFileSystem, n, true);
        expect(await codeOf(writeZipToFile(path, sources(), { ...OPTIONS, fs }))).toBe('ERR_OUTPUT_FAILED');
        if (!fs.log.slice(0, n).includes('syncDir')) expect(await readFile(path, 'utf8')).toBe('previous backup');
        // The clean-up failed too, so a temporary file may remain: it is recognisable.
        for (const name of await readdir(dir)) if (name !== 'b.zip') expect(name).toMatch(/^\.b\.zip\.\d+-[0-9a-f]{12}\.tmp$/);
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir);
      }
    });
  });
});

describe('validateOutputPath', () => {
  it('resolves a writable target, whether or not a file is there, and writes nothing', async () => {
    const fs = new FaultyFileSystem(nodeFileSystem);
    expect(await validateOutputPath(join(dir, 'new.zip'), fs)).toBe(join(dir, 'new.zip'));
    await writeFile(join(dir, 'old.zip'), 'x');
    expect(await validateOutputPath(join(dir, 'old.zip'), fs)).toBe(join(dir, 'old.zip'));
    expect(fs.log.every((call) => call === 'stat')).toBe(true);
    expect(await readdir(dir)).toEqual(['old.zip']);
  });

  it.each([
    ['an empty string', () => ''],
    ['a number', () => 7],
    ['a path in a missing directory', () => join(dir, 'missing', 'b.zip')],
    ['a path under a file', () => join(dir, 'file', 'b.zip')],
    ['a directory', () => join(dir, 'sub')],
  ])('refuses %s with ERR_INVALID_OUTPUT', async (_label, path) => {
    await writeFile(join(dir, 'file'), 'x');
    await mkdir(join(dir, 'sub'));
    expect(await codeOf(validateOutputPath(path()))).toBe('ERR_INVALID_OUTPUT');
    expect((await readdir(dir)).sort()).toEqual(['file', 'sub']);
  });
});
