import assert from 'node:assert/strict';
import { join } from 'node:path';
import { codeOf } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { dataByteOffset, expectMessageNames, fileSize, flipBit } from './_support/chain.js';
import { buildChain, copyDirectory, expectChainRefused, restoreTarget } from './_support/setup.js';

export default [
  scenario({
    id: 'incremental/refuses-flipped-entry-data',
    title: "a bit flipped inside an entry's data is refused with ERR_CHAIN_CORRUPT naming the file",
    requirements: ['INCR-017'],
    features: ['incremental'],
    async run(ctx) {
      const chain = await buildChain(ctx, { files: 3 });
      for (const index of [1, 2, 0]) {
        const dir = await copyDirectory(chain.dir, ctx.path(`flipped-${index}`));
        const { offset, entry } = await dataByteOffset(join(dir, chain.names[index]!));
        await flipBit(join(dir, chain.names[index]!), offset, 3);
        const error = await expectChainRefused(ctx, dir, 'ERR_CHAIN_CORRUPT', `a bit flipped in entry ${entry} of file ${index}`);
        expectMessageNames(error, chain.names[index]!, `a bit flipped in entry ${entry} of file ${index}`);
      }
    },
  }),
  scenario({
    id: 'incremental/refuses-flipped-bit-anywhere',
    title: 'a bit flipped anywhere in a file that has a successor is refused with ERR_CHAIN_CORRUPT or ERR_CHAIN_BROKEN_LINK',
    requirements: ['INCR-017'],
    features: ['incremental'],
    timeoutMs: 120_000,
    async run(ctx) {
      const chain = await buildChain(ctx, { files: 2 });
      const { target, dump } = await restoreTarget(ctx);
      const file = chain.names[0]!;
      const size = await fileSize(join(chain.dir, file));
      const positions = 48;
      const outcomes = new Map<string, number>();
      for (let i = 0; i < positions; i++) {
        // Evenly spread over the file, always including the last byte; the bit varies too.
        const offset = Math.round((i * (size - 1)) / (positions - 1));
        const dir = await copyDirectory(chain.dir, ctx.path('flipped'));
        await flipBit(join(dir, file), offset, (i * 3) % 8);
        let code: string | undefined;
        try {
          await target.restore({ kind: 'directory', path: dir }, null, null, null);
          code = 'restored';
        } catch (error) {
          code = codeOf(error) ?? 'no code';
        }
        assert.ok(
          code === 'ERR_CHAIN_CORRUPT' || code === 'ERR_CHAIN_BROKEN_LINK',
          `bit ${(i * 3) % 8} of byte ${offset} of ${size} flipped in file 0: expected ERR_CHAIN_CORRUPT or ERR_CHAIN_BROKEN_LINK, got ${code}`,
        );
        outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
      }
      assert.equal(await target.dump(), dump, 'no flipped chain may have been restored');
      ctx.log(`outcomes of ${positions} flipped bits: ${[...outcomes].map(([code, n]) => `${code} ${n}`).join(', ')}`);
    },
  }),
];
