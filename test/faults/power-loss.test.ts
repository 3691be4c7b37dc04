/**
 * Simulated power loss at every I/O step of a full backup to a path, an incremental backup and a
 * restore: before each file-system call the operation makes, the state a power loss would leave
 * is taken twice (unsynced writes dropped; unsynced writes torn: file sectors each old or new,
 * unsynced directory changes all in or all out, with a seeded random source: `POWER_SEED`
 * replays it). Each copy, opened as a
 * machine would after the reboot, must hold:
 * - a database that recovers to a consistent state (scan, load and count agree) holding every
 *   write acknowledged before that step, and the writer's writes as a gap-free prefix;
 * - at the backup path either nothing or a complete, verifiable archive that restores;
 * - a chain directory whose next incremental backup works and restores to the database (checked
 *   on every copy holding the new chain file and a sample of the others; `POWER_LOSS=all` checks
 *   every copy);
 * - for a restore, exactly the old database or exactly the new one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { FaultyFileSystem, type MemoryFileSystem } from '../../src/fs/index.js';
import { restoreToNewDatabase } from '../../src/restore/index.js';
import { seedFromEnvironment, seededRandom } from '../../src/testing/seeded-random.js';
import { verifyBackup } from '../../src/verify/index.js';
import { FAST, namesIn } from './_support/databases.js';
import { withoutProbes } from './_support/fault-trials.js';
import { WORLD, type WorldTemplate, buildWorld } from './_support/fault-world.js';

const SEED = seedFromEnvironment('POWER_SEED');
let template: WorldTemplate;
beforeAll(async () => {
  template = await buildWorld();
  console.log(`[power-loss] POWER_SEED=${SEED}`);
});

/** A copy taken before one call, with the number of the writer's writes acknowledged by then. */
interface Loss {
  readonly step: number;
  readonly call: string;
  readonly torn: boolean;
  readonly copy: MemoryFileSystem;
  readonly acknowledged: number;
}

/** Runs `operation` on a session over a copy of the world, taking both power-loss copies before every call it makes. */
async function underPowerLoss(
  operation: (db: Database) => Promise<unknown>,
  options: { writer: boolean },
): Promise<{ losses: Loss[]; finalAcknowledged: number; before: string }> {
  const memory = template.memory.processCrashCopy();
  const fs = new FaultyFileSystem(memory);
  const db = await Database.open(WORLD.url, 'admin', 'admin', { ...FAST, fs });
  await db.storage.checkpoint();
  const before = await db.dump();
  const random = seededRandom(SEED);
  const losses: Loss[] = [];
  let acknowledged = 0;
  let step = 0;
  let writing = options.writer;
  const stop = fs.observe((call) => {
    step++;
    const what = `${call.operation} ${call.paths.join(' ')}`;
    losses.push({ step, call: what, torn: false, copy: memory.powerLossCopy(), acknowledged });
    losses.push({ step, call: what, torn: true, copy: memory.powerLossCopy({ random: random.next }), acknowledged });
  });
  const writer = (async () => {
    for (let seq = 1; writing; seq++) {
      await db.insert('Item', { probe: seq });
      acknowledged = seq;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await operation(db);
  writing = false;
  await writer;
  stop();
  await db.close();
  return { losses, finalAcknowledged: acknowledged, before };
}

/** Opens the database of a copy and checks it: consistent, every acknowledged probe there, probes gap-free. Resolves its dump. */
async function recovered(loss: Loss, what: string): Promise<{ db: Database; dump: string }> {
  const label = `${what}, power lost before step ${loss.step} (${loss.call})${loss.torn ? ', torn' : ''}`;
  let db: Database;
  try {
    db = await Database.open(WORLD.url, 'admin', 'admin', { ...FAST, fs: loss.copy });
  } catch (error) {
    throw new Error(`${label}: the database does not open: ${String(error)}`);
  }
  const dump = await db.dump();
  const parsed = JSON.parse(dump) as { classes: { name: string; records: { rid: string; version: number; content: { probe?: number } }[] }[] };
  for (const { name, records } of parsed.classes) {
    expect(await db.count(name), label).toBe(records.length);
    for (const record of records) expect(await db.load(record.rid), label).toEqual(record);
  }
  const probes = parsed.classes.flatMap((info) => info.records).flatMap((record) => (record.content.probe === undefined ? [] : [record.content.probe]));
  expect(probes.length, `${label}: acknowledged writes lost`).toBeGreaterThanOrEqual(loss.acknowledged);
  expect(probes, `${label}: the writes are not a prefix`).toEqual(probes.map((_, i) => i + 1));
  return { db, dump };
}

describe('power loss at every I/O step', () => {
  it('of a full backup to a path (snapshot mode, a writer going on)', async () => {
    const { losses } = await underPowerLoss((db) => db.backup(WORLD.target, { mode: 'snapshot', compressionLevel: 1, bufferSize: 16384 }), { writer: true });
    let archives = 0;
    for (const loss of losses) {
      const { db, dump } = await recovered(loss, 'full backup');
      if ((await namesIn(loss.copy, WORLD.out)).includes('full.zip')) {
        const report = await verifyBackup(WORLD.target, { fs: loss.copy });
        expect(report.valid, `step ${loss.step}${loss.torn ? ' torn' : ''}: ${report.lines.join('\n')}`).toBe(true);
        await restoreToNewDatabase(WORLD.target, 'plocal:/w/restored', null, { fs: loss.copy });
        const restored = await Database.open('plocal:/w/restored', 'admin', 'admin', { ...FAST, fs: loss.copy });
        // The archive holds a state the database went through: every record of it is in the database or was written after.
        expect(withoutProbes(await restored.dump())).toBe(withoutProbes(dump));
        await restored.close();
        archives++;
      }
      // The next backup to the path works.
      await db.backup(WORLD.target);
      expect((await verifyBackup(WORLD.target, { fs: loss.copy })).valid).toBe(true);
      await db.close();
    }
    console.log(`[power-loss] full backup: ${losses.length} copies checked (${losses.length / 2} steps), ${archives} held a complete archive`);
    expect(archives).toBeGreaterThan(0);
  });

  it('of an incremental backup (a writer going on): the chain stays usable', async () => {
    const { losses } = await underPowerLoss((db) => db.incrementalBackup(WORLD.chain), { writer: true });
    // Extending and restoring the chain is the slow check: every copy with POWER_LOSS=all, else
    // the copies holding the new file and a seeded sample of the others.
    const sampled = new Set(seededRandom(SEED).sample(losses, 40));
    let added = 0;
    let extended = 0;
    for (const loss of losses) {
      const { db } = await recovered(loss, 'incremental backup');
      const holdsNewFile = (await namesIn(loss.copy, WORLD.chain)).filter((name) => name.endsWith('.ibu')).length > 2;
      if (holdsNewFile) added++;
      if (!holdsNewFile && !sampled.has(loss) && process.env.POWER_LOSS !== 'all') {
        await db.close();
        continue;
      }
      extended++;
      const verdict = await verifyBackup(WORLD.chain, { fs: loss.copy });
      expect(verdict.valid, `step ${loss.step}${loss.torn ? ' torn' : ''}: the chain after the power loss: ${verdict.lines.join('\n')}`).toBe(true);
      await db.incrementalBackup(WORLD.chain);
      const dump = await db.dump();
      await db.close();
      await restoreToNewDatabase(`${WORLD.chain}/`, 'plocal:/w/restored', null, { fs: loss.copy });
      const restored = await Database.open('plocal:/w/restored', 'admin', 'admin', { ...FAST, fs: loss.copy });
      expect(await restored.dump(), `step ${loss.step}${loss.torn ? ' torn' : ''}: the chain restores to the database`).toBe(dump);
      await restored.close();
    }
    console.log(`[power-loss] incremental backup: ${losses.length} copies checked, ${added} held the new chain file, ${extended} extended and restored`);
    expect(added).toBeGreaterThan(0);
  });

  it.each([
    ['an archive', WORLD.archive, () => template.archiveDump],
    ['an incremental directory', `${WORLD.chain}/`, () => template.chainDump],
  ])('of a restore of %s: the database is exactly the old or the new one', async (_what, source, restoredDump) => {
    const { losses, before } = await underPowerLoss((db) => db.restore(source), { writer: false });
    const outcomes = { old: 0, new: 0 };
    for (const loss of losses) {
      const { db, dump } = await recovered(loss, `restore of ${source}`);
      if (dump === before) outcomes.old++;
      else if (withoutProbes(dump) === withoutProbes(restoredDump())) outcomes.new++;
      else throw new Error(`restore of ${source}, power lost before step ${loss.step} (${loss.call})${loss.torn ? ', torn' : ''}: neither the old nor the new database:\n${dump}`);
      await db.insert('Item', { after: 'reboot' });
      await db.close();
      const staging = (await namesIn(loss.copy, WORLD.root)).filter((name) => name.includes('.restore-'));
      expect(staging, `step ${loss.step}: a staging directory survived the reopen`).toEqual([]);
    }
    console.log(`[power-loss] restore of ${source}: ${losses.length} copies checked, old ${outcomes.old}, new ${outcomes.new}`);
    expect(outcomes.old).toBeGreaterThan(0);
    expect(outcomes.new).toBeGreaterThan(0);
  });
});
