import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { expectMessageNames } from './_support/chain.js';
import { buildChain, copyDirectory, expectChainRefused } from './_support/setup.js';

export default scenario({
  id: 'incremental/refuses-empty-file',
  title: 'a zero-length .ibu file is refused with ERR_CHAIN_CORRUPT naming it',
  requirements: ['INCR-023'],
  features: ['incremental'],
  async run(ctx) {
    const chain = await buildChain(ctx, { files: 2 });
    const added = await copyDirectory(chain.dir, ctx.path('added'));
    const empty = `${chain.sourceName}_2001-01-01-00-00-00_2.ibu`;
    await writeFile(join(added, empty), '');
    const first = await expectChainRefused(ctx, added, 'ERR_CHAIN_CORRUPT', 'an empty file added');
    expectMessageNames(first, empty, 'an empty file added');
    const truncated = await copyDirectory(chain.dir, ctx.path('truncated'));
    await truncate(join(truncated, chain.names[1]!), 0);
    const second = await expectChainRefused(ctx, truncated, 'ERR_CHAIN_CORRUPT', 'file 1 truncated to zero bytes');
    expectMessageNames(second, chain.names[1]!, 'file 1 truncated to zero bytes');
  },
});
