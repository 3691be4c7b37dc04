import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { sortedByRid } from './support.js';

export default scenario({
  id: 'storage/delete-removes-record',
  title: 'after delete the RID loads ERR_RECORD_NOT_FOUND, the count is one less and the scan leaves it out',
  requirements: ['STORAGE-016'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    const records = [];
    for (let n = 0; n < 4; n++) records.push(await db.insert('Item', { n }));
    await db.delete(records[1]!.rid);
    await expectCode(db.load(records[1]!.rid), 'ERR_RECORD_NOT_FOUND', 'load the deleted record');
    assert.equal(await db.count('Item'), 3);
    assert.deepEqual(sortedByRid(await db.scan('Item')), [records[0], records[2], records[3]], 'the scan leaves the deleted record out');
    await db.delete(records[0]!.rid);
    await db.delete(records[3]!.rid);
    assert.equal(await db.count('Item'), 1);
    assert.deepEqual(await db.load(records[2]!.rid), records[2], 'the other records are untouched');
  },
});
