import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import referenceFactory from '../../src/adapter/index.js';
import { RecordingOutput } from '../../src/adapter/recording-output.js';
import type { Implementation } from '../../conformance/adapter.js';

let dir: string;
let impl: Implementation;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adapter-'));
  impl = await referenceFactory();
});

afterEach(async () => {
  await impl.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('reference adapter', () => {
  it('creates, writes, dumps and reopens through the adapter', async () => {
    const url = `plocal:${join(dir, 'db')}`;
    const conn = await impl.createDatabase(url);
    await conn.createClass('Person');
    const record = await conn.insert('Person', { name: 'Ada' });
    expect(record.version).toBe(1);
    const other = await impl.openDatabase(url, 'admin', 'admin');
    expect(await other.load(record.rid)).toEqual(record);
    expect(await other.dump()).toBe(await conn.dump());
  });

  it('closes what an instance opened on dispose', async () => {
    const url = `plocal:${join(dir, 'db')}`;
    const conn = await impl.createDatabase(url);
    await impl.dispose();
    await expect(conn.count('Nothing')).rejects.toMatchObject({ code: 'ERR_DATABASE_CLOSED' });
  });

  it('drops memory databases it created on dispose', async () => {
    const url = 'memory:adapter-dispose';
    await impl.createDatabase(url);
    await impl.dispose();
    impl = await referenceFactory();
    await expect(impl.openDatabase(url, 'admin', 'admin')).rejects.toMatchObject({ code: 'ERR_DATABASE_NOT_FOUND' });
  });
});

describe('RecordingOutput', () => {
  it('records each write and writes the bytes to its file', async () => {
    const path = join(dir, 'out.bin');
    const out = new RecordingOutput(path);
    out.write(Buffer.alloc(3, 1));
    out.write(Buffer.alloc(5, 2));
    out.end();
    await out.fileClosed;
    expect(out.writes).toEqual([3, 5]);
    expect(await readFile(path)).toEqual(Buffer.concat([Buffer.alloc(3, 1), Buffer.alloc(5, 2)]));
  });

  it('fails once a write passes failAfterBytes', async () => {
    const out = new RecordingOutput(join(dir, 'fail.bin'), { failAfterBytes: 4 });
    const failed = new Promise<Error>((resolve) => out.once('error', resolve));
    out.write(Buffer.alloc(3));
    out.write(Buffer.alloc(3));
    expect(((await failed) as NodeJS.ErrnoException).code).toBe('EIO');
  });

  it('stops calling back once a write passes stallAfterBytes', async () => {
    const out = new RecordingOutput(join(dir, 'stall.bin'), { stallAfterBytes: 2 });
    let secondDone = false;
    await new Promise<void>((resolve) => out.write(Buffer.alloc(2), () => resolve()));
    out.write(Buffer.alloc(2), () => {
      secondDone = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(secondDone).toBe(false);
    out.destroy();
  });
});
