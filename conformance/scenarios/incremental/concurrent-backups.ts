import assert from 'node:assert/strict';
import { join } from 'node:path';
import { codeOf } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { chainFileNames, readManifest } from './_support/chain.js';
import { fillClass } from './_support/database.js';

export default scenario({
  id: 'incremental/concurrent-backups',
  title: 'of two incremental backups into one directory at once, one is refused with ERR_BACKUP_IN_PROGRESS and the other completes',
  requirements: ['INCR-028'],
  features: ['incremental'],
  timeoutMs: 60_000,
  async run(ctx) {
    const first = await ctx.newDatabase('source');
    await first.createClass('Item');
    await fillClass(first, 'Item', 3000, { size: 1000, seed: ctx.seed });
    const second = await ctx.impl.openDatabase(ctx.urlOf('source'), 'admin', 'admin');
    const dir = ctx.path('chain');
    for (let round = 0; round < 2; round++) {
      // Both are issued at once: whichever takes the directory first runs, the other must be refused.
      const outcomes = await Promise.allSettled([first.incrementalBackup(dir), second.incrementalBackup(dir)]);
      const completed = outcomes.filter((outcome): outcome is PromiseFulfilledResult<string> => outcome.status === 'fulfilled');
      const refused = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      assert.equal(completed.length, 1, `round ${round}: exactly one backup must complete (codes: ${refused.map((outcome) => String(codeOf(outcome.reason))).join(', ') || 'none'})`);
      assert.equal(refused.length, 1, `round ${round}: the other backup must be refused`);
      assert.equal(codeOf(refused[0]!.reason), 'ERR_BACKUP_IN_PROGRESS', `round ${round}: the refused backup's code`);
      const names = await chainFileNames(dir);
      assert.equal(names.length, round + 1, `round ${round}: exactly one file per round`);
      assert.equal((await readManifest(join(dir, completed[0]!.value))).index, round, `round ${round}: the completed backup wrote index ${round}`);
      await first.insert('Item', { round });
    }
  },
});
