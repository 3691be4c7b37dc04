/**
 * The round-trip property (RESTORE-013): random content, a backup at a random level and buffer
 * size, random changes, a restore: the dump at the lock comes back.
 */
import assert from 'node:assert/strict';
import type { Connection } from '../../adapter.js';
import { scenario } from '../../scenario.js';
import { Random } from './random.js';

async function randomContent(random: Random, conn: Connection, classes: string[], canCreateUsers: boolean): Promise<void> {
  for (let i = random.int(0, 2); i > 0 || classes.length === 0; i--) {
    const name = `C${classes.length}_${random.int(0, 999)}`;
    await conn.createClass(name);
    classes.push(name);
  }
  for (let i = random.int(0, 12); i > 0; i--) {
    const className = random.pick(classes);
    const records = await conn.scan(className);
    const action = records.length === 0 ? 0 : random.int(0, 3);
    if (action <= 1) await conn.insert(className, random.document());
    else if (action === 2) await conn.update(random.pick(records).rid, random.document());
    else await conn.delete(random.pick(records).rid);
  }
  if (canCreateUsers && random.chance(0.3)) await conn.createUser(`user${random.int(0, 1_000_000)}`, 'secret', random.pick(['admin', 'writer', 'reader'] as const));
}

export default scenario({
  id: 'restore/round-trip-property',
  title: 'for random content, level, buffer size and later changes, a restore gives the dump at the lock',
  requirements: ['RESTORE-013'],
  property: true,
  timeoutMs: 120_000,
  async run(ctx) {
    const canCreateUsers = ctx.impl.supports.includes('permissions');
    for (let run = 0; run < ctx.runs; run++) {
      if (ctx.signal.aborted) return;
      const seed = (ctx.seed + run * 0x9e3779b9) >>> 0;
      const random = new Random(seed);
      const level = random.int(0, 9);
      const bufferSize = random.pick([1, 512, 4096, 65_536, 1_048_576]);
      const describe = `run ${run} (seed ${seed}, level ${level}, bufferSize ${bufferSize}); replay with seed ${ctx.seed}`;
      ctx.log(describe);
      const conn = await ctx.newDatabase();
      const classes: string[] = [];
      await randomContent(random, conn, classes, canCreateUsers);
      const path = ctx.path(`backup-${run}.zip`);
      const atLock = await conn.dump();
      await conn.backup({ kind: 'file', path }, null, null, null, level, bufferSize);
      await randomContent(random, conn, classes, canCreateUsers);
      await conn.restore({ kind: 'file', path }, null, null, null);
      assert.equal(await conn.dump(), atLock, `${describe}: the restored dump differs from the dump at the lock`);
      await conn.close();
    }
  },
});
