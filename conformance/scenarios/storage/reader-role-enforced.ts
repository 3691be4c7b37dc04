import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/reader-role-enforced',
  title: 'a reader may load, scan, count and dump, and is refused every write with ERR_PERMISSION_DENIED',
  requirements: ['STORAGE-011'],
  features: ['permissions'],
  async run(ctx) {
    const admin = await ctx.newDatabase('db');
    await admin.createClass('Item');
    const item = await admin.insert('Item', { n: 1 });
    await admin.createUser('rita', 'r-pass', 'reader');
    const before = await admin.dump();

    const reader = await ctx.impl.openDatabase(ctx.urlOf('db'), 'rita', 'r-pass');
    assert.deepEqual(await reader.load(item.rid), item);
    assert.deepEqual(await reader.scan('Item'), [item]);
    assert.equal(await reader.count('Item'), 1);
    assert.equal(await reader.dump(), before);

    const denied = 'ERR_PERMISSION_DENIED';
    await expectCode(reader.insert('Item', { n: 2 }), denied, 'reader insert');
    await expectCode(reader.update(item.rid, { n: 9 }), denied, 'reader update');
    await expectCode(reader.delete(item.rid), denied, 'reader delete');
    await expectCode(reader.createClass('Other'), denied, 'reader createClass');
    await expectCode(reader.createUser('mallory', 'm-pass', 'admin'), denied, 'reader createUser');
    assert.equal(await admin.dump(), before, 'the refused operations changed nothing');
    assert.equal(await reader.count('Item'), 1, 'the reader\'s connection is still usable');
  },
});
