import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { expectMessageNamesIndex } from './_support/chain.js';
import { buildChain, copyDirectory, expectChainRefused } from './_support/setup.js';

export default scenario({
  id: 'incremental/refuses-gap',
  title: 'a chain with a middle file deleted, or without index 0, is refused with ERR_CHAIN_GAP naming the missing index',
  requirements: ['INCR-015'],
  features: ['incremental'],
  async run(ctx) {
    const chain = await buildChain(ctx, { files: 4 });
    for (const missing of [2, 0]) {
      const dir = await copyDirectory(chain.dir, ctx.path(`without-${missing}`));
      await rm(join(dir, chain.names[missing]!));
      const error = await expectChainRefused(ctx, dir, 'ERR_CHAIN_GAP', `file ${missing} deleted`);
      expectMessageNamesIndex(error, missing, `file ${missing} deleted`);
    }
  },
});
