import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { ridParts } from './support.js';

export default scenario({
  id: 'storage/deleted-positions-not-reused',
  title: 'no insert gets the RID of a deleted record, also after every record was deleted and the database reopened',
  requirements: ['STORAGE-016'],
  async run(ctx) {
    const db = await ctx.newDatabase('db');
    await db.createClass('Item');
    const deleted = new Set<string>();
    const first = await db.insert('Item', { n: 0 });
    const last = await db.insert('Item', { n: 1 });
    await db.delete(last.rid);
    deleted.add(last.rid);
    const afterLast = await db.insert('Item', { n: 2 });
    assert.ok(!deleted.has(afterLast.rid), `${afterLast.rid} reuses the deleted last record's RID`);
    await db.delete(first.rid);
    await db.delete(afterLast.rid);
    deleted.add(first.rid).add(afterLast.rid);
    const afterAll = await db.insert('Item', { n: 3 });
    assert.ok(!deleted.has(afterAll.rid), `${afterAll.rid} reuses a RID after every record was deleted`);
    await db.delete(afterAll.rid);
    deleted.add(afterAll.rid);
    await db.close();

    const reopened = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    const afterReopen = await reopened.insert('Item', { n: 4 });
    assert.ok(!deleted.has(afterReopen.rid), `${afterReopen.rid} reuses a deleted RID after a reopen`);
    const highest = Math.max(...[...deleted].map((rid) => ridParts(rid).position));
    assert.equal(ridParts(afterReopen.rid).position, highest + 1, 'the position follows the previous insert\'s');
    for (const rid of deleted) await expectCode(reopened.load(rid), 'ERR_RECORD_NOT_FOUND', `load ${rid}`);
  },
});
