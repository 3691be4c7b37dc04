/**
 * The bank invariant can fail: states no moment of the workload produces, such as a backup that
 * mixed two moments would give, are refused; states the workload passes through are accepted.
 */
import { describe, expect, it } from 'vitest';
import { Database, canonicalJson } from '../../src/engine/index.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { seededRandom } from '../../src/testing/seeded-random.js';
import { FAST } from '../faults/_support/databases.js';
import { checkBank, openBank, startWriter } from './_support/bank.js';

type Dump = { classes: { name: string; records: { content: Record<string, unknown> }[] }[] };

/** A dump of a bank after some transfers, taken with the writers stopped. */
async function bankDump(transfersAtLeast: number): Promise<Dump> {
  const db = await Database.create('plocal:/b/db', { ...FAST, fs: new MemoryFileSystem() });
  const rids = await openBank(db, 4);
  const writers = [0, 1].map((w) => startWriter(db, rids, w, seededRandom(w + 7)));
  while (writers.some((writer) => writer.progress.completed < transfersAtLeast)) await new Promise((resolve) => setImmediate(resolve));
  await Promise.all(writers.map((writer) => writer.stop()));
  const dump = JSON.parse(await db.dump()) as Dump;
  await db.close();
  return dump;
}

const records = (dump: Dump, name: string) => dump.classes.find((info) => info.name === name)!.records;
const check = (dump: Dump): unknown => checkBank(canonicalJson(dump as never), 4, 2, 'case');

describe('the bank invariant', () => {
  it('holds for a state the workload went through', async () => {
    expect(check(await bankDump(5))).toMatchObject({ inFlight: 0 });
  });

  it.each([
    [
      'an account from a later moment than the log (a debit whose transfer is not logged)',
      (dump: Dump) => {
        const transfers = records(dump, 'Transfer');
        transfers.splice(transfers.findIndex((record) => record.content.w === 0 && record.content.seq === 5), 1);
      },
      /not logged|gap/,
    ],
    [
      'a credit without its debit',
      (dump: Dump) => {
        const transfer = records(dump, 'Transfer').find((record) => record.content.w === 1 && record.content.seq === 5)!.content;
        const from = records(dump, 'Account').find((record) => record.content.id === transfer.from)!.content as { balance: number; debits: Record<string, number> };
        from.debits['1'] = 4;
        from.balance += transfer.amount as number;
      },
      /credited before it was debited|not complete/,
    ],
    [
      'a balance that disagrees with the log',
      (dump: Dump) => {
        (records(dump, 'Account')[0]!.content as { balance: number }).balance += 1;
      },
      /holds/,
    ],
    [
      'a gap in a writer\'s transfers',
      (dump: Dump) => {
        const transfers = records(dump, 'Transfer');
        transfers.splice(transfers.findIndex((record) => record.content.w === 1 && record.content.seq === 2), 1);
      },
      /gap/,
    ],
  ])('fails for %s', async (_what, damage, message) => {
    const dump = await bankDump(5);
    damage(dump);
    expect(() => check(dump)).toThrow(message);
  });
});
