import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { restoreTarget } from './_support/setup.js';

interface Dump {
  classes: Array<{ name: string; records: Array<{ rid: string }> }>;
  users: Array<{ name: string; role: string }>;
}

export default scenario({
  id: 'incremental/metadata-and-deletions',
  title: 'classes and users created, and records deleted, between two files are restored as such',
  requirements: ['INCR-007'],
  features: ['incremental'],
  async run(ctx) {
    const db = await ctx.newDatabase('source');
    await db.createClass('Item');
    const rids: string[] = [];
    for (let n = 1; n <= 5; n++) rids.push((await db.insert('Item', { n })).rid);
    const dir = ctx.path('chain');
    await db.incrementalBackup(dir);
    await db.createClass('Later');
    await db.insert('Later', { created: 'after the first file' });
    await db.createUser('late_user', 'secret', 'writer');
    await db.delete(rids[2]!);
    await db.incrementalBackup(dir);
    const dump = await db.dump();
    const { target } = await restoreTarget(ctx);
    await target.restore({ kind: 'directory', path: dir }, null, null, null);
    const restored = await target.dump();
    const parsed = JSON.parse(restored) as Dump;
    assert.ok(parsed.classes.some((c) => c.name === 'Later'), 'the class created between the files must be restored');
    assert.ok(parsed.users.some((u) => u.name === 'late_user' && u.role === 'writer'), 'the user created between the files must be restored');
    const items = parsed.classes.find((c) => c.name === 'Item');
    assert.ok(items !== undefined && !items.records.some((r) => r.rid === rids[2]), `the record ${rids[2]} deleted between the files must stay deleted`);
    assert.equal(restored, dump, 'the restored dump is the dump at the second file');
  },
});
