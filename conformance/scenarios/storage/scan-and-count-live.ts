import assert from 'node:assert/strict';
import type { RecordData } from '../../adapter.js';
import { scenario } from '../../scenario.js';
import { insertMany, ridParts } from './support.js';

const byPosition = (a: RecordData, b: RecordData): number => ridParts(a.rid).position - ridParts(b.rid).position;

export default scenario({
  id: 'storage/scan-and-count-live',
  title: 'scan resolves every live record once in RID order, and count their number, across 1,500 records with deletes and updates',
  requirements: ['STORAGE-017'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    await db.createClass('Other');
    const records = (await insertMany((c, content) => db.insert(c, content), 'Item', 1500, (n) => ({ n })))
      .sort(byPosition);
    const other = await db.insert('Other', { elsewhere: true });
    const live = new Map(records.map((record) => [record.rid, record]));
    for (const index of [0, 1, 2, 499, 998, 999, 1000, 1001, 1200, 1499]) {
      await db.delete(records[index]!.rid);
      live.delete(records[index]!.rid);
    }
    for (const index of [3, 997, 1002]) {
      const { rid } = records[index]!;
      const content = { n: index, updated: true };
      await db.update(rid, content);
      // The version is STORAGE-015's to judge; the scan must agree with load.
      live.set(rid, { rid, version: (await db.load(rid)).version, content });
    }
    const expected = [...live.values()].sort(byPosition);
    const scanned = await db.scan('Item');
    assert.equal(scanned.length, expected.length, 'the scan resolves every live record once');
    assert.deepEqual(scanned, expected, 'the scan resolves the live records in RID order');
    assert.equal(await db.count('Item'), expected.length);
    assert.equal(await db.count('Other'), 1);
    assert.deepEqual(await db.scan('Other'), [other], 'the other class holds only its record');
  },
});
