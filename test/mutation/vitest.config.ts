/**
 * The vitest configuration Stryker runs (`stryker.config.json` points here). It differs from the
 * project's own in five ways:
 * - no global setup: that compiles `dist/` for the tests that spawn child processes, and Stryker's
 *   sandbox is a copy that already holds `dist/` (the only test that uses it, chain-lock.test.ts,
 *   runs its lock holder from there, unmutated; the mutated lock runs in the test itself);
 * - it runs only the files of {@link MUTATION_FILE_ORDER}, among them
 *   `test/mutation/conformance.mutation.ts`, the conformance suite ordered for mutation;
 * - failed tests are retried twice (see `retry` below);
 * - a setup file (hook-coverage.ts) that keeps mutants reached from hooks from counting as static;
 * - files run in a fixed order: first the unit tests that take about a second in all (a mutant
 *   they kill skips the conformance suite, which costs up to a minute for a mutant that every
 *   scenario reaches), then the conformance suite (it drives the mutation run and kills most
 *   mutants, its quickest scenarios first), then the slower unit tests, the slow sweeps last.
 *   Stryker stops a mutant's run at its first failing test, so a mutant killed early costs little
 *   (vitest's own order would start with the slowest files).
 */
import { fileURLToPath } from 'node:url';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The test files Stryker runs, in the order they run (paths from the repository root): first the
 * unit tests that take about a second in all, then the conformance suite, then slower unit tests.
 *
 * The list is this configuration's `include`, not Stryker's `testFiles`: with `testFiles`, Stryker
 * 9.6 activates a *static* mutant (one in code run at import, such as a module's constants) only
 * after the module was imported, so the mutant never takes effect and is reported as surviving
 * (stryker-js issue #6144). Without `testFiles`, static mutants are run with the mutant active
 * from the start.
 */
export const MUTATION_FILE_ORDER: readonly string[] = [
  'test/backup/manifest.test.ts',
  'test/backup/arguments.test.ts',
  'test/backup/source-check.test.ts',
  'test/backup/backup-messages.test.ts',
  'test/engine/primitives.test.ts',
  'test/engine/write-gate.test.ts',
  'test/engine/read-write-lock.test.ts',
  'test/engine/process-lock.test.ts',
  'test/incremental/chain-file-name.test.ts',
  'test/incremental/chain-format.test.ts',
  'test/restore/restore-options.test.ts',
  'test/restore/restore-source.test.ts',
  'test/restore/page-scanner.test.ts',
  'test/verify/verify.test.ts',
  'test/engine/freeze.test.ts',
  'test/incremental/verify-chain.test.ts',
  'test/incremental/chain-problem.test.ts',
  'test/incremental/chain-lock-unit.test.ts',
  'test/incremental/chain-reading.test.ts',
  'test/incremental/inspect-chain-file.test.ts',
  'test/incremental/evaluate-chain.test.ts',
  'test/backup/full-backup.test.ts',
  'test/mutation/conformance.mutation.ts',
  'test/faults/regressions.test.ts',
  'test/restore/restore-to-new.test.ts',
  'test/restore/restore-into.test.ts',
  'test/backup/output-faults.test.ts',
  'test/incremental/verified-chain-files.test.ts',
  'test/restore/checks.test.ts',
  'test/restore/recovery.test.ts',
  'test/engine/snapshot.test.ts',
  'test/engine/urls-and-lifecycle.test.ts',
  'test/incremental/chain-lock.test.ts',
  'test/backup/lock.test.ts',
  'test/incremental/incremental-backup.test.ts',
  'test/incremental/stage-chain.test.ts',
];

/** Sorts test files by {@link MUTATION_FILE_ORDER}. */
class MutationOrder extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification): number => {
      const index = MUTATION_FILE_ORDER.indexOf(file.moduleId.slice(ROOT.length));
      return index === -1 ? MUTATION_FILE_ORDER.length : index;
    };
    return [...files].sort((a, b) => rank(a) - rank(b) || (a.moduleId < b.moduleId ? -1 : 1));
  }
}

export default defineConfig({
  test: {
    root: ROOT,
    include: [...MUTATION_FILE_ORDER],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // A few scenarios time other connections' writes; on a loaded machine one can fail by chance
    // (one did in a dry run: BACKUP-053's writers made no progress before a small backup ended).
    // A retry keeps such a failure from killing a mutant that did nothing wrong.
    retry: 2,
    sequence: { sequencer: MutationOrder },
    // Counts what runs in a file's hooks as covered by each of its tests (see the file).
    setupFiles: ['test/mutation/hook-coverage.ts'],
  },
});
