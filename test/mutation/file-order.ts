/**
 * The test files of the mutation run, in the order they run (test/mutation/vitest.config.ts sorts
 * by this list and includes only its files; quick-timeouts.ts reads it too).
 *
 * @packageDocumentation
 */

/**
 * The test files Stryker runs, in the order they run (paths from the repository root): first the
 * unit tests that take about a second in all, then the conformance suite, then slower unit tests.
 *
 * The list is the mutation vitest configuration's `include`, not Stryker's `testFiles`: with `testFiles`, Stryker
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
  'test/engine/snapshot-unit.test.ts',
  'test/incremental/chain-file-name.test.ts',
  'test/incremental/chain-format.test.ts',
  'test/restore/restore-options.test.ts',
  'test/restore/restore-source.test.ts',
  'test/restore/staging.test.ts',
  'test/restore/swap.test.ts',
  'test/restore/stage-backup.test.ts',
  'test/restore/restore-into-unit.test.ts',
  'test/restore/restore-to-new-unit.test.ts',
  'test/restore/recovery-hook.test.ts',
  'test/restore/page-scanner.test.ts',
  'test/restore/backup-contents.test.ts',
  'test/restore/check-backup.test.ts',
  'test/verify/verify.test.ts',
  'test/engine/freeze.test.ts',
  'test/incremental/verify-chain.test.ts',
  'test/incremental/chain-problem.test.ts',
  'test/incremental/chain-lock-unit.test.ts',
  'test/incremental/chain-reading.test.ts',
  'test/incremental/inspect-chain-file.test.ts',
  'test/incremental/evaluate-chain.test.ts',
  'test/incremental/apply-chain-file.test.ts',
  'test/incremental/stage-chain-unit.test.ts',
  'test/incremental/verified-chain-files-unit.test.ts',
  'test/incremental/incremental-backup-unit.test.ts',
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

/** The conformance suite's place in {@link MUTATION_FILE_ORDER}: the files before it are the quick unit tests. */
export const CONFORMANCE_FILE = 'test/mutation/conformance.mutation.ts';

/** The quick unit tests: every file before the conformance suite (they take about a second in all). */
export const QUICK_UNIT_FILES: readonly string[] = MUTATION_FILE_ORDER.slice(0, MUTATION_FILE_ORDER.indexOf(CONFORMANCE_FILE));
