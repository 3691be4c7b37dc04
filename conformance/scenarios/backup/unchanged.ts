/**
 * A backup does not change the database (BACKUP-014).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { fileOutput, fill, outcomeOf } from './_support/helpers.js';

const unchanged = scenario({
  id: 'backup/database-unchanged-by-backup',
  title: 'the dump after a backup, successful or failed, equals the dump before it',
  requirements: ['BACKUP-014'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    const rids = await fill(conn, 30, 300);
    await conn.delete(rids[4]!);
    await conn.update(rids[5]!, { updated: true });
    const before = await conn.dump();
    await conn.backup(fileOutput(ctx.path('ok.zip')), null, null, null);
    assert.equal(await conn.dump(), before, 'a successful backup should not change the database');
    await outcomeOf(
      conn.backup(fileOutput(ctx.path('failed.zip')), null, () => {
        throw new Error('the callable fails on purpose');
      }, null),
    );
    assert.equal(await conn.dump(), before, 'a failed backup should not change the database');
    if (ctx.impl.supports.includes('snapshot-backup')) {
      await conn.backup(fileOutput(ctx.path('snapshot.zip')), { mode: 'snapshot' }, null, null, 0);
      assert.equal(await conn.dump(), before, 'a snapshot backup should not change the database');
    }
  },
});

export default unchanged;
