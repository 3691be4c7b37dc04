import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { expectMessageNamesIndex } from './_support/chain.js';
import { buildChain, expectChainRefused } from './_support/setup.js';

export default scenario({
  id: 'incremental/refuses-duplicate-index',
  title: 'two files with the same index are refused with ERR_CHAIN_DUPLICATE_INDEX naming the index',
  requirements: ['INCR-019'],
  features: ['incremental'],
  async run(ctx) {
    const chain = await buildChain(ctx, { files: 3 });
    await copyFile(join(chain.dir, chain.names[1]!), join(chain.dir, `${chain.sourceName}_1999-01-01-00-00-00_1.ibu`));
    const error = await expectChainRefused(ctx, chain.dir, 'ERR_CHAIN_DUPLICATE_INDEX', 'file 1 copied under another timestamp');
    expectMessageNamesIndex(error, 1, 'file 1 copied under another timestamp');
  },
});
