import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/engine/canonical-json.js';
import { PAGE_SIZE } from '../../src/engine/constants.js';
import { type CachedPage, PageCache, pageKey } from '../../src/engine/page-cache.js';
import { ReadWriteLock } from '../../src/engine/read-write-lock.js';
import { WriteGate } from '../../src/engine/write-gate.js';
import { TRANSIENT_FILE_PATTERNS, isTransientFile, parseRid } from '../../src/engine/index.js';
import { expectCode, tick } from './_helpers.js';

describe('ReadWriteLock', () => {
  it('shares among readers, excludes a writer, and lets no reader overtake a waiting writer', async () => {
    const lock = new ReadWriteLock();
    const events: string[] = [];
    await lock.shared();
    await lock.shared();
    const writer = lock.exclusive().then(() => events.push('writer'));
    const lateReader = lock.shared().then(() => events.push('late reader'));
    await tick();
    expect(events).toEqual([]);
    lock.releaseShared();
    await tick();
    expect(events).toEqual([]);
    lock.releaseShared();
    await writer;
    await tick();
    expect(events).toEqual(['writer']);
    lock.releaseExclusive();
    await lateReader;
    expect(events).toEqual(['writer', 'late reader']);
    lock.releaseShared();
    expect(lock.tryExclusive()).toBe(true);
    expect(lock.tryShared()).toBe(false);
    lock.releaseExclusive();
  });

  it('releases the hold when the guarded action throws', async () => {
    const lock = new ReadWriteLock();
    await expect(lock.withExclusive(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(lock.tryExclusive()).toBe(true);
  });
});

describe('WriteGate', () => {
  it('counts active writes and resolves idle() when they end', async () => {
    const gate = new WriteGate();
    const owner = {};
    expect(gate.enter(owner)).toBeUndefined();
    let idle = false;
    const waiting = gate.idle().then(() => (idle = true));
    await tick();
    expect(idle).toBe(false);
    gate.leave();
    await waiting;
    expect(gate.activeWrites).toBe(0);
  });

  it('holds writers for engine holds without counting them as freezes', async () => {
    const gate = new WriteGate();
    gate.hold();
    const entered = gate.enter({});
    expect(entered).toBeInstanceOf(Promise);
    await expectCode(() => gate.release(), 'ERR_NOT_FROZEN');
    gate.unhold();
    await entered;
    expect(gate.activeWrites).toBe(1);
  });
});

describe('PageCache', () => {
  const page = (fileId: number, index: number, dirty = false): CachedPage => ({
    key: pageKey(fileId, index),
    fileId,
    index,
    buffer: Buffer.alloc(PAGE_SIZE),
    dirty,
    needsLog: false,
    logGroup: 0,
    opEpoch: -1,
    referenced: false,
  });

  it('evicts in second-chance order and never drops dirty pages', () => {
    const cache = new PageCache(3);
    const pages = [page(2, 0), page(2, 1, true), page(2, 2), page(3, 0), page(3, 1)];
    for (const p of pages) cache.add(p);
    cache.get(2, 0); // used: gets a second chance
    cache.dropClean(-1);
    expect(cache.size).toBe(3);
    expect(cache.peek(2, 0)).toBe(pages[0]);
    expect(cache.peek(2, 1)).toBe(pages[1]);
    expect(cache.peek(2, 2)).toBeUndefined();
    expect(cache.peek(3, 0)).toBeUndefined();
    expect(cache.peek(3, 1)).toBe(pages[4]);
  });

  it('keeps the pages of the running operation', () => {
    const cache = new PageCache(1);
    const busy = { ...page(1, 0), opEpoch: 7 };
    cache.add(busy);
    cache.add(page(1, 1));
    cache.dropClean(7);
    expect(cache.peek(1, 0)).toBe(busy);
  });
});

describe('canonical JSON', () => {
  it('sorts keys by UTF-16 code units at every depth and writes no whitespace', () => {
    expect(canonicalJson({ é: 1, a: [{ z: 1, B: 2 }], B: { y: null, x: 'x' } })).toBe('{"B":{"x":"x","y":null},"a":[{"B":2,"z":1}],"é":1}');
    // Code-unit order, not code-point order: U+1F600 is stored as D83D DE00, which sorts before U+E000.
    expect(canonicalJson({ '\uE000': 1, '😀': 2 })).toBe('{"😀":2,"\uE000":1}');
  });

  it('writes numbers and strings as JSON.stringify does', () => {
    expect(canonicalJson({ n: -0, big: 1e21, small: 0.1, s: 'line\nbreak\u0001"\\', lone: '\ud800' })).toBe(
      '{"big":1e+21,"lone":"\\ud800","n":0,"s":"line\\nbreak\\u0001\\"\\\\","small":0.1}',
    );
  });
});

describe('small helpers', () => {
  it('parses record ids', async () => {
    expect(parseRid('#12:0')).toEqual({ clusterId: 12, position: 0 });
    await expectCode(() => parseRid('#12:'), 'ERR_INVALID_RID');
  });

  it('names the transient files backups must skip', () => {
    expect(TRANSIENT_FILE_PATTERNS).toEqual(['database.lock', '*.tmp']);
    for (const name of ['database.lock', 'database.ocf.tmp', 'snapshot-1.cow.tmp']) expect(isTransientFile(name)).toBe(true);
    for (const name of ['database.ocf', 'database.wal', 'person.pcl', 'person.cpm', 'tmp']) expect(isTransientFile(name)).toBe(false);
  });
});
