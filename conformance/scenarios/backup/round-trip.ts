/**
 * The round-trip property over random contents, levels and buffer sizes (BACKUP-063).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import type { Connection, Role } from '../../adapter.js';
import { codeOf } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { expectRestoresTo, fileOutput, outcomeOf } from './_support/helpers.js';
import { Random } from './_support/random.js';

const CLASS_NAMES = ['Person', 'Order', 'Log', 'Doc', 'Edition', 'Blob'];
const ROLES: readonly Role[] = ['admin', 'writer', 'reader'];

/** Random classes, records (some large), updates, deletes and (with `permissions`) users. */
async function randomChanges(conn: Connection, random: Random, users: boolean, log: string[]): Promise<void> {
  const known = JSON.parse(await conn.dump()) as { classes: { name: string; records: { rid: string }[] }[] };
  const classes = known.classes.map((info) => info.name);
  const rids = known.classes.flatMap((info) => info.records.map((record) => record.rid));
  for (let i = random.int(0, 2); i > 0 || classes.length === 0; i--) {
    const name = `${random.pick(CLASS_NAMES)}${random.int(0, 99)}`;
    const created = await outcomeOf(conn.createClass(name));
    if (created.ok) classes.push(name);
    else if (codeOf(created.error) !== 'ERR_CLASS_EXISTS') throw created.error;
  }
  const operations = random.int(1, 40);
  for (let i = 0; i < operations; i++) {
    const roll = random.next();
    if (roll < 0.6 || rids.length === 0) {
      const content = random.object(3, random.int(0, 6));
      if (random.chance(0.05)) content.large = random.string(random.int(20_000, 150_000));
      rids.push((await conn.insert(random.pick(classes), content)).rid);
    } else if (roll < 0.8) {
      await conn.update(random.pick(rids), random.object(2, random.int(0, 4)));
    } else {
      const [rid] = rids.splice(random.int(0, rids.length - 1), 1);
      await conn.delete(rid!);
    }
  }
  if (users && random.chance(0.5)) {
    const name = `user${random.int(0, 1_000_000)}`;
    const created = await outcomeOf(conn.createUser(name, `${name}-password`, random.pick(ROLES)));
    if (!created.ok && codeOf(created.error) !== 'ERR_USER_EXISTS') throw created.error;
  }
  log.push(`${operations} operations over ${classes.length} classes`);
}

const roundTrip = scenario({
  id: 'backup/round-trip-property',
  title: 'for random contents, levels and buffer sizes, backup then restore after further changes gives the dump at the lock',
  requirements: ['BACKUP-063'],
  property: true,
  timeoutMs: 300_000,
  async run(ctx) {
    const users = ctx.impl.supports.includes('permissions');
    for (let run = 0; run < ctx.runs; run++) {
      ctx.signal.throwIfAborted();
      const random = new Random((ctx.seed ^ Math.imul(run + 1, 0x9e3779b1)) >>> 0);
      const log: string[] = [];
      const conn = await ctx.newDatabase(`round-trip-${run}`);
      await randomChanges(conn, random, users, log);
      const atLock = await conn.dump();
      const level = random.int(0, 9);
      const bufferSize = random.logInt(1, 4 * Math.max(1, Buffer.byteLength(atLock)));
      const path = ctx.path(`round-trip-${run}.zip`);
      const described = `run ${run} of seed ${ctx.seed} (replay with that seed): ${log.join('; ')}, level ${level}, bufferSize ${bufferSize}`;
      ctx.log(described);
      await conn.backup(fileOutput(path), null, null, null, level, bufferSize);
      await randomChanges(conn, random, users, log);
      try {
        await expectRestoresTo(conn, path, atLock, `the archive of ${described}, restored,`);
      } catch (error) {
        assert.fail(`${(error as Error).message}\n${described}`);
      }
      await conn.close();
    }
  },
});

export default roundTrip;
