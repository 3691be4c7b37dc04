import assert from 'node:assert/strict';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { readManifest } from './_support/chain.js';
import { restoreTarget } from './_support/setup.js';

export default scenario({
  id: 'incremental/later-files-hold-changes',
  title: 'each later file has the next index, is not full, and restoring gives the dump at its backup',
  requirements: ['INCR-005'],
  features: ['incremental'],
  async run(ctx) {
    const db = await ctx.newDatabase('source');
    await db.createClass('Item');
    const rids: string[] = [];
    for (let n = 1; n <= 10; n++) rids.push((await db.insert('Item', { n })).rid);
    const dir = ctx.path('chain');
    await db.incrementalBackup(dir);
    const { target } = await restoreTarget(ctx);
    for (let index = 1; index <= 3; index++) {
      await db.insert('Item', { n: 10 + index });
      await db.update(rids[index]!, { n: index + 1, changed: index });
      if (index === 3) await db.delete(rids[0]!);
      const name = await db.incrementalBackup(dir);
      const dump = await db.dump();
      const manifest = await readManifest(join(dir, name));
      assert.equal(manifest.index, index, `${name}: index`);
      assert.equal(manifest.full, false, `${name}: a later file is not full`);
      await target.restore({ kind: 'directory', path: dir }, null, null, null);
      assert.equal(await target.dump(), dump, `restoring the directory after file ${index} gives the dump at its backup`);
    }
  },
});
