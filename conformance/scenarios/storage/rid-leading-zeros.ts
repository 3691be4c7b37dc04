import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { ridParts } from './support.js';

export default scenario({
  id: 'storage/rid-leading-zeros',
  title: 'a RID written with leading zeros names the same record, and load and update resolve its canonical RID',
  requirements: ['STORAGE-014'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    await db.insert('Item', { n: 0 });
    const record = await db.insert('Item', { n: 1 });
    const { clusterId, position } = ridParts(record.rid);
    const padded = `#00${clusterId}:00${position}`;
    assert.deepEqual(await db.load(padded), record, `load(${padded}) resolves ${record.rid}`);
    const content = { n: 1, again: true };
    const updated = await db.update(padded, content);
    assert.equal(updated.rid, record.rid, `update(${padded}) resolves the canonical RID`);
    assert.deepEqual((await db.load(record.rid)).content, content, `update(${padded}) changed ${record.rid}`);
  },
});
