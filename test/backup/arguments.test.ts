/**
 * The two call forms of `db.backup(...)` and the checks made before the database is locked, in
 * the order of spec/backup.md BACKUP-026.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { DEFAULT_BUFFER_SIZE, DEFAULT_COMPRESSION_LEVEL, DEFAULT_STALL_TIMEOUT_MS } from '../../src/backup/full-backup.js';
import { FAST, MemorySink, createDatabase, expectCode, fillItems, namesIn, openDatabase, readZip, stillPending, tempDir } from './_helpers.js';

let dir: { path: string; cleanup: () => Promise<void> };
let db: Database;
let other: Database;

beforeAll(async () => {
  dir = await tempDir();
  db = await createDatabase(dir.path);
  await fillItems(db, 20);
  await db.createUser('reader', 'reader', 'reader');
  other = await openDatabase(dir.path);
});

afterAll(async () => {
  await other.close();
  await db.close();
  await dir.cleanup();
});

const target = (name: string): string => join(dir.path, name);

describe('defaults', () => {
  it('are level 9, 1 MiB and a 60 s stall timeout', () => {
    expect([DEFAULT_COMPRESSION_LEVEL, DEFAULT_BUFFER_SIZE, DEFAULT_STALL_TIMEOUT_MS]).toEqual([9, 1_048_576, 60_000]);
  });
});

describe('the manual form backup(out, options, callable, listener, compressionLevel, bufferSize)', () => {
  it('accepts only out, the rest null or undefined', async () => {
    const summary = await db.backup(target('only-out.zip'), null, null, null, null, null);
    expect(summary.bytes).toBe((await stat(target('only-out.zip'))).size);
    await db.backup(target('undefined.zip'), undefined, undefined, undefined, undefined, undefined);
    expect((await readZip(target('undefined.zip'))).entries.length).toBe(summary.entries);
  });

  it('passes the level and buffer size positionally', async () => {
    const sink = new MemorySink();
    await db.backup(sink, null, null, null, 0, 512);
    expect(Math.max(...sink.writes)).toBe(512);
    expect((await readZip(sink.bytes)).entries.every((entry) => entry.method === 0)).toBe(true);
  });

  it('refuses the idiomatic keys in its options (they are parameters here)', async () => {
    for (const key of ['compressionLevel', 'bufferSize', 'onLocked', 'onMessage']) {
      await expectCode(db.backup(target('x.zip'), { [key]: undefined }, null, null, null, null), 'ERR_INVALID_OPTIONS');
    }
    expect(await namesIn(dir.path)).not.toContain('x.zip');
  });

  it('refuses a callable or listener that is not a function with ERR_INVALID_ARGUMENT', async () => {
    await expectCode(db.backup(target('x.zip'), null, 'run me', null), 'ERR_INVALID_ARGUMENT');
    await expectCode(db.backup(target('x.zip'), null, null, 42), 'ERR_INVALID_ARGUMENT');
  });
});

describe('the idiomatic form backup(out, { compressionLevel, bufferSize, onLocked, onMessage, mode, stallTimeoutMs })', () => {
  it('is the form of a call with at most two arguments', async () => {
    const messages: string[] = [];
    let locked = 0;
    const sink = new MemorySink();
    await db.backup(sink, { compressionLevel: 0, bufferSize: 1000, onLocked: () => void locked++, onMessage: (m: string) => void messages.push(m), mode: 'snapshot', stallTimeoutMs: 5000 });
    expect(locked).toBe(1);
    expect(messages.some((m) => m.startsWith('- Compressing file '))).toBe(true);
    expect(Math.max(...sink.writes)).toBe(1000);
    expect((await readZip(sink.bytes)).entries.every((entry) => entry.method === 0)).toBe(true);
  });

  it('checks its values with the codes of the parameters', async () => {
    await expectCode(db.backup(target('x.zip'), { compressionLevel: 10 }), 'ERR_INVALID_COMPRESSION_LEVEL');
    await expectCode(db.backup(target('x.zip'), { bufferSize: 0 }), 'ERR_INVALID_BUFFER_SIZE');
    await expectCode(db.backup(target('x.zip'), { onLocked: 'no' }), 'ERR_INVALID_OPTIONS');
    await expectCode(db.backup(target('x.zip'), { onMessage: 1 }), 'ERR_INVALID_OPTIONS');
    await expectCode(db.backup(target('x.zip'), { mdoe: 'snapshot' }), 'ERR_INVALID_OPTIONS');
  });

  it('takes the defaults with one argument', async () => {
    const summary = await db.backup(target('one-argument.zip'));
    expect(summary.manifest.kind).toBe('full');
  });
});

describe('options', () => {
  it.each([
    ['a number', 5],
    ['a string', 'snapshot'],
    ['an array', []],
    ['a Map', new Map()],
    ['an unknown key', { foo: 1 }],
    ['a misspelt key', { mdoe: 'snapshot' }],
    ['an unknown mode', { mode: 'fast' }],
    ['a numeric mode', { mode: 1 }],
    ['stallTimeoutMs 0', { stallTimeoutMs: 0 }],
    ['stallTimeoutMs -1', { stallTimeoutMs: -1 }],
    ['stallTimeoutMs 1.5', { stallTimeoutMs: 1.5 }],
    ['stallTimeoutMs "100"', { stallTimeoutMs: '100' }],
    ['stallTimeoutMs NaN', { stallTimeoutMs: Number.NaN }],
    ['stallTimeoutMs Infinity', { stallTimeoutMs: Number.POSITIVE_INFINITY }],
    ['stallTimeoutMs past the timer range', { stallTimeoutMs: 2 ** 31 }],
  ])('refuses %s with ERR_INVALID_OPTIONS, before the database is locked (BACKUP-025)', async (_what, options) => {
    let calls = 0;
    const messages: unknown[] = [];
    await expectCode(db.backup(target('x.zip'), options as never, () => void calls++, { onMessage: (m: unknown) => void messages.push(m) }), 'ERR_INVALID_OPTIONS');
    expect({ calls, messages }).toEqual({ calls: 0, messages: [] });
    await expect(stat(target('x.zip'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('accepts null, {}, both modes and null values as defaults', async () => {
    for (const options of [null, {}, { mode: 'freeze' }, { mode: 'snapshot' }, { mode: null, stallTimeoutMs: null }, { stallTimeoutMs: 1 }]) {
      await db.backup(new MemorySink(), options, null, null);
    }
  });
});

describe('compressionLevel and bufferSize', () => {
  it.each([-1, 10, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '5', true, {}, 5n])('refuses level %s', async (level) => {
    await expectCode(db.backup(target('x.zip'), null, null, null, level), 'ERR_INVALID_COMPRESSION_LEVEL');
  });

  it.each([0, -1, 1_073_741_825, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '1024'])('refuses bufferSize %s', async (size) => {
    await expectCode(db.backup(target('x.zip'), null, null, null, null, size), 'ERR_INVALID_BUFFER_SIZE');
  });

  it('accepts -0 as level 0 and the largest buffer size', async () => {
    const sink = new MemorySink();
    await db.backup(sink, null, null, null, -0, 1_073_741_824);
    expect(sink.writes.length).toBeLessThanOrEqual(2);
    expect((await readZip(sink.bytes)).entries.every((entry) => entry.method === 0)).toBe(true);
  });
});

describe('outputs', () => {
  it('refuses a missing output with ERR_INVALID_OUTPUT', async () => {
    await expectCode(db.backup(null), 'ERR_INVALID_OUTPUT');
    await expectCode(db.backup(undefined), 'ERR_INVALID_OUTPUT');
    await expectCode(db.backup(42), 'ERR_INVALID_OUTPUT');
    await expectCode(db.backup(''), 'ERR_INVALID_OUTPUT');
    await expectCode(db.backup({ write: 'nope' }), 'ERR_INVALID_OUTPUT');
  });

  it('refuses an ended stream', async () => {
    const sink = new MemorySink();
    sink.end();
    await expectCode(db.backup(sink), 'ERR_INVALID_OUTPUT');
  });

  it('refuses a path in a missing directory or naming a directory, creating nothing', async () => {
    await expectCode(db.backup(target('missing/x.zip')), 'ERR_INVALID_OUTPUT');
    await mkdir(target('a-directory'));
    await expectCode(db.backup(target('a-directory')), 'ERR_INVALID_OUTPUT');
    expect(await namesIn(dir.path)).not.toContain('missing');
    expect(await namesIn(target('a-directory'))).toEqual([]);
  });

  it('refuses a path inside the database directory, at any depth', async () => {
    const inside = join(dir.path, 'db');
    await expectCode(db.backup(join(inside, 'x.zip')), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    await expectCode(db.backup(join(inside, 'sub', 'deeper', 'x.zip')), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    await expectCode(db.backup(join(dir.path, 'other', '..', 'db', 'x.zip')), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    await expectCode(db.backup(inside), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    expect((await namesIn(inside)).filter((name) => name.endsWith('.zip'))).toEqual([]);
  });

  it('tells a name inside that starts with two dots from the parent, and the parent from the inside', async () => {
    const inside = join(dir.path, 'db');
    await expectCode(db.backup(join(inside, '..x.zip')), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    // The parent and a file beside the database are outside: the parent is refused as a directory.
    await expectCode(db.backup(join(inside, '..')), 'ERR_INVALID_OUTPUT');
    await expectCode(db.backup(`${inside}/../`), 'ERR_INVALID_OUTPUT');
  });

  it('refuses a path with a NUL byte as an invalid output, inside the database or not', async () => {
    await expectCode(db.backup(join(dir.path, 'db', 'x\u0000.zip')), 'ERR_INVALID_OUTPUT');
    await expectCode(db.backup(join(dir.path, 'x\u0000.zip')), 'ERR_INVALID_OUTPUT');
  });

  it('accepts a sibling whose name starts with the database directory name', async () => {
    await mkdir(target('db-backups'));
    await db.backup(join(dir.path, 'db-backups', 'x.zip'));
    expect(await namesIn(target('db-backups'))).toEqual(['x.zip']);
  });
});

describe('the order of the checks (BACKUP-026)', () => {
  it('reports the first problem: out, options, callable, listener, level, bufferSize', async () => {
    await expectCode(db.backup(null, 5, 'x', 'y', 10, 0), 'ERR_INVALID_OUTPUT');
    await expectCode(db.backup(target('x.zip'), 5, 'x', 'y', 10, 0), 'ERR_INVALID_OPTIONS');
    await expectCode(db.backup(target('x.zip'), null, 'x', 'y', 10, 0), 'ERR_INVALID_ARGUMENT');
    await expectCode(db.backup(target('x.zip'), null, null, 'y', 10, 0), 'ERR_INVALID_ARGUMENT');
    await expectCode(db.backup(target('x.zip'), null, null, null, 10, 0), 'ERR_INVALID_COMPRESSION_LEVEL');
    await expectCode(db.backup(target('x.zip'), null, null, null, 9, 0), 'ERR_INVALID_BUFFER_SIZE');
  });

  it('checks the session, the permission and the storage before the arguments', async () => {
    const reader = await openDatabase(dir.path, 'db', 'reader', 'reader');
    await expectCode(reader.backup(null, 5, null, null, 10), 'ERR_PERMISSION_DENIED');
    await reader.close();
    await expectCode(reader.backup(null, 5, null, null, 10), 'ERR_DATABASE_CLOSED');

    const memory = await Database.create(`memory:backup-args-${process.pid}`, FAST);
    try {
      await expectCode(memory.backup(null, 5, null, null, 10), 'ERR_UNSUPPORTED_STORAGE');
      await memory.createUser('r', 'r', 'reader');
      const memoryReader = await Database.open(`memory:backup-args-${process.pid}`, 'r', 'r', FAST);
      await expectCode(memoryReader.backup(null), 'ERR_PERMISSION_DENIED');
      await memoryReader.close();
    } finally {
      await memory.close();
      await Database.drop(`memory:backup-args-${process.pid}`, 'admin', 'admin', FAST).catch(() => undefined);
    }
  });

  it('refuses before locking: no callable, no message, no output, writers not held', async () => {
    let called = 0;
    const messages: string[] = [];
    const sink = new MemorySink();
    await writeFile(target('existing.zip'), 'yesterday');
    for (const call of [
      () => db.backup(target('existing.zip'), null, () => void called++, (m: string) => void messages.push(m), 10),
      () => db.backup(sink, { mode: 'slow' }, () => void called++, (m: string) => void messages.push(m)),
      () => db.backup(sink, null, () => void called++, (m: string) => void messages.push(m), null, -5),
    ]) {
      const refused = call();
      const probe = other.insert('Item', { probe: 1 });
      await refused.catch(() => undefined);
      expect(await stillPending(probe, 2000)).toBe(false);
    }
    expect(called).toBe(0);
    expect(messages).toEqual([]);
    expect(sink.writes).toEqual([]);
    expect(sink.writableEnded).toBe(false);
    expect((await stat(target('existing.zip'))).size).toBe('yesterday'.length);
  });
});

describe('refusal messages say what was received', () => {
  // The spec asserts codes; these messages are what a person reads when a call is refused, so
  // each names the offending value the way a reader would describe it.
  const received = async (call: Promise<unknown>, code: string): Promise<string> => (await expectCode(call, code)).message;

  it('describes a wrong output by its kind', async () => {
    const cases: [unknown, string][] = [
      [42, 'received 42'],
      [12n, 'received 12n'],
      [true, 'received true'],
      [Symbol.iterator, 'received Symbol(Symbol.iterator)'],
    ];
    for (const [out, text] of cases) {
      expect(await received(db.backup(out as never, null, null, null), 'ERR_INVALID_OUTPUT')).toContain(text);
    }
  });

  it('describes wrong options by their kind', async () => {
    const cases: [unknown, string][] = [
      ['snapshot', 'received "snapshot"'],
      [[], 'received an array'],
      [new Map(), 'received a Map object'],
      [() => {}, 'received a function'],
      [7, 'received 7'],
    ];
    for (const [options, text] of cases) {
      expect(await received(db.backup(target('m.zip'), options as never, null, null), 'ERR_INVALID_OPTIONS')).toContain(text);
    }
    expect(await received(db.backup(target('m.zip'), { mode: 'slow' }, null, null), 'ERR_INVALID_OPTIONS')).toContain('received "slow"');
    expect(await received(db.backup(target('m.zip'), { stallTimeoutMs: 0.5 }, null, null), 'ERR_INVALID_OPTIONS')).toContain('received 0.5');
    expect(await received(db.backup(target('m.zip'), { onLocked: {} }), 'ERR_INVALID_OPTIONS')).toContain('received an object');
    expect(await received(db.backup(target('m.zip'), null, Object.create(null) as never, null), 'ERR_INVALID_ARGUMENT')).toContain('received a null-prototype object');
  });

  it('names every unknown option key, in the singular or the plural', async () => {
    expect(await received(db.backup(target('m.zip'), { colour: 1 }, null, null), 'ERR_INVALID_OPTIONS')).toContain('Unknown backup option "colour"; the options are mode, stallTimeoutMs');
    const plural = await received(db.backup(target('m.zip'), { colour: 1, size: 2 }), 'ERR_INVALID_OPTIONS');
    expect(plural).toContain('Unknown backup options "colour", "size"');
    expect(plural).toContain('the options are compressionLevel, bufferSize, onLocked, onMessage, mode, stallTimeoutMs');
    expect(await namesIn(dir.path)).not.toContain('m.zip');
  });
});

describe('refusal details name the argument or option at fault', () => {
  it('for options, modes, stall timeouts and functions', async () => {
    const unknown = await expectCode(db.backup(target('d.zip'), { colour: 1 }, null, null), 'ERR_INVALID_OPTIONS');
    expect(unknown.details).toStrictEqual({ unknown: ['colour'] });
    const notObject = await expectCode(db.backup(target('d.zip'), [] as never, null, null), 'ERR_INVALID_OPTIONS');
    expect(notObject.details).toStrictEqual({});
    expect((await expectCode(db.backup(target('d.zip'), { mode: 'slow' }, null, null), 'ERR_INVALID_OPTIONS')).details).toStrictEqual({ option: 'mode' });
    expect((await expectCode(db.backup(target('d.zip'), { stallTimeoutMs: 0 }, null, null), 'ERR_INVALID_OPTIONS')).details).toStrictEqual({ option: 'stallTimeoutMs' });
    const cases: [() => Promise<unknown>, string, string][] = [
      [() => db.backup(target('d.zip'), null, 5 as never, null), 'ERR_INVALID_ARGUMENT', 'callable'],
      [() => db.backup(target('d.zip'), null, null, 5 as never), 'ERR_INVALID_ARGUMENT', 'listener'],
      [() => db.backup(target('d.zip'), { onLocked: 5 }), 'ERR_INVALID_OPTIONS', 'option onLocked'],
      [() => db.backup(target('d.zip'), { onMessage: 5 }), 'ERR_INVALID_OPTIONS', 'option onMessage'],
    ];
    for (const [call, code, argument] of cases) {
      const error = await expectCode(call(), code);
      expect(error.details).toStrictEqual({ argument });
      expect(error.message).toContain(`The backup ${argument} must be a function or null`);
    }
  });

  it('for a target inside the database: the resolved path and the directory', async () => {
    const inside = join(dir.path, 'db');
    const error = await expectCode(db.backup(join(inside, 'sub', '..', 'x.zip')), 'ERR_BACKUP_TARGET_INSIDE_DATABASE');
    expect(error.details).toStrictEqual({ path: join(inside, 'x.zip'), directory: inside });
    expect(error.message).toBe(`The backup target ${join(inside, 'x.zip')} lies inside the database directory ${inside}`);
  });
});

describe('options objects and the stall timeout bound', () => {
  it('accepts options without a prototype', async () => {
    const options = Object.assign(Object.create(null) as Record<string, unknown>, { mode: 'snapshot' });
    await db.backup(target('null-prototype.zip'), options, null, null);
    expect(await namesIn(dir.path)).toContain('null-prototype.zip');
  });

  it('accepts the longest timer, 2^31 - 1 ms, and refuses one more', async () => {
    await db.backup(target('longest.zip'), { stallTimeoutMs: 2 ** 31 - 1 }, null, null);
    await expectCode(db.backup(target('longer.zip'), { stallTimeoutMs: 2 ** 31 }, null, null), 'ERR_INVALID_OPTIONS');
  });
});
