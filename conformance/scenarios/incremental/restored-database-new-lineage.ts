import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Connection } from '../../adapter.js';
import { expectCode } from '../../assertions.js';
import type { ScenarioContext } from '../../scenario.js';
import { scenario } from '../../scenario.js';
import { chainByIndex, directoryState, expectDirectoryUnchanged, readManifest } from './_support/chain.js';
import { buildChain } from './_support/setup.js';

/** After `source` was restored: its backup into the old chain is refused, into an empty directory it starts a chain. */
async function expectNewLineage(ctx: ScenarioContext, source: Connection, oldChain: string, what: string): Promise<void> {
  const before = await directoryState(oldChain);
  await expectCode(source.incrementalBackup(oldChain), 'ERR_CHAIN_FOREIGN_DATABASE', `${what}: a backup into the old chain`);
  await expectDirectoryUnchanged(oldChain, before, `${what}: a backup into the old chain`);
  const fresh = ctx.path('fresh');
  const name = await source.incrementalBackup(fresh);
  const manifest = await readManifest(join(fresh, name));
  assert.equal(manifest.index, 0, `${what}: the first file of the new chain has index 0`);
  const [old] = await chainByIndex(oldChain);
  assert.notEqual(manifest.instanceId, old!.manifest.instanceId, `${what}: the new chain has another instance id than the old one`);
}

export default [
  scenario({
    id: 'incremental/restored-database-new-lineage',
    title: 'after a directory restore, a backup into the pre-restore chain is refused with ERR_CHAIN_FOREIGN_DATABASE; into an empty directory it writes index 0',
    requirements: ['INCR-033'],
    features: ['incremental'],
    async run(ctx) {
      const chain = await buildChain(ctx, { files: 3 });
      await chain.source.restore({ kind: 'directory', path: chain.dir }, { upToIndex: 1 }, null, null);
      await expectNewLineage(ctx, chain.source, chain.dir, 'restored from its own chain');
    },
  }),
  scenario({
    id: 'incremental/archive-restored-new-lineage',
    title: 'after an archive restore, a backup into the pre-restore chain is refused with ERR_CHAIN_FOREIGN_DATABASE; into an empty directory it writes index 0',
    requirements: ['INCR-033'],
    features: ['incremental'],
    async run(ctx) {
      const chain = await buildChain(ctx, { files: 2 });
      const archive = ctx.path('full.zip');
      await chain.source.backup({ kind: 'file', path: archive }, null, null, null);
      await chain.source.insert('Item', { after: 'the full backup' });
      await chain.source.restore({ kind: 'file', path: archive }, null, null, null);
      await expectNewLineage(ctx, chain.source, chain.dir, 'restored from a full backup');
    },
  }),
];
