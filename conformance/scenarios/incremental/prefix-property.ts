import assert from 'node:assert/strict';
import type { Connection, JsonObject, Role } from '../../adapter.js';
import { canonicalDump } from '../../dump.js';
import { scenario } from '../../scenario.js';
import { randomText, seededRandom } from './_support/database.js';

/** The model: what the database holds, as the scenario's own bookkeeping. */
interface Model {
  readonly classes: Map<string, Map<string, { version: number; content: JsonObject }>>;
  readonly users: Array<{ name: string; role: Role }>;
}

function dumpOf(model: Model): string {
  return canonicalDump({
    classes: [...model.classes].map(([name, records]) => ({
      name,
      records: [...records].map(([rid, record]) => ({ rid, version: record.version, content: record.content })),
    })),
    users: model.users,
  });
}

/** One run: random writes interleaved with backups, then a restore up to each index. */
async function oneRun(ctx: Parameters<Parameters<typeof scenario>[0]['run']>[0], target: Connection, run: number, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const db = await ctx.newDatabase(`run-${run}`);
  const model: Model = { classes: new Map(), users: [{ name: 'admin', role: 'admin' }] };
  const dir = ctx.path(`chain-${run}`);
  const dumps: string[] = [];
  const steps: string[] = [];
  const operations = 6 + Math.floor(random() * 30);
  for (let step = 0; step < operations; step++) {
    const classes = [...model.classes.keys()];
    const records = [...model.classes].flatMap(([name, map]) => [...map.keys()].map((rid) => ({ name, rid })));
    const roll = random();
    if (classes.length === 0 || (roll < 0.08 && classes.length < 4)) {
      const name = `C${classes.length}`;
      await db.createClass(name);
      model.classes.set(name, new Map());
      steps.push(`createClass ${name}`);
    } else if (roll < 0.5 || records.length === 0) {
      const name = pick(classes);
      const content = { text: randomText(random, Math.floor(random() * (random() < 0.1 ? 12_000 : 300))) };
      const record = await db.insert(name, content);
      model.classes.get(name)!.set(record.rid, { version: record.version, content });
      steps.push(`insert ${name} ${record.rid}`);
    } else if (roll < 0.7) {
      const { name, rid } = pick(records);
      const content = { text: randomText(random, Math.floor(random() * 400)), step };
      const record = await db.update(rid, content);
      model.classes.get(name)!.set(rid, { version: record.version, content });
      steps.push(`update ${rid}`);
    } else if (roll < 0.82) {
      const { name, rid } = pick(records);
      await db.delete(rid);
      model.classes.get(name)!.delete(rid);
      steps.push(`delete ${rid}`);
    } else if (roll < 0.85 && model.users.length < 3) {
      const user = { name: `user${model.users.length}`, role: pick<Role>(['admin', 'writer', 'reader']) };
      await db.createUser(user.name, 'secret', user.role);
      model.users.push(user);
      steps.push(`createUser ${user.name} ${user.role}`);
    } else {
      await db.incrementalBackup(dir);
      dumps.push(dumpOf(model));
      steps.push(`backup ${dumps.length - 1}`);
      assert.equal(await db.dump(), dumps[dumps.length - 1], `run ${run} (seed ${seed}): the database differs from the model at backup ${dumps.length - 1}; steps: ${steps.join('; ')}`);
    }
  }
  await db.incrementalBackup(dir);
  dumps.push(dumpOf(model));
  steps.push(`backup ${dumps.length - 1}`);
  for (let index = 0; index < dumps.length; index++) {
    await target.restore({ kind: 'directory', path: dir }, { upToIndex: index }, null, null);
    assert.equal(await target.dump(), dumps[index], `run ${run} (seed ${seed}): restoring up to index ${index} differs from the model; steps: ${steps.join('; ')}`);
  }
  await db.close();
}

export default scenario({
  id: 'incremental/prefix-property',
  title: 'for random writes interleaved with backups, restoring up to each index gives the model at that backup',
  requirements: ['INCR-032'],
  features: ['incremental'],
  property: true,
  timeoutMs: 300_000,
  async run(ctx) {
    ctx.log(`seed ${ctx.seed}, ${ctx.runs} runs (replay with the same seed)`);
    const target = await ctx.newDatabase('target');
    for (let run = 0; run < ctx.runs; run++) {
      if (ctx.signal.aborted) return;
      const seed = (ctx.seed + Math.imul(run, 0x9e3779b1)) >>> 0;
      try {
        await oneRun(ctx, target, run, seed);
      } catch (error) {
        ctx.log(`failed in run ${run} with run seed ${seed} (scenario seed ${ctx.seed})`);
        throw error;
      }
    }
  },
});
