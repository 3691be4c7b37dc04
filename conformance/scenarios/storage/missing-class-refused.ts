import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/missing-class-refused',
  title: 'insert, scan and count of a class that does not exist are refused with ERR_CLASS_NOT_FOUND',
  requirements: ['STORAGE-012', 'STORAGE-017'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    const before = await db.dump();
    await expectCode(db.insert('Nope', { n: 1 }), 'ERR_CLASS_NOT_FOUND', 'insert');
    await expectCode(db.scan('Nope'), 'ERR_CLASS_NOT_FOUND', 'scan');
    await expectCode(db.count('Nope'), 'ERR_CLASS_NOT_FOUND', 'count');
    assert.equal(await db.dump(), before, 'the refused insert created nothing');
  },
});
