import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { expectChainRefused } from './_support/setup.js';

export default scenario({
  id: 'incremental/refuses-empty-directory',
  title: 'a directory that is empty or holds no .ibu file is refused with ERR_CHAIN_EMPTY',
  requirements: ['INCR-022'],
  features: ['incremental'],
  async run(ctx) {
    const empty = ctx.path('empty');
    await mkdir(empty);
    await expectChainRefused(ctx, empty, 'ERR_CHAIN_EMPTY', 'an empty directory');
    const others = ctx.path('others');
    await mkdir(join(others, 'sub.ibu'), { recursive: true });
    await writeFile(join(others, 'notes.txt'), 'no backup here\n');
    await writeFile(join(others, 'x.ibu.tmp'), 'a leftover\n');
    await expectChainRefused(ctx, others, 'ERR_CHAIN_EMPTY', 'a directory without .ibu files');
  },
});
