/**
 * Refusals before locking, free of side effects, in a fixed order (BACKUP-023 to BACKUP-027).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import type { BackupOutput, BackupResult, Connection, LockedCallable, MessageListener } from '../../adapter.js';
import { expectCode } from '../../assertions.js';
import { scenario, type ScenarioContext } from '../../scenario.js';
import { MANIFEST, dataEntries, expectSettles, fileOutput, fill, inspectArchive, namesIn, probeWrite, sizeOf, streamOutput } from './_support/helpers.js';

/** A null output. */
const nullOutput = scenario({
  id: 'backup/null-output-refused',
  title: 'backup(null, ...) is refused with ERR_INVALID_OUTPUT',
  requirements: ['BACKUP-023'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 3);
    await expectCode(conn.backup(null, null, null, null), 'ERR_INVALID_OUTPUT', 'a null output');
  },
});

/** A file target in a missing directory. */
const missingDirectory = scenario({
  id: 'backup/target-in-missing-directory-refused',
  title: 'a file target whose directory does not exist is refused with ERR_INVALID_OUTPUT, and the directory is not created',
  requirements: ['BACKUP-024'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await expectCode(conn.backup(fileOutput(ctx.path('missing', 'deeper', 'b.zip')), null, null, null), 'ERR_INVALID_OUTPUT', 'a target in a missing directory');
    assert.deepEqual(await namesIn(ctx.workdir), ['db'], 'the missing directory should not be created');
  },
});

/** A file target that is a directory. */
const directoryTarget = scenario({
  id: 'backup/target-is-directory-refused',
  title: 'a file target naming an existing directory is refused with ERR_INVALID_OUTPUT',
  requirements: ['BACKUP-024'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await mkdir(ctx.path('backups'));
    await expectCode(conn.backup(fileOutput(ctx.path('backups')), null, null, null), 'ERR_INVALID_OUTPUT', 'a target that is a directory');
  },
});

/** A target inside the database's own directory. */
const insideDatabase = scenario({
  id: 'backup/target-inside-database-refused',
  title: "a file target inside the database's directory, at any depth, is refused with ERR_BACKUP_TARGET_INSIDE_DATABASE",
  requirements: ['BACKUP-027'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 3);
    await mkdir(ctx.path('db', 'sub', 'deeper'), { recursive: true });
    for (const path of [ctx.path('db', 'b.zip'), ctx.path('db', 'sub', 'deeper', 'b.zip')]) {
      await expectCode(conn.backup(fileOutput(path), null, null, null), 'ERR_BACKUP_TARGET_INSIDE_DATABASE', path);
    }
  },
});

/** What {@link expectNoSideEffects} needs. */
interface RefusalCase {
  /** The connection whose backup is refused. */
  readonly conn: Connection;
  /** Another connection on the same database, for the probe write. */
  readonly other: Connection;
  /** A plocal database with the same classes, whose archive tells the entry names (default: `other`'s). */
  readonly namesFrom?: Connection;
  /** The output given to the refused call (its target must stay as it was). */
  readonly out: BackupOutput;
  /** Makes the refused call with the scenario's callable and listener. */
  call(out: BackupOutput, callable: LockedCallable, listener: MessageListener): Promise<BackupResult>;
  readonly code: string;
}

/**
 * Asserts BACKUP-025 for one refused call: the code, no callable call, no per-file message (a
 * message naming an entry of the database's archive), a probe write issued during the call not
 * held, the directory of a file target unchanged, the file behind a stream output empty.
 */
async function expectNoSideEffects(ctx: ScenarioContext, refusal: RefusalCase): Promise<void> {
  const listed = await namesIn(ctx.workdir);
  let calls = 0;
  const messages: string[] = [];
  const refused = refusal.call(refusal.out, () => void calls++, (message) => void messages.push(message));
  const probe = probeWrite(refusal.other, { probe: 'during a refused backup' });
  await expectCode(refused, refusal.code, 'the refused backup');
  await expectSettles(probe, 'a probe write issued during the refused call');
  assert.equal(calls, 0, 'the callable of a refused backup should not be called');
  if (refusal.out?.kind === 'stream') {
    assert.equal((await sizeOf(refusal.out.path)) ?? 0, 0, 'the file behind a stream output should be empty');
    assert.deepEqual((await namesIn(ctx.workdir)).filter((name) => !listed.includes(name)), [refusal.out.path.slice(ctx.workdir.length + 1)], 'nothing but the stream file should be created');
  } else {
    assert.deepEqual(await namesIn(ctx.workdir), listed, 'nothing should be written beside a file target');
  }
  await (refusal.namesFrom ?? refusal.other).backup(fileOutput(ctx.path('afterwards.zip')), null, null, null);
  const entries = dataEntries(await inspectArchive(ctx.path('afterwards.zip'))).map((entry) => entry.name);
  const perFile = messages.filter((message) => [...entries, MANIFEST].some((name) => message.includes(name)));
  assert.deepEqual(perFile, [], 'the listener of a refused backup should receive no per-file message');
}

/** A database `db` with records, and a second connection to it. */
async function twoConnections(ctx: ScenarioContext): Promise<{ conn: Connection; other: Connection }> {
  const conn = await ctx.newDatabase('db');
  await fill(conn, 10);
  return { conn, other: await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin') };
}

const sideEffects = [
  scenario({
    id: 'backup/refused-output-has-no-side-effects',
    title: 'a backup refused with ERR_INVALID_OUTPUT locks nothing, calls nothing and writes nothing',
    requirements: ['BACKUP-025'],
    async run(ctx) {
      const { conn, other } = await twoConnections(ctx);
      const out = fileOutput(ctx.path('missing', 'b.zip'));
      await expectNoSideEffects(ctx, { conn, other, out, code: 'ERR_INVALID_OUTPUT', call: (o, c, l) => conn.backup(o, null, c, l) });
    },
  }),
  scenario({
    id: 'backup/refused-options-have-no-side-effects',
    title: 'a backup refused with ERR_INVALID_OPTIONS locks nothing, calls nothing and writes nothing',
    requirements: ['BACKUP-025'],
    async run(ctx) {
      const { conn, other } = await twoConnections(ctx);
      await expectNoSideEffects(ctx, { conn, other, out: fileOutput(ctx.path('b.zip')), code: 'ERR_INVALID_OPTIONS', call: (o, c, l) => conn.backup(o, 5 as never, c, l) });
    },
  }),
  scenario({
    id: 'backup/refused-level-has-no-side-effects',
    title: 'a backup refused with ERR_INVALID_COMPRESSION_LEVEL locks nothing, calls nothing and writes nothing',
    requirements: ['BACKUP-025'],
    async run(ctx) {
      const { conn, other } = await twoConnections(ctx);
      await expectNoSideEffects(ctx, { conn, other, out: fileOutput(ctx.path('b.zip')), code: 'ERR_INVALID_COMPRESSION_LEVEL', call: (o, c, l) => conn.backup(o, null, c, l, 11) });
    },
  }),
  scenario({
    id: 'backup/refused-level-to-stream-has-no-side-effects',
    title: 'a stream backup refused with ERR_INVALID_COMPRESSION_LEVEL leaves the file behind the stream empty',
    requirements: ['BACKUP-025'],
    features: ['stream-output'],
    async run(ctx) {
      const { conn, other } = await twoConnections(ctx);
      await expectNoSideEffects(ctx, { conn, other, out: streamOutput(ctx.path('stream.zip')), code: 'ERR_INVALID_COMPRESSION_LEVEL', call: (o, c, l) => conn.backup(o, null, c, l, -1) });
    },
  }),
  scenario({
    id: 'backup/refused-buffer-size-has-no-side-effects',
    title: 'a backup refused with ERR_INVALID_BUFFER_SIZE locks nothing, calls nothing and writes nothing',
    requirements: ['BACKUP-025'],
    async run(ctx) {
      const { conn, other } = await twoConnections(ctx);
      await expectNoSideEffects(ctx, { conn, other, out: fileOutput(ctx.path('b.zip')), code: 'ERR_INVALID_BUFFER_SIZE', call: (o, c, l) => conn.backup(o, null, c, l, undefined, -5) });
    },
  }),
  scenario({
    id: 'backup/refused-closed-has-no-side-effects',
    title: 'a backup refused with ERR_DATABASE_CLOSED locks nothing, calls nothing and writes nothing',
    requirements: ['BACKUP-025'],
    async run(ctx) {
      const { conn, other } = await twoConnections(ctx);
      await conn.close();
      await expectNoSideEffects(ctx, { conn, other, out: fileOutput(ctx.path('b.zip')), code: 'ERR_DATABASE_CLOSED', call: (o, c, l) => conn.backup(o, null, c, l) });
    },
  }),
  scenario({
    id: 'backup/refused-permission-has-no-side-effects',
    title: 'a backup refused with ERR_PERMISSION_DENIED locks nothing, calls nothing and writes nothing',
    requirements: ['BACKUP-025'],
    features: ['permissions'],
    async run(ctx) {
      const { conn, other } = await twoConnections(ctx);
      await conn.createUser('reader1', 'reader1', 'reader');
      const reader = await ctx.impl.openDatabase(ctx.urlOf('db'), 'reader1', 'reader1');
      await expectNoSideEffects(ctx, { conn: reader, other, out: fileOutput(ctx.path('b.zip')), code: 'ERR_PERMISSION_DENIED', call: (o, c, l) => reader.backup(o, null, c, l) });
    },
  }),
  scenario({
    id: 'backup/refused-target-inside-database-has-no-side-effects',
    title: 'a backup refused with ERR_BACKUP_TARGET_INSIDE_DATABASE locks nothing, calls nothing and writes nothing',
    requirements: ['BACKUP-025'],
    async run(ctx) {
      const { conn, other } = await twoConnections(ctx);
      const before = await namesIn(ctx.path('db'));
      await expectNoSideEffects(ctx, { conn, other, out: fileOutput(ctx.path('db', 'b.zip')), code: 'ERR_BACKUP_TARGET_INSIDE_DATABASE', call: (o, c, l) => conn.backup(o, null, c, l) });
      assert.ok(!(await namesIn(ctx.path('db'))).some((name) => !before.includes(name) && name.includes('b.zip')), 'nothing should be written inside the database directory');
    },
  }),
  scenario({
    id: 'backup/refused-memory-has-no-side-effects',
    title: 'a backup of a memory: database refused with ERR_UNSUPPORTED_STORAGE locks nothing, calls nothing and writes nothing',
    requirements: ['BACKUP-025'],
    features: ['memory-storage'],
    async run(ctx) {
      const url = `memory:backup-refused-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      const conn = await ctx.impl.createDatabase(url);
      await fill(conn, 10);
      const other = await ctx.impl.openDatabase(url, 'admin', 'admin');
      const plocal = await ctx.newDatabase('db');
      await fill(plocal, 10);
      await expectNoSideEffects(ctx, { conn, other, namesFrom: plocal, out: fileOutput(ctx.path('b.zip')), code: 'ERR_UNSUPPORTED_STORAGE', call: (o, c, l) => conn.backup(o, null, c, l) });
    },
  }),
];

/** The order of the checks (SHOULD). */
const order = [
  scenario({
    id: 'backup/refusal-order-arguments',
    title: 'with several bad arguments the first in order out, options, compressionLevel, bufferSize is reported',
    requirements: ['BACKUP-026'],
    async run(ctx) {
      const conn = await ctx.newDatabase('db');
      const out = fileOutput(ctx.path('b.zip'));
      await expectCode(conn.backup(fileOutput(ctx.path('missing', 'b.zip')), 5 as never, null, null, 10, 0), 'ERR_INVALID_OUTPUT', 'a target in a missing directory, bad options, level and buffer size');
      await expectCode(conn.backup(out, 5 as never, null, null, 10, 0), 'ERR_INVALID_OPTIONS', 'bad options, level and buffer size');
      await expectCode(conn.backup(out, null, null, null, 10, 0), 'ERR_INVALID_COMPRESSION_LEVEL', 'bad level and buffer size');
    },
  }),
  scenario({
    id: 'backup/refusal-order-closed-first',
    title: 'a closed connection is reported before any bad argument',
    requirements: ['BACKUP-026'],
    async run(ctx) {
      const conn = await ctx.newDatabase('db');
      await conn.close();
      await expectCode(conn.backup(null, 5 as never, null, null, 10, 0), 'ERR_DATABASE_CLOSED', 'closed connection with bad arguments');
    },
  }),
  scenario({
    id: 'backup/refusal-order-permission-before-arguments',
    title: 'a missing permission is reported before any bad argument',
    requirements: ['BACKUP-026'],
    features: ['permissions'],
    async run(ctx) {
      const conn = await ctx.newDatabase('db');
      await conn.createUser('reader1', 'reader1', 'reader');
      const reader = await ctx.impl.openDatabase(ctx.urlOf('db'), 'reader1', 'reader1');
      await expectCode(reader.backup(null, 5 as never, null, null, 10, 0), 'ERR_PERMISSION_DENIED', 'a reader with bad arguments');
    },
  }),
  scenario({
    id: 'backup/refusal-order-storage-before-arguments',
    title: 'an unsupported storage is reported before any bad argument',
    requirements: ['BACKUP-026'],
    features: ['memory-storage'],
    async run(ctx) {
      const conn = await ctx.impl.createDatabase(`memory:backup-order-${Date.now()}-${Math.random().toString(36).slice(2)}`);
      await expectCode(conn.backup(null, 5 as never, null, null, 10, 0), 'ERR_UNSUPPORTED_STORAGE', 'a memory database with bad arguments');
    },
  }),
];

export default [nullOutput, missingDirectory, directoryTarget, insideDatabase, ...sideEffects, ...order];
