import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { ridParts } from './support.js';

export default scenario({
  id: 'storage/update-missing-refused',
  title: 'updating a record that does not exist (never did, or was deleted) is refused with ERR_RECORD_NOT_FOUND',
  requirements: ['STORAGE-015'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    const kept = await db.insert('Item', { n: 0 });
    const gone = await db.insert('Item', { n: 1 });
    await db.delete(gone.rid);
    const before = await db.dump();
    const { clusterId } = ridParts(kept.rid);
    await expectCode(db.update(gone.rid, { n: 9 }), 'ERR_RECORD_NOT_FOUND', 'a deleted record');
    await expectCode(db.update(`#${clusterId}:50`, { n: 9 }), 'ERR_RECORD_NOT_FOUND', 'a position never used');
    await expectCode(db.update(`#${clusterId + 1000}:0`, { n: 9 }), 'ERR_RECORD_NOT_FOUND', 'a cluster no class has');
    assert.equal(await db.dump(), before, 'the refused updates changed nothing');
  },
});
