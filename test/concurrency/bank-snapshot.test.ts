/**
 * Bank transfers during full backups in snapshot mode (writers go on while the archive is written): every restored state keeps the invariant and no
 * acknowledged write is lost (see `_support/bank-trials.ts` for the checks, `_support/bank.ts`
 * for the invariant). `CONCURRENCY_TRIALS` and `CONCURRENCY_SEED` as documented there.
 */
import { describe, expect, it } from 'vitest';
import { SEED, TRIALS, runBankTrials } from './_support/bank-trials.js';

describe('bank transfers during snapshot backups', () => {
  it(`keep the invariant in every restored state and lose no acknowledged write (${TRIALS} trials)`, async () => {
    const summary = await runBankTrials('snapshot', TRIALS);
    console.log(`[concurrency] snapshot: ${summary.trials} trials (CONCURRENCY_SEED=${SEED}, ${summary.onDisk} on the real disk), ${summary.transfers} transfers, ${summary.restoredStates} restored states checked`);
    expect(summary.trials).toBe(TRIALS);
  }, 300_000);
});
