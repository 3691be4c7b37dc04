import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { dataByteOffset, flipBit, rezipWithManifest } from './_support/chain.js';
import { buildChain, copyDirectory, restoreTarget } from './_support/setup.js';

export default scenario({
  id: 'incremental/check-order',
  title: 'a chain with two defects is refused with the code of the check INCR-024 runs first',
  requirements: ['INCR-024'],
  features: ['incremental'],
  async run(ctx) {
    const ours = await buildChain(ctx, { files: 4, sourceName: 'ours', dir: ctx.path('ours-chain') });
    const theirs = await buildChain(ctx, { files: 4, sourceName: 'theirs', dir: ctx.path('theirs-chain') });
    const { target } = await restoreTarget(ctx);
    const file = (index: number): string => ours.names[index]!;
    let copies = 0;
    const cases: Array<{ what: string; expected: string; damage: (dir: string) => Promise<void> }> = [
      {
        what: "a bit flipped in file 2's data, and file 1 with formatVersion 999",
        expected: 'ERR_CHAIN_CORRUPT',
        damage: async (dir) => {
          await flipBit(join(dir, file(2)), (await dataByteOffset(join(dir, file(2)))).offset, 1);
          await rezipWithManifest(join(dir, file(1)), (m) => void (m.formatVersion = 999));
        },
      },
      {
        what: 'file 2 with formatVersion 999, and file 1 with a malformed manifest member',
        expected: 'ERR_CHAIN_VERSION',
        damage: async (dir) => {
          await rezipWithManifest(join(dir, file(2)), (m) => void (m.formatVersion = 999));
          await rezipWithManifest(join(dir, file(1)), (m) => void (m.lsn = 'not a number'));
        },
      },
      {
        what: "file 1 with a malformed manifest member, and file 2 replaced by another database's",
        expected: 'ERR_CHAIN_CORRUPT',
        damage: async (dir) => {
          await rezipWithManifest(join(dir, file(1)), (m) => void (m.lsn = 'not a number'));
          await rm(join(dir, file(2)));
          await copyFile(join(theirs.dir, theirs.names[2]!), join(dir, theirs.names[2]!));
        },
      },
      {
        what: "another database's file 1 added beside ours (a foreign file and a duplicate index)",
        expected: 'ERR_CHAIN_FOREIGN_DATABASE',
        damage: async (dir) => copyFile(join(theirs.dir, theirs.names[1]!), join(dir, `theirs_1999-01-01-00-00-00_1.ibu`)),
      },
      {
        what: 'file 1 duplicated and file 2 deleted',
        expected: 'ERR_CHAIN_DUPLICATE_INDEX',
        damage: async (dir) => {
          await copyFile(join(dir, file(1)), join(dir, `ours_1999-01-01-00-00-00_1.ibu`));
          await rm(join(dir, file(2)));
        },
      },
      {
        what: "file 1 deleted, and file 3's link to file 2 broken",
        expected: 'ERR_CHAIN_GAP',
        damage: async (dir) => {
          await rm(join(dir, file(1)));
          await rezipWithManifest(join(dir, file(3)), (m) => void ((m.previous as { sha256: string }).sha256 = '0'.repeat(64)));
        },
      },
      {
        what: "another database's file 2 in place of ours (which also breaks file 3's link)",
        expected: 'ERR_CHAIN_FOREIGN_DATABASE',
        damage: async (dir) => {
          await rm(join(dir, file(2)));
          await copyFile(join(theirs.dir, theirs.names[2]!), join(dir, theirs.names[2]!));
        },
      },
      {
        what: "a bit flipped in file 2's data (which also breaks file 3's link)",
        expected: 'ERR_CHAIN_CORRUPT',
        damage: async (dir) => flipBit(join(dir, file(2)), (await dataByteOffset(join(dir, file(2)))).offset, 6),
      },
    ];
    for (const { what, expected, damage } of cases) {
      const dir = await copyDirectory(ours.dir, ctx.path(`case-${++copies}`));
      await damage(dir);
      await expectCode(target.restore({ kind: 'directory', path: dir }, null, null, null), expected, what);
    }
  },
});
