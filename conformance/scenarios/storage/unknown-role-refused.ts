import assert from 'node:assert/strict';
import type { Role } from '../../adapter.js';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/unknown-role-refused',
  title: 'a role other than admin, writer and reader is refused with ERR_INVALID_ROLE and creates no user',
  requirements: ['STORAGE-010'],
  features: ['permissions'],
  async run(ctx) {
    const url = ctx.urlOf('db');
    const admin = await ctx.newDatabase('db');
    const before = await admin.dump();
    for (const role of ['superuser', 'Admin', 'READER', '', 'writer '] as const) {
      await expectCode(admin.createUser('eve', 'pass', role as Role), 'ERR_INVALID_ROLE', `role ${JSON.stringify(role)}`);
    }
    assert.equal(await admin.dump(), before, 'no user was created');
    await expectCode(ctx.impl.openDatabase(url, 'eve', 'pass'), 'ERR_AUTH', 'the refused user cannot log in');
  },
});
