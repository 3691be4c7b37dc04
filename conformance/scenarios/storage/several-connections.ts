import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/several-connections',
  title: 'connections from createDatabase and openDatabase work at once, see each other\'s writes, and outlive each other',
  requirements: ['STORAGE-019'],
  async run(ctx) {
    const url = ctx.urlOf('db');
    const a = await ctx.newDatabase('db');
    const b = await ctx.impl.openDatabase(url, 'admin', 'admin');
    const c = await ctx.impl.openDatabase(url, 'admin', 'admin');

    await a.createClass('Item');
    const fromA = await a.insert('Item', { by: 'a' });
    assert.deepEqual(await b.load(fromA.rid), fromA, 'b reads a\'s insert');
    assert.deepEqual(await c.load(fromA.rid), fromA, 'c reads a\'s insert');
    await b.update(fromA.rid, { by: 'b' });
    assert.deepEqual((await a.load(fromA.rid)).content, { by: 'b' }, 'a reads b\'s update');
    assert.deepEqual(await a.load(fromA.rid), await c.load(fromA.rid), 'a and c read the same record');
    await b.createClass('Note');
    const note = await c.insert('Note', { by: 'c' });
    assert.deepEqual(await a.scan('Note'), [note], 'a sees the class b created and c\'s insert');

    const together = await Promise.all([a.insert('Item', { n: 1 }), b.insert('Item', { n: 2 }), c.insert('Item', { n: 3 })]);
    assert.equal(new Set(together.map((r) => r.rid)).size, 3, 'concurrent inserts on three connections get three RIDs');

    await b.close();
    assert.equal(await a.count('Item'), 4, 'a is usable after b closed');
    const late = await c.insert('Item', { n: 4 });
    assert.deepEqual(await a.load(late.rid), late, 'c is usable after b closed');
    await a.close();
    assert.equal(await c.count('Item'), 5, 'c is usable after the creating connection closed');
    const d = await ctx.impl.openDatabase(url, 'admin', 'admin');
    assert.equal(await d.dump(), await c.dump(), 'a connection opened after others closed sees the same database');
  },
});
