import assert from 'node:assert/strict';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { buildChain, restoreTarget } from './_support/setup.js';

export default scenario({
  id: 'incremental/order-from-manifest',
  title: 'files apply in the order of the index their manifests record, not of their names',
  requirements: ['INCR-013'],
  features: ['incremental'],
  async run(ctx) {
    const chain = await buildChain(ctx, { files: 4 });
    // Give the files timestamps that sort in the reverse order of their indexes.
    for (const [index, name] of chain.names.entries()) {
      const year = 2030 - index;
      const renamed = `${chain.sourceName}_${year}-01-01-00-00-00_${index}${index === 0 ? '_full' : ''}.ibu`;
      await rename(join(chain.dir, name), join(chain.dir, renamed));
    }
    const { target } = await restoreTarget(ctx);
    await target.restore({ kind: 'directory', path: chain.dir }, null, null, null);
    assert.equal(await target.dump(), chain.dumps[3], 'the renamed chain restores to the dump at its last file');
  },
});
