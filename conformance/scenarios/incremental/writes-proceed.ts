import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { delay } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { fillClass, probeWrite } from './_support/database.js';

export default scenario({
  id: 'incremental/writes-proceed',
  title: 'a probe write issued while an incremental backup runs resolves before the backup ends',
  requirements: ['INCR-030'],
  features: ['incremental'],
  timeoutMs: 240_000,
  async run(ctx) {
    const db = await ctx.newDatabase('source');
    await db.createClass('Item');
    const other = await ctx.impl.openDatabase(ctx.urlOf('source'), 'admin', 'admin');
    let records = 0;
    // Grow the database until its full file takes long enough that the probe is issued while it is written.
    for (let attempt = 0; attempt < 6; attempt++) {
      const add = 4000 * 2 ** attempt;
      await fillClass(db, 'Item', add, { size: 1000, seed: ctx.seed + attempt });
      records += add;
      const dir = ctx.path(`chain-${attempt}`);
      let backupEnded = Number.POSITIVE_INFINITY;
      const started = performance.now();
      const backup = db.incrementalBackup(dir).then(() => void (backupEnded = performance.now()));
      await delay(30);
      const probeIssued = performance.now();
      let probeEnded = Number.POSITIVE_INFINITY;
      const probe = probeWrite(other, 'Item').then(() => void (probeEnded = performance.now()));
      await Promise.all([backup, probe]);
      await rm(dir, { recursive: true, force: true });
      ctx.log(`${records} records: backup ${(backupEnded - started).toFixed(0)} ms, probe issued at ${(probeIssued - started).toFixed(0)} ms, resolved at ${(probeEnded - started).toFixed(0)} ms`);
      if (backupEnded <= probeIssued) continue; // the backup was over before the probe: grow and try again
      assert.ok(probeEnded < backupEnded, `the probe write was held until the backup ended (probe resolved ${(probeEnded - started).toFixed(0)} ms, backup ended ${(backupEnded - started).toFixed(0)} ms after the backup started)`);
      return;
    }
    assert.fail('every backup ended before a probe write could be issued; the database could not be made large enough');
  },
});
