import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { Database, PAGE_SIZE, pageLsn, type StorageSnapshot } from '../../src/engine/index.js';
import { PageLsnIndex } from '../../src/engine/page-lsn-index.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, countingFileSystem, documentOfSize } from './_helpers.js';

/**
 * Incremental backups ask a snapshot for the pages newer than the chain's last LSN; the engine
 * answers from an in-memory index of page LSNs instead of reading every page (issue 9). These
 * tests hold it to the brute-force answer: read the whole file as of the snapshot and compare
 * each page's LSN. Seeds replay with FC_SEED=<seed>.
 */

const runs = (index: PageLsnIndex, count: number, lsn: number, maxRun: number) => [...index.candidates(count, lsn, maxRun)];

describe('PageLsnIndex', () => {
  it('names the pages whose bound is above the LSN, as runs of at most maxRun pages', () => {
    const index = new PageLsnIndex(true);
    for (const [page, lsn] of [[0, 5], [1, 9], [2, 9], [3, 9], [4, 2], [7, 12], [8, 1]] as const) index.note(page, lsn);
    expect(runs(index, 100, 4, 64)).toEqual([{ first: 0, count: 4 }, { first: 7, count: 1 }]);
    expect(runs(index, 100, 4, 2)).toEqual([{ first: 0, count: 2 }, { first: 2, count: 2 }, { first: 7, count: 1 }]);
    expect(runs(index, 3, 4, 64)).toEqual([{ first: 0, count: 3 }]);
    expect(runs(index, 100, 12, 64)).toEqual([]);
  });

  it('keeps the highest LSN noted for a page (a rolled-back change leaves it high)', () => {
    const index = new PageLsnIndex(false);
    index.note(3, 10);
    index.note(3, 4);
    expect(runs(index, 10, 9, 64)).toEqual([{ first: 3, count: 1 }]);
    expect(index.complete).toBe(false);
  });
});

/** Brute force: the pages of `name` in `snapshot` whose LSN is above `lsn`. */
async function newerByReading(snapshot: StorageSnapshot, name: string, lsn: number): Promise<number[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of snapshot.readFile(name, 64 * 1024)) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const pages: number[] = [];
  for (let page = 0; page * PAGE_SIZE < bytes.length; page++) {
    if (pageLsn(bytes.subarray(page * PAGE_SIZE, (page + 1) * PAGE_SIZE)) > lsn) pages.push(page);
  }
  return pages;
}

async function newerByIndex(snapshot: StorageSnapshot, name: string, lsn: number): Promise<number[]> {
  const pages: number[] = [];
  for await (const page of snapshot.pagesNewerThan(name, lsn)) pages.push(page.pageIndex);
  return pages;
}

type Step =
  | { readonly kind: 'insert'; readonly size: number }
  | { readonly kind: 'update'; readonly pick: number; readonly size: number }
  | { readonly kind: 'delete'; readonly pick: number }
  | { readonly kind: 'reopen' }
  | { readonly kind: 'check'; readonly writesDuring: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('insert' as const), size: fc.oneof(fc.integer({ min: 10, max: 2000 }), fc.integer({ min: 8000, max: 30_000 })) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('update' as const), pick: fc.nat(), size: fc.integer({ min: 10, max: 12_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('check' as const), writesDuring: fc.integer({ min: 0, max: 3 }) }) },
);

describe('pagesNewerThan with the LSN index', () => {
  fcTest.prop({ steps: fc.array(step, { minLength: 1, maxLength: 30 }) }, { numRuns: 25, ...(process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) }) })(
    'gives exactly the pages a full read finds, across writes during snapshots and reopens',
    async ({ steps }) => {
      const fs = new MemoryFileSystem();
      const url = 'plocal:/lsn-index';
      let db = await Database.create(url, { fs, ...FAST, pageCacheBytes: 16 * PAGE_SIZE, durability: 'batch' });
      await db.createClass('Item');
      const rids: string[] = [];
      const lsns: number[] = [0];
      for (const [n, current] of steps.entries()) {
        if (current.kind === 'insert') rids.push((await db.insert('Item', documentOfSize(current.size, n))).rid);
        else if (current.kind === 'update' && rids.length > 0) await db.update(rids[current.pick % rids.length]!, documentOfSize(current.size, n));
        else if (current.kind === 'delete' && rids.length > 0) await db.delete(rids.splice(current.pick % rids.length, 1)[0]!);
        else if (current.kind === 'reopen') {
          await db.close();
          db = await Database.open(url, 'admin', 'admin', { fs, ...FAST, pageCacheBytes: 16 * PAGE_SIZE, durability: 'batch' });
        } else if (current.kind === 'check') {
          const snapshot = await db.storage.beginSnapshot({ mode: 'snapshot' });
          try {
            // Writers go on while the snapshot is read: the index runs ahead of the snapshot.
            for (let i = 0; i < current.writesDuring; i++) rids.push((await db.insert('Item', documentOfSize(3000, 1000 + i))).rid);
            await db.flush();
            await db.storage.checkpoint();
            for (const name of ['item.pcl', 'item.cpm']) {
              for (const lsn of [...new Set([...lsns, snapshot.lsn - 1, snapshot.lsn])]) {
                expect(await newerByIndex(snapshot, name, lsn), `${name} newer than ${lsn}`).toEqual(await newerByReading(snapshot, name, lsn));
              }
            }
            lsns.push(snapshot.lsn);
          } finally {
            await snapshot.release();
          }
        }
      }
      const snapshot = await db.storage.beginSnapshot({ mode: 'freeze' });
      try {
        for (const lsn of lsns) expect(await newerByIndex(snapshot, 'item.pcl', lsn)).toEqual(await newerByReading(snapshot, 'item.pcl', lsn));
      } finally {
        await snapshot.release();
      }
      await db.close();
    },
  );

  it('reads only the changed pages once the index is complete, and every page before that', async () => {
    const { fs, counts } = countingFileSystem(new MemoryFileSystem());
    const db = await Database.create('plocal:/lsn-reads', { fs, ...FAST, durability: 'batch' });
    await db.createClass('Item');
    const rids: string[] = [];
    for (let i = 0; i < 400; i++) rids.push((await db.insert('Item', documentOfSize(2000, i))).rid);
    await db.close();
    // Reopened: the pages on disk are unknown to the index until one scan reads them all.
    const reopened = await Database.open('plocal:/lsn-reads', 'admin', 'admin', { fs, ...FAST });
    const readsDuring = async (snapshot: StorageSnapshot, lsn: number): Promise<{ reads: number; pages: number }> => {
      counts.clear();
      let pages = 0;
      for await (const page of snapshot.pagesNewerThan('item.pcl', lsn)) {
        expect(page.lsn).toBeGreaterThan(lsn);
        pages++;
      }
      return { reads: counts.get('read') ?? 0, pages };
    };
    const first = await reopened.storage.beginSnapshot({ mode: 'snapshot' });
    const filePages = first.files.find((file) => file.name === 'item.pcl')!.size / PAGE_SIZE;
    const scan = await readsDuring(first, first.lsn);
    expect(scan).toEqual({ reads: Math.ceil(filePages / 64), pages: 0 });
    const base = first.lsn;
    await first.release();
    await reopened.update(rids[200]!, documentOfSize(2000, 7));
    const next = await reopened.storage.beginSnapshot({ mode: 'snapshot' });
    const changed = await readsDuring(next, base);
    expect(changed.pages).toBeGreaterThanOrEqual(1);
    expect(changed.reads).toBeLessThanOrEqual(changed.pages);
    await next.release();
    await reopened.close();
  });
});
