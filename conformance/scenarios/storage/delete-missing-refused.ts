import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { ridParts } from './support.js';

export default scenario({
  id: 'storage/delete-missing-refused',
  title: 'deleting a record that does not exist (twice, never, no such cluster) is refused with ERR_RECORD_NOT_FOUND',
  requirements: ['STORAGE-016'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    const kept = await db.insert('Item', { n: 0 });
    const gone = await db.insert('Item', { n: 1 });
    await db.delete(gone.rid);
    const before = await db.dump();
    const { clusterId } = ridParts(kept.rid);
    await expectCode(db.delete(gone.rid), 'ERR_RECORD_NOT_FOUND', 'deleting twice');
    await expectCode(db.delete(`#${clusterId}:50`), 'ERR_RECORD_NOT_FOUND', 'a position never used');
    await expectCode(db.delete(`#${clusterId + 1000}:0`), 'ERR_RECORD_NOT_FOUND', 'a cluster no class has');
    assert.equal(await db.dump(), before, 'the refused deletes changed nothing');
  },
});
