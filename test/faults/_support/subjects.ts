/**
 * The operations the fault trials sweep, each with what it promises after a success and after a
 * failure.
 */
import { PassThrough } from 'node:stream';
import { expect } from 'vitest';
import { isCodedError } from '../../../src/errors.js';
import { MemoryFileSystem } from '../../../src/fs/index.js';
import { verifyBackup } from '../../../src/verify/index.js';
import { namesIn, treeOf } from './databases.js';
import type { FaultSubject, Trial } from './fault-trials.js';
import { WORLD } from './fault-world.js';

async function exists(trial: Trial, path: string): Promise<boolean> {
  return trial.memory.stat(path).then(
    () => true,
    () => false,
  );
}

async function expectValid(path: string, fs: MemoryFileSystem, what: string): Promise<void> {
  const report = await verifyBackup(path, { fs });
  expect(report.valid, `${what}: ${report.lines.join('\n')}`).toBe(true);
}

/** `db.backup(path, ...)`: on failure nothing at the path (a persistent fault may leave a complete archive: the rename happened, its undo could not). */
export const backupToPath: FaultSubject = {
  name: 'full backup to a path',
  run: (trial) => trial.db.backup(WORLD.target, null, null, null, 1, 16384),
  async checkResolved(trial) {
    await expectValid(WORLD.target, trial.memory, trial.label);
  },
  async checkRejected(trial) {
    if (await exists(trial, WORLD.target)) {
      expect(trial.persistent, `${trial.label}: a file is at the backup path after a one-off fault`).toBe(true);
      await expectValid(WORLD.target, trial.memory, `${trial.label}: the file left at the backup path`);
    }
  },
  async recover(trial) {
    await trial.db.backup(WORLD.target);
    await expectValid(WORLD.target, trial.memory, `${trial.label}: the next backup to the path`);
  },
  expectedDumps: (trial) => [trial.dumpBefore],
};

const streams = new WeakMap<Trial, { stream: PassThrough; chunks: Buffer[]; ended: boolean }>();

/** `db.backup(stream, ...)`: on failure the stream never ends as if complete. */
export const backupToStream: FaultSubject = {
  name: 'full backup to a stream',
  run(trial) {
    const state = { stream: new PassThrough(), chunks: [] as Buffer[], ended: false };
    state.stream.on('data', (chunk: Buffer) => state.chunks.push(chunk)).on('end', () => (state.ended = true));
    state.stream.on('error', () => undefined);
    streams.set(trial, state);
    return trial.db.backup(state.stream, null, null, null, 1, 16384);
  },
  async checkResolved(trial) {
    const scratch = new MemoryFileSystem();
    const handle = await scratch.open('/streamed.zip', 'w');
    const bytes = Buffer.concat(streams.get(trial)!.chunks);
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.close();
    await expectValid('/streamed.zip', scratch, trial.label);
  },
  async checkRejected(trial) {
    await new Promise((resolve) => setImmediate(resolve));
    expect(streams.get(trial)!.ended, `${trial.label}: the stream was ended as if the archive were complete`).toBe(false);
  },
  expectedDumps: (trial) => [trial.dumpBefore],
};

const chainsBefore = new WeakMap<Trial, string[]>();

/** `db.incrementalBackup(dir)`: on failure the chain is as it was; the next incremental backup works. */
export const incrementalBackup: FaultSubject = {
  name: 'incremental backup',
  async run(trial) {
    chainsBefore.set(trial, await namesIn(trial.memory, WORLD.chain));
    return trial.db.incrementalBackup(WORLD.chain);
  },
  async checkResolved(trial, name) {
    const chain = (await namesIn(trial.memory, WORLD.chain)).filter((file) => file.endsWith('.ibu'));
    expect(chain).toEqual([...chainsBefore.get(trial)!, name].sort());
    await expectValid(WORLD.chain, trial.memory, trial.label);
  },
  async checkRejected(trial) {
    const before = chainsBefore.get(trial)!;
    const added = (await namesIn(trial.memory, WORLD.chain)).filter((name) => !before.includes(name) && name.endsWith('.ibu'));
    if (added.length > 0) expect(trial.persistent, `${trial.label}: a chain file was added by a failed incremental backup`).toBe(true);
    await expectValid(WORLD.chain, trial.memory, `${trial.label}: the chain after a failed incremental backup`);
  },
  async recover(trial) {
    await trial.db.incrementalBackup(WORLD.chain);
    await expectValid(WORLD.chain, trial.memory, `${trial.label}: the chain after the next incremental backup`);
  },
  expectedDumps: (trial) => [trial.dumpBefore],
};

/** A restore into the open database: resolved, the new content; rejected, the database byte for byte as it was. */
function restoreSubject(name: string, source: string, restoredDump: (trial: Trial) => string): FaultSubject {
  return {
    name,
    atRest: true,
    run: (trial) => trial.db.restore(source),
    async checkResolved(trial) {
      // The session reads the restored content, unless reopening its storage after the swap
      // failed (then it reports that failure; the restart below proves the restore).
      const dump = await trial.db.dump().catch((error: unknown) => {
        if (isCodedError(error)) return undefined;
        throw error;
      });
      if (dump !== undefined) expect(dump, `${trial.label}: the session reads the restored content`).toBe(restoredDump(trial));
    },
    async checkRejected(trial) {
      if (trial.persistent) return;
      const tree = await treeOf(trial.memory, WORLD.db, (entry) => entry === 'database.lock');
      expect(tree, `${trial.label}: the database's files changed`).toEqual(trial.treeBefore);
    },
    // A persistent fault can stop a restore from learning whether its commit marker reached the
    // disk; the next open then finds it one way or the other, as after a crash (never a mix).
    expectedDumps: (trial, outcome) =>
      outcome.resolved ? [restoredDump(trial)] : trial.persistent ? [trial.dumpBefore, restoredDump(trial)] : [trial.dumpBefore],
  };
}

/** `db.restore(archive)`. */
export const restoreArchive = restoreSubject('restore of an archive', WORLD.archive, (trial) => trial.template.archiveDump);

/** `db.restore(directory)`: the incremental chain. */
export const restoreDirectory = restoreSubject('restore of an incremental directory', `${WORLD.chain}/`, (trial) => trial.template.chainDump);
