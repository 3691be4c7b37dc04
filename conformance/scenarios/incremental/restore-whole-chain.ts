import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { scenario } from '../../scenario.js';
import { buildChain, restoreTarget } from './_support/setup.js';

export default [
  scenario({
    id: 'incremental/restore-whole-chain',
    title: 'restoring a directory into an open database applies the whole chain; the database then behaves as restored',
    requirements: ['INCR-011'],
    features: ['incremental'],
    async run(ctx) {
      const chain = await buildChain(ctx, { files: 4 });
      const { target } = await restoreTarget(ctx);
      const other = await ctx.impl.openDatabase(ctx.urlOf('target'), 'admin', 'admin');
      await target.restore({ kind: 'directory', path: chain.dir }, null, null, null);
      const last = chain.dumps[chain.dumps.length - 1]!;
      assert.equal(await target.dump(), last, 'the restoring connection reads the dump at the last file');
      assert.equal(await other.dump(), last, 'another connection reads the dump at the last file');
      const added = await target.insert('Item', { after: 'restore' });
      assert.equal((await other.load(added.rid)).content.after, 'restore', 'the restored database goes on accepting writes');
    },
  }),
  scenario({
    id: 'incremental/restore-chain-to-new-database',
    title: 'restoreDatabase with a directory creates the database as of the chain\'s last file',
    requirements: ['INCR-011'],
    features: ['incremental', 'restore-to-new'],
    async run(ctx) {
      const chain = await buildChain(ctx, { files: 3 });
      const url = ctx.urlOf('restored');
      await ctx.impl.restoreDatabase({ kind: 'directory', path: chain.dir }, url, null);
      const restored = await ctx.impl.openDatabase(url, 'admin', 'admin');
      assert.equal(await restored.dump(), chain.dumps[2], 'the new database has the dump at the last file');
      await restored.close();
      // The chain is read, never changed.
      assert.deepEqual((await readdir(chain.dir)).filter((name) => name.endsWith('.ibu')).sort(), [...chain.names].sort());
    },
  }),
];
