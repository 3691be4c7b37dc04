import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { expectMessageNames } from './_support/chain.js';
import { buildChain, copyDirectory, expectChainRefused } from './_support/setup.js';

export default scenario({
  id: 'incremental/refuses-foreign-file',
  title: "a file of another database's chain, in place of a file or under a missing index, is refused with ERR_CHAIN_FOREIGN_DATABASE naming it",
  requirements: ['INCR-016'],
  features: ['incremental'],
  async run(ctx) {
    const ours = await buildChain(ctx, { files: 3, sourceName: 'ours', dir: ctx.path('ours-chain') });
    const theirs = await buildChain(ctx, { files: 3, sourceName: 'theirs', dir: ctx.path('theirs-chain') });

    const replaced = await copyDirectory(ours.dir, ctx.path('replaced'));
    await rm(join(replaced, ours.names[1]!));
    await copyFile(join(theirs.dir, theirs.names[1]!), join(replaced, theirs.names[1]!));
    const first = await expectChainRefused(ctx, replaced, 'ERR_CHAIN_FOREIGN_DATABASE', "file 1 replaced by another database's file 1");
    expectMessageNames(first, theirs.names[1]!, "file 1 replaced by another database's file 1");

    const added = await copyDirectory(ours.dir, ctx.path('added'));
    await rm(join(added, ours.names[2]!));
    await copyFile(join(theirs.dir, theirs.names[2]!), join(added, theirs.names[2]!));
    const second = await expectChainRefused(ctx, added, 'ERR_CHAIN_FOREIGN_DATABASE', "another database's file 2 added under the missing index");
    expectMessageNames(second, theirs.names[2]!, "another database's file 2 added under the missing index");
  },
});
