import assert from 'node:assert/strict';
import type { JsonObject, RecordData } from '../../adapter.js';
import { scenario } from '../../scenario.js';
import { ridParts } from './support.js';

export default scenario({
  id: 'storage/insert-rids-and-versions',
  title: 'inserts resolve version 1, the content, and RIDs whose cluster is fixed per class and whose positions count up from 0',
  requirements: ['STORAGE-013'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Person');
    await db.createClass('Order');
    const plan: Array<[string, JsonObject]> = [
      ['Person', { name: 'Ada' }],
      ['Order', { total: 1 }],
      ['Person', { name: 'Bob', nested: { list: [1, 'two', null] } }],
      ['Person', {}],
      ['Order', { total: 2 }],
      ['Person', { name: 'Cyd' }],
    ];
    const inserted: Array<[string, RecordData]> = [];
    for (const [className, content] of plan) {
      const record = await db.insert(className, content);
      assert.equal(record.version, 1, `${record.rid} has version 1`);
      assert.deepEqual(record.content, content, `${record.rid} resolves the content given`);
      inserted.push([className, record]);
    }
    for (const className of ['Person', 'Order']) {
      const parts = inserted.filter(([name]) => name === className).map(([, record]) => ridParts(record.rid));
      assert.equal(new Set(parts.map((p) => p.clusterId)).size, 1, `every ${className} record has the same cluster id`);
      assert.deepEqual(parts.map((p) => p.position), parts.map((_, i) => i), `${className} positions are 0, 1, 2, ...`);
    }
    const clusterOf = (className: string): number => ridParts(inserted.find(([name]) => name === className)![1].rid).clusterId;
    assert.notEqual(clusterOf('Person'), clusterOf('Order'), 'two classes have different cluster ids');
  },
});
