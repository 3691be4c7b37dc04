import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/wrong-credentials',
  title: 'openDatabase with a wrong password or an unknown user is refused with ERR_AUTH',
  requirements: ['STORAGE-006'],
  async run(ctx) {
    const url = ctx.urlOf('db');
    const db = await ctx.newDatabase('db');
    await expectCode(ctx.impl.openDatabase(url, 'admin', 'wrong'), 'ERR_AUTH', 'wrong password');
    await expectCode(ctx.impl.openDatabase(url, 'admin', 'Admin'), 'ERR_AUTH', 'password differing in case');
    await expectCode(ctx.impl.openDatabase(url, 'admin', 'admin '), 'ERR_AUTH', 'password with a trailing blank');
    await expectCode(ctx.impl.openDatabase(url, 'nobody', 'admin'), 'ERR_AUTH', 'unknown user');
    const opened = await ctx.impl.openDatabase(url, 'admin', 'admin');
    assert.equal(await opened.dump(), await db.dump(), 'the right credentials still open the database');
  },
});
