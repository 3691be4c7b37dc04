import assert from 'node:assert/strict';
import type { RestoreOptions } from '../../adapter.js';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { directoryState, expectDirectoryUnchanged } from './_support/chain.js';
import { expectIntact } from './_support/database.js';
import { buildChain, restoreTarget } from './_support/setup.js';

export default [
  scenario({
    id: 'incremental/restore-up-to-index',
    title: 'options.upToIndex restores the database as of that file',
    requirements: ['INCR-012'],
    features: ['incremental'],
    async run(ctx) {
      const chain = await buildChain(ctx, { files: 4 });
      const { target } = await restoreTarget(ctx);
      for (const index of [1, 0, 3, 2]) {
        await target.restore({ kind: 'directory', path: chain.dir }, { upToIndex: index }, null, null);
        assert.equal(await target.dump(), chain.dumps[index], `restoring up to index ${index} gives the dump at file ${index}`);
      }
    },
  }),
  scenario({
    id: 'incremental/up-to-index-invalid',
    title: 'an upToIndex that is not a non-negative integer, or above the highest index, is refused with ERR_INVALID_OPTIONS',
    requirements: ['INCR-012'],
    features: ['incremental'],
    async run(ctx) {
      const chain = await buildChain(ctx, { files: 3 });
      const { target, dump, path } = await restoreTarget(ctx);
      const before = await directoryState(path);
      for (const upToIndex of [-1, 1.5, '1', 3, 1000]) {
        await expectCode(
          // Values are passed through unchecked so that the implementation's own checks are tested.
          target.restore({ kind: 'directory', path: chain.dir }, { upToIndex } as unknown as RestoreOptions, null, null),
          'ERR_INVALID_OPTIONS',
          `upToIndex ${JSON.stringify(upToIndex)}`,
        );
        await expectDirectoryUnchanged(path, before, `upToIndex ${JSON.stringify(upToIndex)}`);
      }
      await expectIntact(target, dump, 'Target', 'after the refused restores');
    },
  }),
];
