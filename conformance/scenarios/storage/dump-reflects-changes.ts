import assert from 'node:assert/strict';
import type { Connection } from '../../adapter.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/dump-reflects-changes',
  title: 'a change of a record\'s content, version or RID, of the classes, or of a user\'s role changes the dump',
  requirements: ['STORAGE-022'],
  async run(ctx) {
    const db = await ctx.newDatabase('db');
    await db.createClass('Item');
    const record = await db.insert('Item', { n: 1 });
    await db.insert('Item', { n: 2 });
    const seen = new Set<string>([await db.dump()]);
    const expectNew = async (what: string): Promise<void> => {
      const dump = await db.dump();
      assert.ok(!seen.has(dump), `${what} did not change the dump`);
      seen.add(dump);
    };
    await db.update(record.rid, { n: 3 });
    await expectNew('a new content');
    await db.update(record.rid, { n: 3 });
    await expectNew('a new version with the same content');
    await db.delete(record.rid);
    await expectNew('a delete');
    await db.insert('Item', { n: 3 });
    await expectNew('the same content and version under another RID');
    await db.createClass('Other');
    await expectNew('a new empty class');

    if (ctx.impl.supports.includes('permissions')) {
      const withRole = async (name: string, role: 'reader' | 'writer'): Promise<Connection> => {
        const other = await ctx.newDatabase(name);
        await other.createClass('Item');
        await other.createUser('uma', 'u-pass', role);
        return other;
      };
      const reader = await withRole('as-reader', 'reader');
      const writer = await withRole('as-writer', 'writer');
      assert.notEqual(await reader.dump(), await writer.dump(), 'a user\'s role is in the dump');
    }
  },
});
