import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import type { BuiltChain } from './_support/setup.js';
import { buildChain, restoreTarget } from './_support/setup.js';
import { readManifest } from './_support/chain.js';

async function addStrayFiles(chain: BuiltChain): Promise<void> {
  await writeFile(join(chain.dir, 'notes.txt'), 'kept by a person\n');
  await writeFile(join(chain.dir, 'x.ibu.tmp'), 'left by an interrupted backup\n');
  await mkdir(join(chain.dir, 'sub'));
  await writeFile(join(chain.dir, 'sub', 'inner.ibu'), 'not part of the chain\n');
  await mkdir(join(chain.dir, 'folder.ibu'));
}

export default [
  scenario({
    id: 'incremental/ignores-other-files',
    title: 'restore and the next backup ignore files not ending in .ibu, and subdirectories',
    requirements: ['INCR-014'],
    features: ['incremental'],
    async run(ctx) {
      const chain = await buildChain(ctx, { files: 2 });
      await addStrayFiles(chain);
      const { target } = await restoreTarget(ctx);
      await target.restore({ kind: 'directory', path: chain.dir }, null, null, null);
      assert.equal(await target.dump(), chain.dumps[1], 'the restore ignores the stray files');
      await chain.source.insert('Item', { after: 'stray files' });
      const name = await chain.source.incrementalBackup(chain.dir);
      assert.equal((await readManifest(join(chain.dir, name))).index, 2, 'the next backup continues the chain');
      await target.restore({ kind: 'directory', path: chain.dir }, null, null, null);
      assert.equal(await target.dump(), await chain.source.dump(), 'the extended chain restores');
    },
  }),
  scenario({
    id: 'incremental/verify-ignores-other-files',
    title: 'verify ignores files not ending in .ibu, and subdirectories',
    requirements: ['INCR-014'],
    features: ['incremental', 'verify'],
    async run(ctx) {
      const chain = await buildChain(ctx, { files: 2 });
      await addStrayFiles(chain);
      const report = await ctx.impl.verify(chain.dir);
      assert.equal(report.valid, true, `verify must report the chain valid: ${report.lines.join(' | ')}`);
    },
  }),
];
