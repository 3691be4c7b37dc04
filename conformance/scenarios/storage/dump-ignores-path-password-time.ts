import assert from 'node:assert/strict';
import type { Connection } from '../../adapter.js';
import { delay } from '../../assertions.js';
import { scenario } from '../../scenario.js';

async function build(db: Connection, password: string, withUsers: boolean): Promise<void> {
  await db.createClass('Item');
  const first = await db.insert('Item', { n: 1 });
  await db.insert('Item', { n: 2 });
  await db.update(first.rid, { n: 1, seen: true });
  if (withUsers) await db.createUser('rita', `${password}-rita`, 'reader');
}

export default scenario({
  id: 'storage/dump-ignores-path-password-time',
  title: 'two databases differing only in path, passwords and creation time dump identically, with no path or password in the dump',
  requirements: ['STORAGE-022'],
  async run(ctx) {
    const withUsers = ctx.impl.supports.includes('permissions');
    const oneDir = ctx.path('dir-alpha-one');
    const one = await ctx.impl.createDatabase(`plocal:${oneDir}`, { user: 'owner', password: 'Pw-Xq7-one' });
    await build(one, 'Pw-Xq7-one', withUsers);
    // More than a second apart, so that even a creation time kept in whole seconds differs.
    await delay(1100);
    const twoDir = ctx.path('other', 'dir-beta-two');
    const two = await ctx.impl.createDatabase(`plocal:${twoDir}`, { user: 'owner', password: 'Pw-Xq7-two' });
    await build(two, 'Pw-Xq7-two', withUsers);

    const dump = await one.dump();
    assert.equal(await two.dump(), dump, 'the dumps are equal');
    for (const secret of ['Pw-Xq7', ctx.workdir, 'dir-alpha-one', 'dir-beta-two']) {
      assert.ok(!dump.includes(secret), `the dump holds ${JSON.stringify(secret)}`);
    }
  },
});
