import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { usersOf } from './support.js';

export default scenario({
  id: 'storage/created-with-user',
  title: 'a database created with a user has that user as its only admin, and no admin/admin',
  requirements: ['STORAGE-003'],
  async run(ctx) {
    const rootUrl = ctx.urlOf('root-db');
    const root = await ctx.impl.createDatabase(rootUrl, { user: 'root', password: 'r00t-pass' });
    assert.deepEqual(usersOf(await root.dump()), ['root:admin'], 'the given user is the only user, with role admin');
    const opened = await ctx.impl.openDatabase(rootUrl, 'root', 'r00t-pass');
    assert.deepEqual(usersOf(await opened.dump()), ['root:admin']);
    await expectCode(ctx.impl.openDatabase(rootUrl, 'admin', 'admin'), 'ERR_AUTH', 'admin/admin on a database created for root');

    const adminUrl = ctx.urlOf('admin-db');
    await ctx.impl.createDatabase(adminUrl, { user: 'admin', password: 'not-admin' });
    await expectCode(ctx.impl.openDatabase(adminUrl, 'admin', 'admin'), 'ERR_AUTH', 'admin/admin when admin was given another password');
    const admin = await ctx.impl.openDatabase(adminUrl, 'admin', 'not-admin');
    assert.deepEqual(usersOf(await admin.dump()), ['admin:admin']);
  },
});
