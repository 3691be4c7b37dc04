import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/create-over-existing',
  title: 'createDatabase over an existing database is refused, while it is open and after it is closed, and leaves it intact',
  requirements: ['STORAGE-004'],
  async run(ctx) {
    const url = ctx.urlOf('db');
    const db = await ctx.newDatabase('db');
    await db.createClass('Item');
    await db.insert('Item', { n: 1 });
    await db.insert('Item', { n: 2, nested: { list: [1, 2] } });
    const before = await db.dump();

    await expectCode(ctx.impl.createDatabase(url), 'ERR_DATABASE_EXISTS', 'create while the database is open');
    await expectCode(ctx.impl.createDatabase(url, { user: 'other', password: 'other' }), 'ERR_DATABASE_EXISTS', 'create with other credentials');
    assert.equal(await db.dump(), before, 'the open database is unchanged');
    await db.insert('Item', { n: 3 });
    const afterWrite = await db.dump();

    await db.close();
    await expectCode(ctx.impl.createDatabase(url), 'ERR_DATABASE_EXISTS', 'create while the database is closed');
    const reopened = await ctx.impl.openDatabase(url, 'admin', 'admin');
    assert.equal(await reopened.dump(), afterWrite, 'the closed database is unchanged');
    await expectCode(ctx.impl.openDatabase(url, 'other', 'other'), 'ERR_AUTH', 'the refused creation added no user');
  },
});
