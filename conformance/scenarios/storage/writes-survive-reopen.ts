import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { contentOfSize, insertMany } from './support.js';

export default scenario({
  id: 'storage/writes-survive-reopen',
  title: 'after every connection is closed, opening the database again gives the dump it had when the last write resolved',
  requirements: ['STORAGE-023'],
  async run(ctx) {
    const url = ctx.urlOf('db');
    const a = await ctx.newDatabase('db');
    const b = await ctx.impl.openDatabase(url, 'admin', 'admin');
    await a.createClass('Item');
    await b.createClass('Blob');
    const records = await insertMany((c, content) => a.insert(c, content), 'Item', 60, (n) => ({ n }), 30);
    const blob = await b.insert('Blob', contentOfSize(200 * 1024, 11));
    await b.update(records[5]!.rid, { n: 5, changed: true });
    await a.delete(records[7]!.rid);
    await a.update(blob.rid, contentOfSize(50 * 1024, 12));
    if (ctx.impl.supports.includes('permissions')) await b.createUser('rita', 'r-pass', 'reader');
    await Promise.all([a.insert('Item', { last: 'a' }), b.insert('Item', { last: 'b' }), b.update(records[9]!.rid, { n: 9, last: true })]);
    const acknowledged = await a.dump();
    await b.close();
    await a.close();

    const c = await ctx.impl.openDatabase(url, 'admin', 'admin');
    assert.equal(await c.dump(), acknowledged, 'the reopened database holds every acknowledged write');
    await c.update(records[0]!.rid, { n: 0, after: 'reopen' });
    await c.delete(records[1]!.rid);
    const again = await c.dump();
    await c.close();
    const d = await ctx.impl.openDatabase(url, 'admin', 'admin');
    assert.equal(await d.dump(), again, 'writes made after a reopen survive the next one');
  },
});
