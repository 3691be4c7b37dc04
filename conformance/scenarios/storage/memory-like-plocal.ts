import assert from 'node:assert/strict';
import type { Connection, JsonObject } from '../../adapter.js';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { uniqueMemoryUrl } from './support.js';

/** Runs the same record operations on a connection and returns every observation, in order. */
async function play(db: Connection): Promise<unknown[]> {
  const seen: unknown[] = [];
  await db.createClass('Person');
  await db.createClass('Order');
  const ada = await db.insert('Person', { name: 'Ada', tags: ['math'] });
  const bob = await db.insert('Person', { name: 'Bob' });
  const order = await db.insert('Order', { total: 12.5, lines: [{ sku: 'a', qty: 2 }] });
  const cyd = await db.insert('Person', { name: 'Cyd' });
  seen.push(ada, bob, order, cyd);
  seen.push(await db.update(bob.rid, { name: 'Bob', age: 41 }));
  seen.push(await db.update(bob.rid, { name: 'Bob', bio: 'x'.repeat(20_000) }));
  await db.delete(ada.rid);
  seen.push(await db.insert('Person', { name: 'Dee' }));
  seen.push(await db.load(bob.rid), await db.load(order.rid));
  seen.push(await db.scan('Person'), await db.count('Person'), await db.count('Order'));
  await expectCode(db.load(ada.rid), 'ERR_RECORD_NOT_FOUND', `${db.url}: load a deleted record`);
  seen.push(await db.dump());
  return seen;
}

export default scenario({
  id: 'storage/memory-like-plocal',
  title: 'a memory: database gives the same RIDs, versions, scans, counts and dump as a plocal one for the same operations',
  requirements: ['STORAGE-009'],
  features: ['memory-storage'],
  async run(ctx) {
    const url = uniqueMemoryUrl(ctx, 'mem');
    const memory = await ctx.impl.createDatabase(url);
    const onMemory = await play(memory);
    const onDisk = await play(await ctx.newDatabase('disk'));
    assert.deepEqual(onMemory, onDisk, 'every observation on the memory database equals the one on the plocal database');

    const second = await ctx.impl.openDatabase(url, 'admin', 'admin');
    const note: JsonObject = { from: 'second connection' };
    const written = await second.insert('Order', note);
    assert.deepEqual(await memory.load(written.rid), written, 'a second connection to the memory database shares its records');
    assert.equal(await memory.dump(), await second.dump());
  },
});
