import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { usersOf } from './support.js';

export default scenario({
  id: 'storage/user-created-logs-in',
  title: 'users created by an admin with each role open the database with their password and appear in the dump',
  requirements: ['STORAGE-010'],
  features: ['permissions'],
  async run(ctx) {
    const url = ctx.urlOf('db');
    const admin = await ctx.newDatabase('db');
    await admin.createUser('wendy', 'w-pass', 'writer');
    await admin.createUser('rita', 'r-pass', 'reader');
    await admin.createUser('alan', 'a-pass', 'admin');
    const created = usersOf(await admin.dump()).filter((user) => !user.startsWith('admin:'));
    assert.deepEqual(created, ['alan:admin', 'rita:reader', 'wendy:writer'], 'the dump lists the new users with their roles');
    for (const [user, password] of [['wendy', 'w-pass'], ['rita', 'r-pass'], ['alan', 'a-pass']] as const) {
      const session = await ctx.impl.openDatabase(url, user, password);
      assert.equal(await session.dump(), await admin.dump(), `${user} sees the same database`);
    }
  },
});
