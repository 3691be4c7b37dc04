import assert from 'node:assert/strict';
import type { Connection, JsonObject, Role } from '../../adapter.js';
import { scenario } from '../../scenario.js';
import { seededRandom, shuffled } from './support.js';

const CLASSES = ['Alpha', 'Beta', 'Gamma'];

/** One operation of a run: an insert of a record (by its key), an update of it, or its delete. */
type Step =
  | { readonly kind: 'insert'; readonly key: string; readonly className: string; readonly content: JsonObject }
  | { readonly kind: 'update'; readonly key: string; readonly content: JsonObject }
  | { readonly kind: 'delete'; readonly key: string };

/** Per record, its steps in order; records of a class are inserted in key order, so positions agree. */
function planRun(run: number, random: () => number): Step[][] {
  const scripts: Step[][] = [];
  for (const className of CLASSES) {
    const records = 1 + Math.floor(random() * 4);
    for (let i = 0; i < records; i++) {
      const key = `${run}-${className}-${i}`;
      const script: Step[] = [{ kind: 'insert', key, className, content: { key, v: 0 } }];
      const updates = Math.floor(random() * 3);
      for (let u = 1; u <= updates; u++) script.push({ kind: 'update', key, content: { key, v: u, pad: 'x'.repeat(Math.floor(random() * 3000)) } });
      if (random() < 0.25) script.push({ kind: 'delete', key });
      scripts.push(script);
    }
  }
  return scripts;
}

/**
 * A random order of all steps that keeps each record's steps in order and the inserts of each
 * class in key order: the operations left free to move are independent of each other.
 */
function interleave(scripts: Step[][], random: () => number): Step[] {
  const next = scripts.map(() => 0);
  const inserted = new Map<string, number>();
  const order: Step[] = [];
  for (;;) {
    const ready = scripts
      .map((script, i) => ({ step: script[next[i]!], i }))
      .filter(({ step, i }) => {
        if (step === undefined) return false;
        if (step.kind !== 'insert') return true;
        const before = scripts.slice(0, i).filter((s) => s[0]!.kind === 'insert' && (s[0] as { className: string }).className === step.className).length;
        return (inserted.get(step.className) ?? 0) === before;
      });
    if (ready.length === 0) return order;
    const { step, i } = ready[Math.floor(random() * ready.length)]!;
    order.push(step!);
    next[i]!++;
    if (step!.kind === 'insert') inserted.set(step!.className, (inserted.get(step!.className) ?? 0) + 1);
  }
}

async function apply(db: Connection, steps: readonly Step[], rids: Map<string, string>): Promise<void> {
  for (const step of steps) {
    if (step.kind === 'insert') rids.set(step.key, (await db.insert(step.className, step.content)).rid);
    else if (step.kind === 'update') await db.update(rids.get(step.key)!, step.content);
    else await db.delete(rids.get(step.key)!);
  }
}

export default scenario({
  id: 'storage/dump-independent-order',
  title: 'two databases given the same content by independent operations in different orders dump the same; one more change differs',
  requirements: ['STORAGE-021'],
  property: true,
  async run(ctx) {
    const left = await ctx.newDatabase('left');
    const right = await ctx.newDatabase('right');
    for (const className of CLASSES) {
      await left.createClass(className);
      await right.createClass(className);
    }
    if (ctx.impl.supports.includes('permissions')) {
      const users: Array<[string, Role]> = [['uma', 'reader'], ['vic', 'writer'], ['wes', 'admin']];
      const random = seededRandom(ctx.seed);
      for (const [name, role] of shuffled(users, random)) await left.createUser(name, `${name}-pass`, role);
      for (const [name, role] of shuffled(users, random)) await right.createUser(name, `${name}-pass`, role);
    }
    const leftRids = new Map<string, string>();
    const rightRids = new Map<string, string>();
    for (let run = 0; run < ctx.runs && !ctx.signal.aborted; run++) {
      const random = seededRandom(ctx.seed + run * 7919);
      const scripts = planRun(run, random);
      const leftSteps = interleave(scripts, random);
      const rightSteps = interleave(scripts, random);
      ctx.log(`run ${run}: left ${leftSteps.map((s) => `${s.kind[0]}${s.key}`).join(' ')}`);
      ctx.log(`run ${run}: right ${rightSteps.map((s) => `${s.kind[0]}${s.key}`).join(' ')}`);
      await apply(left, leftSteps, leftRids);
      await apply(right, rightSteps, rightRids);
      assert.deepEqual([...rightRids].sort(), [...leftRids].sort(), `run ${run}: the records got the same RIDs`);
      assert.equal(await right.dump(), await left.dump(), `run ${run}: the dumps are equal`);

      const live = [...(await left.scan(CLASSES[run % CLASSES.length]!))];
      if (live.length > 0) {
        const target = live[Math.floor(random() * live.length)]!;
        const content = { ...target.content, extra: run };
        await right.update(target.rid, content);
        assert.notEqual(await right.dump(), await left.dump(), `run ${run}: one more update on one side changes its dump`);
        await left.update(target.rid, content);
      }
    }
  },
});
