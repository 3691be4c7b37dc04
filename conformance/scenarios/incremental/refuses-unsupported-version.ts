import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { expectMessageNames, rezipWithManifest } from './_support/chain.js';
import { buildChain, expectChainRefused } from './_support/setup.js';

export default scenario({
  id: 'incremental/refuses-unsupported-version',
  title: 'a file whose manifest has formatVersion 999 is refused with ERR_CHAIN_VERSION naming it',
  requirements: ['INCR-020'],
  features: ['incremental'],
  async run(ctx) {
    const chain = await buildChain(ctx, { files: 3 });
    await rezipWithManifest(join(chain.dir, chain.names[1]!), (manifest) => {
      manifest.formatVersion = 999;
    });
    const error = await expectChainRefused(ctx, chain.dir, 'ERR_CHAIN_VERSION', 'file 1 with formatVersion 999');
    expectMessageNames(error, chain.names[1]!, 'file 1 with formatVersion 999');
  },
});
