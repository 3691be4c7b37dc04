import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/class-names-case-insensitive',
  title: 'a class whose name equals an existing one without regard to case is refused with ERR_CLASS_EXISTS',
  requirements: ['STORAGE-012'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    await db.insert('Item', { n: 1 });
    const before = await db.dump();
    for (const name of ['Item', 'item', 'ITEM', 'iTeM']) {
      await expectCode(db.createClass(name), 'ERR_CLASS_EXISTS', `createClass(${name})`);
    }
    assert.equal(await db.dump(), before, 'the refused creations changed nothing');
    await db.createClass('Items');
    assert.equal(await db.count('Items'), 0, 'a different name is a different class');
  },
});
