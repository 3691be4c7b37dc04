import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { usersOf } from './support.js';

export default scenario({
  id: 'storage/default-admin',
  title: 'a database created without credentials has the user admin/admin with role admin',
  requirements: ['STORAGE-002'],
  async run(ctx) {
    const created = await ctx.newDatabase('db');
    assert.deepEqual(usersOf(await created.dump()), ['admin:admin'], 'the dump lists exactly admin with role admin');
    const opened = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
    assert.deepEqual(usersOf(await opened.dump()), ['admin:admin']);
  },
});
