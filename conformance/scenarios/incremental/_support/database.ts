/**
 * Helpers of the incremental scenarios for filling databases and checking them.
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import type { Connection, RecordData } from '../../../adapter.js';
import { delay } from '../../../assertions.js';
import { seededRandom } from '../../../support/random.js';

export { seededRandom };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** `length` characters drawn from 64 symbols: as good as incompressible for DEFLATE (6 bits a byte at best). */
export function randomText(random: () => number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(random() * 64)];
  return text;
}

/**
 * Inserts `count` records `{ n, text }` (n from 1) of about `size` bytes each into `className`,
 * `concurrency` at a time; resolves them in the order of `n`.
 */
export async function fillClass(
  connection: Connection,
  className: string,
  count: number,
  options: { readonly size: number; readonly seed: number; readonly concurrency?: number },
): Promise<RecordData[]> {
  const random = seededRandom(options.seed);
  const records: RecordData[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const n = ++next;
      records[n - 1] = await connection.insert(className, { n, text: randomText(random, options.size) });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 32 }, worker));
  return records;
}

/** A probe write: an insert into `className` from `connection`. */
export function probeWrite(connection: Connection, className: string): Promise<RecordData> {
  return connection.insert(className, { probe: true });
}

/** Asserts the database behind `connection` is intact: its dump is `dump`, and a probe write resolves within 10 s. */
export async function expectIntact(connection: Connection, dump: string, className: string, what: string): Promise<void> {
  assert.equal(await connection.dump(), dump, `${what}: the database's content changed`);
  const probe = probeWrite(connection, className);
  const settled = await Promise.race([probe.then(() => true), delay(10_000).then(() => false)]);
  assert.ok(settled, `${what}: a probe write did not resolve within 10 s (the database is locked)`);
}
