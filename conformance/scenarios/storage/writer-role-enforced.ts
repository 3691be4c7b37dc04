import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { usersOf } from './support.js';

export default scenario({
  id: 'storage/writer-role-enforced',
  title: 'a writer may read, write and create classes, and is refused creating users with ERR_PERMISSION_DENIED',
  requirements: ['STORAGE-011'],
  features: ['permissions'],
  async run(ctx) {
    const admin = await ctx.newDatabase('db');
    await admin.createClass('Item');
    const first = await admin.insert('Item', { n: 1 });
    await admin.createUser('wendy', 'w-pass', 'writer');

    const writer = await ctx.impl.openDatabase(ctx.urlOf('db'), 'wendy', 'w-pass');
    assert.deepEqual(await writer.load(first.rid), first);
    assert.deepEqual(await writer.scan('Item'), [first]);
    assert.equal(await writer.count('Item'), 1);
    const second = await writer.insert('Item', { n: 2 });
    await writer.update(first.rid, { n: 10 });
    await writer.delete(second.rid);
    await writer.createClass('Note');
    await writer.insert('Note', { text: 'by wendy' });
    assert.equal(await writer.dump(), await admin.dump(), 'the writer\'s changes are the database\'s');

    const before = await admin.dump();
    await expectCode(writer.createUser('mallory', 'm-pass', 'reader'), 'ERR_PERMISSION_DENIED', 'writer createUser');
    assert.equal(await admin.dump(), before, 'the refused creation changed nothing');
    assert.ok(!usersOf(await admin.dump()).some((user) => user.startsWith('mallory:')), 'no user mallory');
    await expectCode(ctx.impl.openDatabase(ctx.urlOf('db'), 'mallory', 'm-pass'), 'ERR_AUTH', 'the refused user cannot log in');
  },
});
