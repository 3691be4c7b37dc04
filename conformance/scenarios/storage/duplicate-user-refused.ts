import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/duplicate-user-refused',
  title: 'a second user with an existing name is refused with ERR_USER_EXISTS and changes nothing',
  requirements: ['STORAGE-010'],
  features: ['permissions'],
  async run(ctx) {
    const url = ctx.urlOf('db');
    const admin = await ctx.newDatabase('db');
    await admin.createUser('wendy', 'first', 'writer');
    const before = await admin.dump();
    await expectCode(admin.createUser('wendy', 'second', 'reader'), 'ERR_USER_EXISTS', 'the same name again');
    await expectCode(admin.createUser('admin', 'other', 'admin'), 'ERR_USER_EXISTS', 'the creating admin\'s name');
    assert.equal(await admin.dump(), before, 'the refused creations changed nothing');
    await (await ctx.impl.openDatabase(url, 'wendy', 'first')).close();
    await expectCode(ctx.impl.openDatabase(url, 'wendy', 'second'), 'ERR_AUTH', 'the refused password was not stored');
  },
});
