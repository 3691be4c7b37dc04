import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { directoryState, expectDirectoryUnchanged } from './_support/chain.js';
import { buildChain } from './_support/setup.js';

export default scenario({
  id: 'incremental/refuses-foreign-chain',
  title: "a backup into another database's chain is refused with ERR_CHAIN_FOREIGN_DATABASE, nothing written",
  requirements: ['INCR-026'],
  features: ['incremental'],
  async run(ctx) {
    const chain = await buildChain(ctx, { files: 2 });
    const other = await ctx.newDatabase('other');
    await other.createClass('Other');
    await other.insert('Other', { mine: true });
    const before = await directoryState(chain.dir);
    await expectCode(other.incrementalBackup(chain.dir), 'ERR_CHAIN_FOREIGN_DATABASE', "a backup into another database's chain");
    await expectDirectoryUnchanged(chain.dir, before, "a backup into another database's chain");
  },
});
