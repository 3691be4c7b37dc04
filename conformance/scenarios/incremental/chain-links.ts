import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { readManifest, sha256 } from './_support/chain.js';
import { buildChain } from './_support/setup.js';

export default scenario({
  id: 'incremental/chain-links',
  title: 'each file names and hashes the file before it, starts at its LSN and has the same instance id',
  requirements: ['INCR-009'],
  features: ['incremental'],
  async run(ctx) {
    const chain = await buildChain(ctx, { files: 4 });
    for (let index = 1; index < chain.names.length; index++) {
      const before = chain.names[index - 1]!;
      const name = chain.names[index]!;
      const previous = await readManifest(join(chain.dir, before));
      const manifest = await readManifest(join(chain.dir, name));
      assert.ok(manifest.previous !== null, `${name}: previous`);
      assert.equal(manifest.previous.name, before, `${name}: previous.name is the name of file ${index - 1}`);
      assert.equal(manifest.previous.sha256, sha256(await readFile(join(chain.dir, before))), `${name}: previous.sha256 is the SHA-256 of ${before}`);
      assert.equal(manifest.startLsn, previous.lsn, `${name}: startLsn is the lsn of file ${index - 1}`);
      assert.equal(manifest.instanceId, previous.instanceId, `${name}: instanceId`);
      assert.ok(manifest.lsn >= previous.lsn, `${name}: lsn never decreases`);
    }
  },
});
