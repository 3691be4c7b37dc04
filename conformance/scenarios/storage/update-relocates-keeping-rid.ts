import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { contentOfSize, sortedByRid } from './support.js';

export default scenario({
  id: 'storage/update-relocates-keeping-rid',
  title: 'an update to a much larger (and back to a small) content keeps the RID and its neighbours',
  requirements: ['STORAGE-015'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    const records = [];
    for (let n = 0; n < 5; n++) records.push(await db.insert('Item', { n }));
    const target = records[2]!;
    const large = contentOfSize(120 * 1024, 7);
    const grown = await db.update(target.rid, large);
    assert.deepEqual(grown, { rid: target.rid, version: 2, content: large });
    const small = { n: 2, small: true };
    const shrunk = await db.update(target.rid, small);
    assert.deepEqual(shrunk, { rid: target.rid, version: 3, content: small });
    const expected = [records[0], records[1], shrunk, records[3], records[4]];
    assert.deepEqual(sortedByRid(await db.scan('Item')), expected, 'the scan shows the record at its RID');
    const regrown = await db.update(target.rid, large);
    assert.deepEqual(regrown, { rid: target.rid, version: 4, content: large });
    assert.deepEqual(await db.load(target.rid), regrown);
    assert.equal(await db.count('Item'), 5);
  },
});
