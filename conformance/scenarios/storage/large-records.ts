import assert from 'node:assert/strict';
import type { RecordData } from '../../adapter.js';
import { scenario } from '../../scenario.js';
import { contentOfSize, jsonBytes, parseDump, sortedByRid } from './support.js';

export default scenario({
  id: 'storage/large-records',
  title: 'records of 100 KiB and 1 MiB of JSON are inserted, loaded, updated, scanned and dumped exactly',
  requirements: ['STORAGE-018'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Blob');
    const medium = contentOfSize(100 * 1024, 1);
    const large = contentOfSize(1024 * 1024, 2);
    assert.ok(jsonBytes(medium) >= 100 * 1024 && jsonBytes(large) >= 1024 * 1024);
    const small = await db.insert('Blob', { before: true });
    const a = await db.insert('Blob', medium);
    const b = await db.insert('Blob', large);
    const after = await db.insert('Blob', { after: true });
    assert.deepEqual(a.content, medium);
    assert.deepEqual(b.content, large);
    assert.deepEqual(await db.load(a.rid), a, 'the 100 KiB record loads exactly');
    assert.deepEqual(await db.load(b.rid), b, 'the 1 MiB record loads exactly');

    const aLarge = contentOfSize(1024 * 1024, 3);
    const bMedium = contentOfSize(100 * 1024, 4);
    assert.deepEqual((await db.update(a.rid, aLarge)).content, aLarge);
    assert.deepEqual((await db.update(b.rid, bMedium)).content, bMedium);
    assert.deepEqual((await db.load(a.rid)).content, aLarge, 'the record grown to 1 MiB loads exactly');
    assert.deepEqual((await db.load(b.rid)).content, bMedium, 'the record shrunk to 100 KiB loads exactly');
    // Versions are STORAGE-015's, orders STORAGE-017's and STORAGE-022's: compare RIDs and contents.
    const contents = (records: readonly RecordData[]) => sortedByRid(records).map(({ rid, content }) => ({ rid, content }));
    const expected = contents([small, { ...a, content: aLarge }, { ...b, content: bMedium }, after]);
    assert.deepEqual(contents(await db.scan('Blob')), expected, 'the scan holds the large records exactly');
    const dumped = parseDump(await db.dump()).classes.find((c) => c.name === 'Blob');
    assert.deepEqual(contents(dumped?.records ?? []), expected, 'the dump holds the large records exactly');
  },
});
