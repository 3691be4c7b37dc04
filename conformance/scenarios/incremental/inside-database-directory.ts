import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'incremental/inside-database-directory',
  title: "a backup into the database's directory, or a directory inside it, is refused with ERR_BACKUP_TARGET_INSIDE_DATABASE, nothing created",
  requirements: ['INCR-029'],
  features: ['incremental'],
  async run(ctx) {
    const db = await ctx.newDatabase('source');
    await db.createClass('Item');
    await db.insert('Item', { n: 1 });
    const before = (await readdir(ctx.path('source'))).sort();
    for (const dir of [ctx.path('source'), ctx.path('source', 'backups'), ctx.path('source', 'a', 'b')]) {
      await expectCode(db.incrementalBackup(dir), 'ERR_BACKUP_TARGET_INSIDE_DATABASE', dir);
      assert.deepEqual((await readdir(ctx.path('source'))).sort(), before, `${dir}: nothing may be created in the database directory`);
    }
    await assert.rejects(stat(ctx.path('source', 'backups')), 'the refused directory must not exist');
  },
});
