/**
 * The model-based fuzz campaign (`fc.commands`): random sequences of everything a database and its
 * backups go through, run against the reference on a MemoryFileSystem and against a model (the
 * records of class `Item` by position, the archives taken and the states of the incremental chain).
 * After every command the database's records must equal the model's.
 *
 * Commands: insert, update, delete (and update or delete of a missing record: ERR_RECORD_NOT_FOUND),
 * a full backup to a path or to a stream (any level, mode and buffer size; every stream write
 * exactly `bufferSize` bytes but the last), an incremental backup, a restore of an archive (by
 * path or as a stream), of the chain (whole or up to an index) and into a new database, verify,
 * a refused backup (bad level, buffer size or option: nothing changes), reopen, a process crash
 * (`processCrashCopy`) and a power loss (`powerLossCopy`, torn or not): with `sync` durability
 * every acknowledged write survives both, and so do the archives and chain files.
 */
import { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { expect } from 'vitest';
import { Database, type JsonObject } from '../../../src/engine/index.js';
import { isCodedError } from '../../../src/errors.js';
import { MemoryFileSystem } from '../../../src/fs/index.js';
import { restoreToNewDatabase } from '../../../src/restore/index.js';
import { seededRandom } from '../../../src/testing/seeded-random.js';
import { verifyBackup } from '../../../src/verify/index.js';
import { FAST, within } from '../../faults/_support/databases.js';

const URL = 'plocal:/f/db';
const STEP_MS = 20_000;

/** The records of `Item`, by position. */
type Records = Map<number, { readonly content: JsonObject; readonly version: number }>;

/** A state of the records the model can come back to. */
interface Snapshot {
  readonly records: Records;
  readonly next: number;
}

/** The model. */
export interface FuzzModel {
  records: Records;
  /** The position the next insert gets (positions are never reused). */
  next: number;
  readonly archives: { readonly path: string; readonly state: Snapshot }[];
  /** The current chain: its directory and the state at each index. */
  chain: { readonly directory: string; readonly states: Snapshot[] };
  chains: number;
  copies: number;
}

/** The system under test (replaced whole by reopen, crash and power loss). */
export interface FuzzReal {
  fs: MemoryFileSystem;
  db: Database;
  clusterId: number;
}

type FuzzCommand = fc.AsyncCommand<FuzzModel, FuzzReal, false>;

function snapshot(model: FuzzModel): Snapshot {
  return { records: new Map(model.records), next: model.next };
}

function restoreModel(model: FuzzModel, state: Snapshot): void {
  model.records = new Map(state.records);
  model.next = state.next;
  // A restored database has a new instance id: the chain in the current directory is foreign to it now.
  model.chain = { directory: `/f/chain-${++model.chains}`, states: [] };
}

/** The database's `Item` records, compared with the model's. */
async function expectModel(model: FuzzModel, real: FuzzReal, what: string): Promise<void> {
  const dump = JSON.parse(await within(real.db.dump(), STEP_MS, `${what}: dump`)) as { classes: { name: string; records: { rid: string; version: number; content: JsonObject }[] }[] };
  const found = dump.classes.find((info) => info.name === 'Item')?.records ?? [];
  const expected = [...model.records.entries()].sort(([a], [b]) => a - b).map(([position, record]) => ({ rid: `#${real.clusterId}:${position}`, version: record.version, content: record.content }));
  expect(found, `after ${what}`).toEqual(expected);
}

async function itemsOf(db: Database, clusterId: number): Promise<unknown> {
  const dump = JSON.parse(await db.dump()) as { classes: { name: string; records: unknown[] }[] };
  void clusterId;
  return dump.classes.find((info) => info.name === 'Item')?.records ?? [];
}

function livePositions(model: FuzzModel): number[] {
  return [...model.records.keys()].sort((a, b) => a - b);
}

async function writeDurably(fs: MemoryFileSystem, path: string, bytes: Buffer): Promise<void> {
  const handle = await fs.open(path, 'wx');
  await handle.write(bytes, 0, bytes.length, 0);
  await handle.sync();
  await handle.close();
  await fs.syncDir(path.slice(0, path.lastIndexOf('/')));
}

/** A command from a name, a precondition and a body (which gets the model and the real system). */
function command(label: string, check: (model: Readonly<FuzzModel>) => boolean, body: (model: FuzzModel, real: FuzzReal) => Promise<void>): FuzzCommand {
  return {
    check,
    async run(model, real) {
      await within(body(model, real), STEP_MS, label);
      await expectModel(model, real, label);
    },
    toString: () => label,
  };
}

const content: fc.Arbitrary<JsonObject> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ n: fc.integer(), s: fc.string({ maxLength: 24 }), flag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ n: fc.integer(), pad: fc.nat({ max: 20_000 }).map((size) => 'x'.repeat(size)) }) },
  { weight: 1, arbitrary: fc.record({ nested: fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null)), { maxLength: 6 }) }) },
) as fc.Arbitrary<JsonObject>;

const level = fc.integer({ min: 0, max: 9 });
const bufferSize = fc.oneof(fc.constantFrom(1, 7, 512, 4096, 65536, 1_048_576), fc.integer({ min: 2, max: 200_000 }));
const mode = fc.constantFrom('freeze' as const, 'snapshot' as const);

const insert = content.map((value) =>
  command(`insert ${JSON.stringify(value).slice(0, 40)}`, () => true, async (model, real) => {
    const record = await real.db.insert('Item', value);
    expect(record.rid).toBe(`#${real.clusterId}:${model.next}`);
    model.records.set(model.next++, { content: value, version: 1 });
  }),
);

const update = fc.tuple(fc.nat(), content).map(([pick, value]) =>
  command(`update #${pick} ${JSON.stringify(value).slice(0, 30)}`, (model) => model.records.size > 0, async (model, real) => {
    const positions = livePositions(model);
    const position = positions[pick % positions.length]!;
    const { version } = await real.db.update(`#${real.clusterId}:${position}`, value);
    expect(version).toBe(model.records.get(position)!.version + 1);
    model.records.set(position, { content: value, version });
  }),
);

const remove = fc.nat().map((pick) =>
  command(`delete #${pick}`, (model) => model.records.size > 0, async (model, real) => {
    const positions = livePositions(model);
    const position = positions[pick % positions.length]!;
    await real.db.delete(`#${real.clusterId}:${position}`);
    model.records.delete(position);
  }),
);

const missing = fc.tuple(fc.nat({ max: 50 }), fc.boolean()).map(([position, asUpdate]) =>
  command(`${asUpdate ? 'update' : 'delete'} missing #${position}`, (model) => !model.records.has(position), async (_model, real) => {
    const rid = `#${real.clusterId}:${position}`;
    const error = await (asUpdate ? real.db.update(rid, { x: 1 }) : real.db.delete(rid)).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isCodedError(error, 'ERR_RECORD_NOT_FOUND'), String(error)).toBe(true);
  }),
);

const backupToPath = fc.tuple(level, bufferSize, mode).map(([compressionLevel, size, how]) =>
  command(`backup to a path (level ${compressionLevel}, buffer ${size}, ${how})`, () => true, async (model, real) => {
    const path = `/f/backups/b${model.archives.length}.zip`;
    const summary = await real.db.backup(path, { compressionLevel, bufferSize: size, mode: how });
    expect((await real.fs.stat(path)).size).toBe(summary.bytes);
    model.archives.push({ path, state: snapshot(model) });
  }),
);

const backupToStream = fc.tuple(level, bufferSize, mode).map(([compressionLevel, size, how]) =>
  command(`backup to a stream (level ${compressionLevel}, buffer ${size}, ${how})`, () => true, async (model, real) => {
    const chunks: Buffer[] = [];
    const stream = new PassThrough().on('data', (chunk: Buffer) => chunks.push(chunk));
    await real.db.backup(stream, { compressionLevel, bufferSize: size, mode: how });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBe(size);
    expect(chunks.at(-1)!.length).toBeLessThanOrEqual(size);
    const path = `/f/backups/b${model.archives.length}.zip`;
    await writeDurably(real.fs, path, Buffer.concat(chunks));
    model.archives.push({ path, state: snapshot(model) });
  }),
);

const badBackup = fc.constantFrom(
  { compressionLevel: 10 },
  { compressionLevel: -1 },
  { bufferSize: 0 },
  { bufferSize: 1.5 },
  { mode: 'copy' },
  { unknown: true },
).map((options) =>
  command(`refused backup ${JSON.stringify(options)}`, () => true, async (model, real) => {
    const path = `/f/backups/refused.zip`;
    const error = await real.db.backup(path, options as never).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isCodedError(error), String(error)).toBe(true);
    await expect(real.fs.stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    void model;
  }),
);

const incremental = fc.constant(null).map(() =>
  command('incremental backup', () => true, async (model, real) => {
    await real.db.incrementalBackup(model.chain.directory);
    model.chain.states.push(snapshot(model));
  }),
);

const restoreArchive = fc.tuple(fc.nat(), fc.boolean()).map(([pick, asStream]) =>
  command(`restore archive #${pick}${asStream ? ' as a stream' : ''}`, (model) => model.archives.length > 0, async (model, real) => {
    const archive = model.archives[pick % model.archives.length]!;
    if (asStream) {
      const bytes = await real.fs.readFile(archive.path);
      const pieces = [bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)];
      await real.db.restore(Readable.from(pieces));
    } else {
      await real.db.restore(archive.path);
    }
    restoreModel(model, archive.state);
  }),
);

const restoreChain = fc.option(fc.nat()).map((pick) =>
  command(`restore the chain${pick === null ? '' : ` up to #${pick}`}`, (model) => model.chain.states.length > 0, async (model, real) => {
    const states = model.chain.states;
    const index = pick === null ? states.length - 1 : pick % states.length;
    await real.db.restore(`${model.chain.directory}/`, pick === null ? null : { upToIndex: index });
    restoreModel(model, states[index]!);
  }),
);

const restoreToNew = fc.nat().map((pick) =>
  command(`restore archive #${pick} into a new database`, (model) => model.archives.length > 0, async (model, real) => {
    const archive = model.archives[pick % model.archives.length]!;
    const url = `plocal:/f/copy-${++model.copies}`;
    await restoreToNewDatabase(archive.path, url, null, { fs: real.fs });
    const copy = await Database.open(url, 'admin', 'admin', { ...FAST, fs: real.fs });
    const expected = [...archive.state.records.entries()].sort(([a], [b]) => a - b).map(([position, record]) => ({ rid: `#${real.clusterId}:${position}`, version: record.version, content: record.content }));
    expect(await itemsOf(copy, real.clusterId)).toEqual(expected);
    await copy.close();
  }),
);

const verify = fc.option(fc.nat()).map((pick) =>
  command(`verify ${pick === null ? 'the chain' : `archive #${pick}`}`, (model) => (pick === null ? model.chain.states.length > 0 : model.archives.length > 0), async (model, real) => {
    const path = pick === null ? model.chain.directory : model.archives[pick % model.archives.length]!.path;
    const report = await verifyBackup(path, { fs: real.fs });
    expect(report.valid, report.lines.join('\n')).toBe(true);
  }),
);

const reopen = fc.constant(null).map(() =>
  command('reopen', () => true, async (_model, real) => {
    await real.db.close();
    real.db = await Database.open(URL, 'admin', 'admin', { ...FAST, fs: real.fs });
  }),
);

/** The process dies (everything it wrote stays) or the power goes (only what was synced stays, unsynced writes torn or not). */
const crash = fc.oneof(fc.constant({ kind: 'process' as const, seed: 0 }), fc.record({ kind: fc.constantFrom('power' as const, 'torn power' as const), seed: fc.nat() })).map(({ kind, seed }) =>
  command(`${kind} crash`, () => true, async (_model, real) => {
    const copy =
      kind === 'process' ? real.fs.processCrashCopy() : kind === 'power' ? real.fs.powerLossCopy() : real.fs.powerLossCopy({ random: seededRandom(seed).next });
    // The dead process's lock file stays in the copy; closing here only frees this process's hold on it.
    await real.db.close();
    real.fs = copy;
    real.db = await Database.open(URL, 'admin', 'admin', { ...FAST, fs: real.fs });
  }),
);

/** Every command, weighted toward writes. */
export const FUZZ_COMMANDS = [
  insert,
  insert,
  insert,
  update,
  update,
  remove,
  missing,
  backupToPath,
  backupToStream,
  badBackup,
  incremental,
  incremental,
  restoreArchive,
  restoreChain,
  restoreToNew,
  verify,
  reopen,
  crash,
];

/** A fresh system and model: an empty database with the class `Item`. */
export async function freshSystem(): Promise<{ model: FuzzModel; real: FuzzReal }> {
  const fs = new MemoryFileSystem();
  await fs.mkdir('/f/backups', { recursive: true });
  const db = await Database.create(URL, { ...FAST, fs });
  const { clusterId } = await db.createClass('Item');
  return {
    model: { records: new Map(), next: 0, archives: [], chain: { directory: '/f/chain-0', states: [] }, chains: 0, copies: 0 },
    real: { fs, db, clusterId },
  };
}

/** The property the campaign checks: every command sequence keeps the database equal to the model. */
export function modelProperty(options: {
  maxCommands: number;
  replayPath?: string;
  /** Breaks the fresh system on purpose (the campaign's own negative control). */
  sabotage?: (real: FuzzReal) => void;
}): fc.IAsyncPropertyWithHooks<[Iterable<FuzzCommand>]> {
  return fc.asyncProperty(
    // 'medium': about 17 commands a run on average (the default size gives 4).
    fc.commands(FUZZ_COMMANDS, { maxCommands: options.maxCommands, size: 'medium', ...(options.replayPath === undefined ? {} : { replayPath: options.replayPath }) }),
    async (commands) => {
      const system = await freshSystem();
      options.sabotage?.(system.real);
      try {
        await fc.asyncModelRun(() => system, commands);
      } finally {
        await system.real.db.close().catch(() => undefined);
      }
    },
  );
}
