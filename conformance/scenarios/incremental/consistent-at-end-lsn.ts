import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { fillClass } from './_support/database.js';
import { restoreTarget } from './_support/setup.js';

export default scenario({
  id: 'incremental/consistent-at-end-lsn',
  title: 'records inserted one after the other during a backup restore as a prefix 1..k, k between the acknowledged and the issued counts',
  requirements: ['INCR-031'],
  features: ['incremental'],
  timeoutMs: 120_000,
  async run(ctx) {
    const db = await ctx.newDatabase('source');
    await db.createClass('Item');
    await db.createClass('Seq');
    await fillClass(db, 'Item', 3000, { size: 1000, seed: ctx.seed });
    const writer = await ctx.impl.openDatabase(ctx.urlOf('source'), 'admin', 'admin');
    const dir = ctx.path('chain');
    const { target } = await restoreTarget(ctx);
    let issued = 0;
    let acknowledged = 0;
    let stop = false;
    const writing = (async () => {
      while (!stop) {
        const n = ++issued;
        await writer.insert('Seq', { n });
        acknowledged = n;
      }
    })();
    try {
      for (let round = 0; round < 3; round++) {
        while (acknowledged < (round + 1) * 20) await new Promise((resolve) => setTimeout(resolve, 1));
        const low = acknowledged;
        let high = 0;
        await db.incrementalBackup(dir).then(() => void (high = issued));
        await target.restore({ kind: 'directory', path: dir }, null, null, null);
        const numbers = (await target.scan('Seq')).map((record) => record.content.n as number).sort((a, b) => a - b);
        const k = numbers.length;
        assert.deepEqual(numbers, Array.from({ length: k }, (_, i) => i + 1), `round ${round}: the restored records must be exactly 1..${k}`);
        assert.ok(k >= low && k <= high, `round ${round}: ${k} records restored, expected between ${low} (acknowledged before the call) and ${high} (issued before it resolved)`);
        ctx.log(`round ${round}: acknowledged ${low} before the call, ${k} restored, ${high} issued before it resolved`);
      }
    } finally {
      stop = true;
      await writing;
    }
  },
});
