import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { scenario } from '../../scenario.js';
import { chainFileNames } from './_support/chain.js';

export default scenario({
  id: 'incremental/writes-one-file',
  title: 'incrementalBackup writes exactly one new file into the directory and resolves its name',
  requirements: ['INCR-001'],
  features: ['incremental'],
  async run(ctx) {
    const db = await ctx.newDatabase('source');
    await db.createClass('Item');
    await db.insert('Item', { n: 1 });
    const dir = ctx.path('chain');
    for (let round = 0; round < 3; round++) {
      const before = await readdir(dir).catch(() => [] as string[]);
      const name = await db.incrementalBackup(dir);
      assert.equal(typeof name, 'string', 'incrementalBackup must resolve the file name');
      assert.ok(!name.includes('/') && !name.includes('\\'), `the name must have no directory part: ${name}`);
      const after = await readdir(dir);
      const added = after.filter((entry) => !before.includes(entry));
      assert.deepEqual(added, [name], `backup ${round}: exactly the file named ${name} must be new in the directory (new: ${added.join(', ')})`);
      assert.deepEqual((await chainFileNames(dir)).filter((file) => !before.includes(file)), [name]);
      await db.insert('Item', { n: round + 2 });
    }
  },
});
