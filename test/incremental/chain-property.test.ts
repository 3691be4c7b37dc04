/**
 * The chain's property (INCR-032), model-based with fast-check's commands: random writes (inserts,
 * updates, deletes, classes, users) interleaved with incremental backups; after each run, staging
 * the chain up to each index gives the model as it was at that backup. A failure prints the seed
 * and the shrunk command sequence; replay it with FC_SEED=<seed> (and FC_PATH=<path>).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalDump } from '../../conformance/dump.js';
import { Database, type JsonObject, type Role } from '../../src/engine/index.js';
import { FAST, stagedDump, tempDir } from './_helpers.js';

interface Model {
  readonly classes: Map<string, Map<string, { version: number; content: JsonObject }>>;
  readonly users: Array<{ name: string; role: Role }>;
  /** The model's dump at each backup. */
  readonly backups: string[];
}

interface Real {
  readonly db: Database;
  readonly dir: string;
}

function dumpOf(model: Model): string {
  return canonicalDump({
    classes: [...model.classes].map(([name, records]) => ({ name, records: [...records].map(([rid, r]) => ({ rid, version: r.version, content: r.content })) })),
    users: model.users,
  });
}

function records(model: Model): Array<{ className: string; rid: string }> {
  return [...model.classes].flatMap(([className, map]) => [...map.keys()].map((rid) => ({ className, rid })));
}

class CreateClass implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>): boolean => m.classes.size < 4;
  async run(m: Model, r: Real): Promise<void> {
    const name = `C${m.classes.size}`;
    await r.db.createClass(name);
    m.classes.set(name, new Map());
  }
  toString = (): string => 'createClass';
}

class Insert implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly text: string) {}
  check = (m: Readonly<Model>): boolean => m.classes.size > 0;
  async run(m: Model, r: Real): Promise<void> {
    const names = [...m.classes.keys()];
    const className = names[this.pick % names.length]!;
    const content = { text: this.text };
    const record = await r.db.insert(className, content);
    m.classes.get(className)!.set(record.rid, { version: record.version, content });
  }
  toString = (): string => `insert(${this.pick}, ${this.text.length} chars)`;
}

class Update implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly text: string) {}
  check = (m: Readonly<Model>): boolean => records(m as Model).length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const all = records(m);
    const { className, rid } = all[this.pick % all.length]!;
    const content = { text: this.text, updated: true };
    const record = await r.db.update(rid, content);
    m.classes.get(className)!.set(rid, { version: record.version, content });
  }
  toString = (): string => `update(${this.pick}, ${this.text.length} chars)`;
}

class Delete implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>): boolean => records(m as Model).length > 0;
  async run(m: Model, r: Real): Promise<void> {
    const all = records(m);
    const { className, rid } = all[this.pick % all.length]!;
    await r.db.delete(rid);
    m.classes.get(className)!.delete(rid);
  }
  toString = (): string => `delete(${this.pick})`;
}

class CreateUser implements fc.AsyncCommand<Model, Real> {
  constructor(readonly role: Role) {}
  check = (m: Readonly<Model>): boolean => m.users.length < 4;
  async run(m: Model, r: Real): Promise<void> {
    const user = { name: `user${m.users.length}`, role: this.role };
    await r.db.createUser(user.name, 'secret', user.role);
    m.users.push(user);
  }
  toString = (): string => `createUser(${this.role})`;
}

class Backup implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(m: Model, r: Real): Promise<void> {
    await r.db.incrementalBackup(r.dir);
    m.backups.push(dumpOf(m));
    expect(await r.db.dump()).toBe(m.backups[m.backups.length - 1]);
  }
  toString = (): string => 'backup';
}

const text = fc.oneof(
  { weight: 9, arbitrary: fc.string({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((length) => 'x'.repeat(length)) },
);

const insert = fc.tuple(fc.nat(), text).map(([pick, t]) => new Insert(pick, t));
const update = fc.tuple(fc.nat(), text).map(([pick, t]) => new Update(pick, t));
const remove = fc.nat().map((pick) => new Delete(pick));
const backup = fc.constant(new Backup());
// Repeated entries weigh the choice: mostly record writes, a backup every few of them.
const commands = fc.commands(
  [
    fc.constant(new CreateClass()),
    insert, insert, insert, insert, insert,
    update, update, update,
    remove, remove,
    fc.constantFrom<Role>('admin', 'writer', 'reader').map((role) => new CreateUser(role)),
    backup, backup, backup,
  ],
  { maxCommands: 30, size: 'medium' },
);

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ path: root, cleanup } = await tempDir('chain-property-'));
});
afterAll(() => cleanup());

describe('a chain restores, up to each index, to the model at that backup (INCR-032)', () => {
  it('for random writes interleaved with backups', async () => {
    const seed = process.env.FC_SEED === undefined ? Date.now() ^ 0x5eed : Number(process.env.FC_SEED);
    const numRuns = Number(process.env.FC_RUNS ?? 10);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(commands, async (sequence) => {
        const name = `run-${++run}`;
        const db = await Database.create(`plocal:${join(root, name)}`, FAST);
        const real: Real = { db, dir: join(root, `${name}-chain`) };
        const model: Model = { classes: new Map(), users: [{ name: 'admin', role: 'admin' }], backups: [] };
        try {
          await new CreateClass().run(model, real);
          await fc.asyncModelRun(() => ({ model, real }), sequence);
          await new Backup().run(model, real);
          for (let index = 0; index < model.backups.length; index++) {
            expect(await stagedDump(root, real.dir, index), `restoring up to index ${index}`).toBe(model.backups[index]);
          }
        } finally {
          await db.close();
          await rm(join(root, name), { recursive: true, force: true });
          await rm(real.dir, { recursive: true, force: true });
        }
      }),
      {
        seed,
        numRuns,
        ...(process.env.FC_PATH === undefined ? {} : { path: process.env.FC_PATH }),
        reporter: (details) => {
          if (details.failed) throw new Error(`${fc.defaultReportMessage(details)}\n(seed ${seed}: replay with FC_SEED=${seed}${details.counterexamplePath === null ? '' : ` FC_PATH=${details.counterexamplePath}`})`);
        },
      },
    );
  }, 120_000);
});
