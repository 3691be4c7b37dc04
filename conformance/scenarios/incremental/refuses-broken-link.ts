import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { chainFile, expectMessageNames } from './_support/chain.js';
import { buildChain, copyDirectory, expectChainRefused } from './_support/setup.js';

export default scenario({
  id: 'incremental/refuses-broken-link',
  title: 'a file replaced by the same index of a diverged copy of the directory is refused with ERR_CHAIN_BROKEN_LINK naming the file whose link fails',
  requirements: ['INCR-018'],
  features: ['incremental'],
  async run(ctx) {
    const chain = await buildChain(ctx, { files: 2 });
    const diverged = await copyDirectory(chain.dir, ctx.path('diverged'));
    await chain.source.insert('Item', { in: 'the original directory, file 2' });
    await chain.source.incrementalBackup(chain.dir);
    await chain.source.insert('Item', { in: 'the original directory, file 3' });
    await chain.source.incrementalBackup(chain.dir);
    await chain.source.insert('Item', { in: 'the diverged copy, file 2' });
    await chain.source.incrementalBackup(diverged);
    const original2 = await chainFile(chain.dir, 2);
    const original3 = await chainFile(chain.dir, 3);
    const diverged2 = await chainFile(diverged, 2);
    const spliced = await copyDirectory(chain.dir, ctx.path('spliced'));
    await rm(join(spliced, original2));
    await copyFile(join(diverged, diverged2), join(spliced, diverged2));
    const error = await expectChainRefused(ctx, spliced, 'ERR_CHAIN_BROKEN_LINK', 'file 2 replaced by the diverged copy\'s file 2');
    expectMessageNames(error, original3, 'file 2 replaced by the diverged copy\'s file 2');
  },
});
