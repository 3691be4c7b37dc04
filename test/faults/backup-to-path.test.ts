/**
 * Fault trials of the full backup to a path: its Nth file-system call fails with ENOSPC, EIO, EACCES and
 * EMFILE, once and persistently (see `_support/fault-trials.ts` for what each trial checks).
 * `FAULT_TRIALS=all` sweeps every N; `FAULT_SEED=<seed>` replays a sampled run.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { describeReport, sweep, sweepSettings } from './_support/fault-trials.js';
import { type WorldTemplate, buildWorld } from './_support/fault-world.js';
import { backupToPath } from './_support/subjects.js';

let template: WorldTemplate;
beforeAll(async () => {
  template = await buildWorld();
});

describe('fault trials: full backup to a path', () => {
  it('fails each call in turn with each errno, once and for good, and every trial ends coded, clean and usable', async () => {
    const settings = sweepSettings();
    const report = await sweep(backupToPath, template, settings);
    console.log(describeReport(backupToPath.name, report, settings.seed, settings.exhaustive));
    expect(report.faultsInjected).toBeGreaterThanOrEqual(report.trials - (settings.exhaustive ? 8 : 0));
  }, 900_000);
});
