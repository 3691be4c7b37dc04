/**
 * The bank-transfer workload of the concurrency trials, and its invariant.
 *
 * The engine has no multi-record transactions, so a transfer cannot move money between two
 * account records atomically. The invariant is therefore computed from a transfer log:
 *
 * - `Account` records hold a `balance` and, per writer, the number (`seq`) of the last transfer of
 *   that writer debited from (`debits`) and credited to (`credits`) the account;
 * - a transfer by writer `w` is three operations, each one record write: insert the `Transfer`
 *   record `{ w, seq, from, to, amount }`, then debit `from` (balance minus amount,
 *   `debits[w] = seq`), then credit `to` (balance plus amount, `credits[w] = seq`). An account
 *   update is a read, then a write with the version read (`expectedVersion`), retried on
 *   `ERR_CONCURRENT_MODIFICATION`, so writers may share accounts.
 *
 * Each writer runs its transfers one after the other, so in every state the database passes
 * through (and so in every state a consistent backup holds):
 * 1. each writer's transfers are a gap-free prefix `1..k`;
 * 2. an account's `debits[w]` / `credits[w]` name transfers that exist, and its balance is the
 *    initial one minus the amounts of `w`'s transfers from it up to `debits[w]`, plus those to it
 *    up to `credits[w]`;
 * 3. every transfer but each writer's last is debited and credited; the last one is neither,
 *    debited only, or both (a credit never comes before its debit);
 * 4. so the total is the initial total minus the amounts in flight (debited, not yet credited):
 *    at most one per writer.
 * A backup that mixed two moments (an account from after a transfer, the log from before it; a
 * credit without its debit) breaks one of these.
 */
import type { Database } from '../../../src/engine/index.js';
import { isCodedError } from '../../../src/errors.js';
import type { SeededRandom } from '../../../src/testing/seeded-random.js';

/** The balance every account starts with. */
export const INITIAL_BALANCE = 1000;

interface Account {
  readonly id: number;
  readonly balance: number;
  readonly debits: Record<string, number>;
  readonly credits: Record<string, number>;
}

interface Transfer {
  readonly w: number;
  readonly seq: number;
  readonly from: number;
  readonly to: number;
  readonly amount: number;
}

/** Creates the classes and `accounts` accounts; resolves their record ids, by account number. */
export async function openBank(db: Database, accounts: number): Promise<string[]> {
  await db.createClass('Account');
  await db.createClass('Transfer');
  const rids: string[] = [];
  for (let id = 0; id < accounts; id++) rids.push((await db.insert('Account', { id, balance: INITIAL_BALANCE, debits: {}, credits: {} })).rid);
  return rids;
}

/** What a writer had acknowledged when it stopped. */
export interface WriterProgress {
  readonly w: number;
  /** The last transfer whose three operations were all acknowledged. */
  completed: number;
  /** Operations acknowledged. */
  operations: number;
}

async function adjust(db: Database, rid: string, change: (account: Account) => Account): Promise<void> {
  for (;;) {
    const { content, version } = await db.load(rid);
    try {
      await db.update(rid, change(content as unknown as Account) as never, version);
      return;
    } catch (error) {
      if (!isCodedError(error, 'ERR_CONCURRENT_MODIFICATION')) throw error;
    }
  }
}

/**
 * Starts writer `w`: transfers between random accounts until `stop()`, which resolves its
 * progress once its current transfer is complete.
 */
export function startWriter(db: Database, rids: readonly string[], w: number, random: SeededRandom): { progress: WriterProgress; stop: () => Promise<WriterProgress> } {
  const progress: WriterProgress = { w, completed: 0, operations: 0 };
  let running = true;
  const loop = (async () => {
    for (let seq = 1; running; seq++) {
      const from = random.int(0, rids.length - 1);
      const to = (from + random.int(1, rids.length - 1)) % rids.length;
      const amount = random.int(1, 100);
      await db.insert('Transfer', { w, seq, from, to, amount });
      progress.operations++;
      await adjust(db, rids[from]!, (account) => ({ ...account, balance: account.balance - amount, debits: { ...account.debits, [w]: seq } }));
      progress.operations++;
      await adjust(db, rids[to]!, (account) => ({ ...account, balance: account.balance + amount, credits: { ...account.credits, [w]: seq } }));
      progress.operations++;
      progress.completed = seq;
      // On a MemoryFileSystem every step resolves as a microtask: give timers and I/O their turn.
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    progress,
    stop: async () => {
      running = false;
      await loop;
      return progress;
    },
  };
}

type Dumped = { classes: { name: string; records: { content: Record<string, unknown> }[] }[] };

/** What {@link checkBank} found. */
export interface BankState {
  /** Per writer, its transfers in the state. */
  readonly transfers: ReadonlyMap<number, number>;
  /** Money in flight (debited, not yet credited). */
  readonly inFlight: number;
}

/**
 * Checks the invariant (module comment, points 1 to 4) on a canonical dump; throws an error naming
 * what is broken. `writers` is the number of writers.
 */
export function checkBank(dump: string, accounts: number, writers: number, what: string): BankState {
  const parsed = JSON.parse(dump) as Dumped;
  const records = (name: string) => parsed.classes.find((info) => info.name === name)?.records.map((record) => record.content) ?? [];
  const accountList = (records('Account') as unknown as Account[]).sort((a, b) => a.id - b.id);
  const transfers = records('Transfer') as unknown as Transfer[];
  const broken = (message: string): Error => new Error(`${what}: the bank invariant is broken: ${message}`);
  if (accountList.length !== accounts) throw broken(`${accountList.length} accounts instead of ${accounts}`);
  const byWriter = new Map<number, Map<number, Transfer>>();
  for (const transfer of transfers) {
    const mine = byWriter.get(transfer.w) ?? new Map<number, Transfer>();
    if (mine.has(transfer.seq)) throw broken(`transfer ${transfer.w}/${transfer.seq} is logged twice`);
    mine.set(transfer.seq, transfer);
    byWriter.set(transfer.w, mine);
  }
  const last = new Map<number, number>();
  for (let w = 0; w < writers; w++) {
    const mine = byWriter.get(w) ?? new Map();
    for (let seq = 1; seq <= mine.size; seq++) if (!mine.has(seq)) throw broken(`writer ${w}'s transfers have a gap at ${seq}`);
    last.set(w, mine.size);
  }
  const debited = (t: Transfer): boolean => (accountList[t.from]!.debits[t.w] ?? 0) >= t.seq;
  const credited = (t: Transfer): boolean => (accountList[t.to]!.credits[t.w] ?? 0) >= t.seq;
  for (const account of accountList) {
    let expected = INITIAL_BALANCE;
    for (const [key, upTo] of Object.entries(account.debits)) {
      const mine = byWriter.get(Number(key));
      if (mine === undefined || upTo > mine.size) throw broken(`account ${account.id} was debited by transfer ${key}/${upTo}, which is not logged`);
      for (const t of mine.values()) if (t.from === account.id && t.seq <= upTo) expected -= t.amount;
    }
    for (const [key, upTo] of Object.entries(account.credits)) {
      const mine = byWriter.get(Number(key));
      if (mine === undefined || upTo > mine.size) throw broken(`account ${account.id} was credited by transfer ${key}/${upTo}, which is not logged`);
      for (const t of mine.values()) if (t.to === account.id && t.seq <= upTo) expected += t.amount;
    }
    if (account.balance !== expected) throw broken(`account ${account.id} holds ${account.balance}, its log says ${expected}`);
  }
  let inFlight = 0;
  for (const transfer of transfers) {
    const isLast = transfer.seq === last.get(transfer.w);
    if (credited(transfer) && !debited(transfer)) throw broken(`transfer ${transfer.w}/${transfer.seq} was credited before it was debited`);
    if (!isLast && !(debited(transfer) && credited(transfer))) throw broken(`transfer ${transfer.w}/${transfer.seq} is not complete, yet a later one of its writer is logged`);
    if (debited(transfer) && !credited(transfer)) inFlight += transfer.amount;
  }
  const total = accountList.reduce((sum, account) => sum + account.balance, 0);
  if (total !== accounts * INITIAL_BALANCE - inFlight) throw broken(`the total is ${total}, not ${accounts * INITIAL_BALANCE} minus ${inFlight} in flight`);
  return { transfers: new Map([...last]), inFlight };
}
