import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/engine/canonical-json.js';
import { DUMP_FORMAT, Database, PAGE_SIZE, type JsonObject, type JsonValue } from '../../src/engine/index.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, checkedDump, expectCode } from './_helpers.js';

/** What the database should hold. */
interface Model {
  classes: { name: string; clusterId: number; nextPosition: number }[];
  records: Map<string, { version: number; content: JsonObject; clusterId: number; position: number }>;
}

/** The database under test; `fs` changes when a crash is simulated. */
interface Real {
  db: Database;
  fs: MemoryFileSystem;
  readonly url: string;
}

const OPTIONS = { ...FAST, pageCacheBytes: 8 * PAGE_SIZE, walCheckpointBytes: 32 * PAGE_SIZE };

function modelDump(model: Model): string {
  const classes = [...model.classes]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((info) => ({
      name: info.name,
      records: [...model.records.entries()]
        .filter(([, record]) => record.clusterId === info.clusterId)
        .sort(([, a], [, b]) => a.position - b.position)
        .map(([rid, record]) => ({ content: record.content, rid, version: record.version })),
    }));
  return canonicalJson({ classes, format: DUMP_FORMAT, users: [{ name: 'admin', role: 'admin' }] } as unknown as JsonValue);
}

async function compare(model: Model, real: Real): Promise<void> {
  expect(await checkedDump(real.db)).toBe(modelDump(model));
}

function liveRid(model: Model, pick: number): string | undefined {
  const rids = [...model.records.keys()];
  return rids.length === 0 ? undefined : rids[pick % rids.length];
}

class CreateClass implements fc.AsyncCommand<Model, Real> {
  constructor(readonly name: string) {}
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const exists = model.classes.some((info) => info.name.toLowerCase() === this.name.toLowerCase());
    if (exists) {
      await expectCode(real.db.createClass(this.name), 'ERR_CLASS_EXISTS');
      return;
    }
    const info = await real.db.createClass(this.name);
    expect(info.clusterId).toBe(model.classes.length + 1);
    model.classes.push({ name: this.name, clusterId: info.clusterId, nextPosition: 0 });
  }
  toString = (): string => `createClass(${this.name})`;
}

class Insert implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly content: JsonObject) {}
  check = (model: Readonly<Model>): boolean => model.classes.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const info = model.classes[this.pick % model.classes.length]!;
    const record = await real.db.insert(info.name, this.content);
    expect(record.rid).toBe(`#${info.clusterId}:${info.nextPosition}`);
    expect(record.version).toBe(1);
    model.records.set(record.rid, { version: 1, content: this.content, clusterId: info.clusterId, position: info.nextPosition });
    info.nextPosition++;
  }
  toString = (): string => `insert(${this.pick}, ${JSON.stringify(this.content).length} bytes)`;
}

class Update implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly content: JsonObject, readonly stale: boolean) {}
  check = (model: Readonly<Model>): boolean => model.records.size > 0;
  async run(model: Model, real: Real): Promise<void> {
    const rid = liveRid(model, this.pick)!;
    const current = model.records.get(rid)!;
    if (this.stale) {
      await expectCode(real.db.update(rid, this.content, current.version + 1), 'ERR_CONCURRENT_MODIFICATION');
      return;
    }
    const updated = await real.db.update(rid, this.content, current.version);
    expect(updated.version).toBe(current.version + 1);
    model.records.set(rid, { ...current, version: current.version + 1, content: this.content });
  }
  toString = (): string => `update(${this.pick}, ${JSON.stringify(this.content).length} bytes${this.stale ? ', stale' : ''})`;
}

class Delete implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>): boolean => model.records.size > 0;
  async run(model: Model, real: Real): Promise<void> {
    const rid = liveRid(model, this.pick)!;
    await real.db.delete(rid);
    model.records.delete(rid);
    await expectCode(real.db.load(rid), 'ERR_RECORD_NOT_FOUND');
  }
  toString = (): string => `delete(${this.pick})`;
}

class Reopen implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.db.close();
    real.db = await Database.open(real.url, 'admin', 'admin', { fs: real.fs, ...OPTIONS });
    await compare(model, real);
  }
  toString = (): string => 'reopen';
}

class Checkpoint implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    await real.db.storage.checkpoint();
    await compare(model, real);
  }
  toString = (): string => 'checkpoint';
}

/** A power loss: the process is gone, only what was fsynced remains; every acknowledged operation must be there. */
class Crash implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true;
  async run(model: Model, real: Real): Promise<void> {
    const copy = real.fs.powerLossCopy();
    await copy.rm(`${real.url.slice('plocal:'.length)}/database.lock`, { force: true });
    await real.db.close(); // the old storage closes on the old file system, out of the copy's way
    real.fs = copy;
    real.db = await Database.open(real.url, 'admin', 'admin', { fs: real.fs, ...OPTIONS });
    await compare(model, real);
  }
  toString = (): string => 'crash';
}

const jsonContent: fc.Arbitrary<JsonObject> = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }) as fc.Arbitrary<JsonObject> },
  { weight: 2, arbitrary: fc.record({ text: fc.string({ minLength: 500, maxLength: 6000 }) }) },
  { weight: 1, arbitrary: fc.record({ big: fc.integer({ min: 9000, max: 40_000 }).map((n) => 'x'.repeat(n)) }) },
);

const insert = fc.tuple(fc.nat(), jsonContent).map(([pick, content]) => new Insert(pick, content));
const update = fc.tuple(fc.nat(), jsonContent, fc.boolean()).map(([pick, content, stale]) => new Update(pick, content, stale));
const commands = fc.commands(
  [
    fc.constantFrom('Person', 'Place', 'person', 'Thing').map((name) => new CreateClass(name)),
    insert,
    insert,
    insert,
    insert,
    update,
    update,
    fc.nat().map((pick) => new Delete(pick)),
    fc.constant(new Reopen()),
    fc.constant(new Checkpoint()),
    fc.constant(new Crash()),
  ],
  { maxCommands: 60, size: 'large' },
);

const seed = process.env.FC_SEED === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env.FC_SEED);
const numRuns = Number(process.env.FC_RUNS ?? 50);

describe('model-based: random create/update/delete/reopen/checkpoint/crash sequences', () => {
  it(`match an in-memory model (seed ${seed}; replay with FC_SEED=${seed})`, async () => {
    console.log(`engine model test: FC_SEED=${seed} FC_RUNS=${numRuns}`);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(commands, async (sequence) => {
        const fs = new MemoryFileSystem();
        const url = `plocal:/model-${run++}`;
        const real: Real = { db: await Database.create(url, { fs, ...OPTIONS }), fs, url };
        await real.db.createClass('Start');
        const model: Model = { classes: [{ name: 'Start', clusterId: 1, nextPosition: 0 }], records: new Map() };
        try {
          await fc.asyncModelRun(() => ({ model, real }), sequence);
          await compare(model, real);
        } finally {
          await real.db.close();
        }
      }),
      { seed, numRuns, endOnFailure: false },
    );
  });
});
