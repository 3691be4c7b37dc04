import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { dataByteOffset, directoryState, expectDirectoryUnchanged, flipBit, rezipWithManifest } from './_support/chain.js';
import { buildChain, copyDirectory } from './_support/setup.js';

export default scenario({
  id: 'incremental/checks-chain-before-backup',
  title: 'a backup into a directory whose chain is broken is refused with the code of the defect, nothing written',
  requirements: ['INCR-027'],
  features: ['incremental'],
  async run(ctx) {
    const chain = await buildChain(ctx, { files: 3 });
    const theirs = await buildChain(ctx, { files: 4, sourceName: 'theirs', dir: ctx.path('theirs-chain') });
    await chain.source.insert('Item', { pending: 'a change for the next file' });
    const cases: Array<{ what: string; code: string; damage: (dir: string) => Promise<void> }> = [
      { what: 'a middle file deleted', code: 'ERR_CHAIN_GAP', damage: (dir) => rm(join(dir, chain.names[1]!)) },
      {
        what: "a bit flipped in the newest file's data",
        code: 'ERR_CHAIN_CORRUPT',
        damage: async (dir) => flipBit(join(dir, chain.names[2]!), (await dataByteOffset(join(dir, chain.names[2]!))).offset, 4),
      },
      {
        what: 'a file of an unsupported format version',
        code: 'ERR_CHAIN_VERSION',
        damage: (dir) => rezipWithManifest(join(dir, chain.names[1]!), (m) => void (m.formatVersion = 999)),
      },
      {
        what: 'a duplicated index',
        code: 'ERR_CHAIN_DUPLICATE_INDEX',
        damage: (dir) => copyFile(join(dir, chain.names[2]!), join(dir, `${chain.sourceName}_1999-01-01-00-00-00_2.ibu`)),
      },
      {
        what: "another database's file added as the newest",
        code: 'ERR_CHAIN_FOREIGN_DATABASE',
        damage: (dir) => copyFile(join(theirs.dir, theirs.names[3]!), join(dir, theirs.names[3]!)),
      },
    ];
    let n = 0;
    for (const { what, code, damage } of cases) {
      const dir = await copyDirectory(chain.dir, ctx.path(`case-${++n}`));
      await damage(dir);
      const before = await directoryState(dir);
      await expectCode(chain.source.incrementalBackup(dir), code, what);
      await expectDirectoryUnchanged(dir, before, what);
    }
  },
});
