import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { parseDump } from './support.js';

export default scenario({
  id: 'storage/class-created-empty',
  title: 'createClass makes an empty class: count 0, an empty scan, and a dump entry without records',
  requirements: ['STORAGE-012'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    assert.deepEqual(parseDump(await db.dump()).classes, [], 'a new database has no classes');
    await db.createClass('Empty');
    assert.equal(await db.count('Empty'), 0);
    assert.deepEqual(await db.scan('Empty'), []);
    assert.deepEqual(parseDump(await db.dump()).classes, [{ name: 'Empty', records: [] }]);
  },
});
