import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/update-bumps-version',
  title: 'each update keeps the RID, replaces the content and adds one to the version',
  requirements: ['STORAGE-015'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    const record = await db.insert('Item', { n: 0, keep: 'dropped by the update' });
    for (let n = 1; n <= 3; n++) {
      const updated = await db.update(record.rid, { n });
      assert.deepEqual(updated, { rid: record.rid, version: n + 1, content: { n } }, `update ${n}`);
      assert.deepEqual(await db.load(record.rid), updated, `load after update ${n}`);
    }
    const same = await db.update(record.rid, { n: 3 });
    assert.equal(same.version, 5, 'an update with unchanged content still adds one');
  },
});
