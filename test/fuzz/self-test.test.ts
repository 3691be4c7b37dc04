/**
 * The campaign can fail: against a database whose restore silently does nothing, or that loses
 * its last acknowledged insert when it is closed, the model campaign finds a counterexample.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FuzzReal, modelProperty } from './_support/model-campaign.js';

async function counterexample(sabotage: (real: FuzzReal) => void): Promise<string> {
  const details = await fc.check(modelProperty({ maxCommands: 40, sabotage }), { numRuns: 200, seed: 7 });
  expect(details.failed).toBe(true);
  return String(details.counterexample?.[0]);
}

describe('the model campaign against broken databases', () => {
  it('finds a restore that does nothing', async () => {
    const found = await counterexample((real) => {
      real.db.restore = async () => undefined;
    });
    expect(found).toMatch(/restore/);
  }, 120_000);

  it('finds a database that loses its last acknowledged insert when it is closed', async () => {
    const found = await counterexample((real) => {
      const { db } = real;
      let last: string | undefined;
      const insert = db.insert.bind(db);
      db.insert = async (className, content) => {
        const record = await insert(className, content);
        last = record.rid;
        return record;
      };
      const close = db.close.bind(db);
      db.close = async () => {
        if (last !== undefined) await db.delete(last).catch(() => undefined);
        await close();
      };
    });
    expect(found).toMatch(/insert/);
  }, 120_000);
});
