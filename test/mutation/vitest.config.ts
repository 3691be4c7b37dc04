/**
 * The vitest configuration Stryker runs (`stryker.config.json` points here). It differs from the
 * project's own in five ways:
 * - no global setup: that compiles `dist/` for the tests that spawn child processes, and Stryker's
 *   sandbox is a copy that already holds `dist/` (the only test that uses it, chain-lock.test.ts,
 *   runs its lock holder from there, unmutated; the mutated lock runs in the test itself);
 * - it runs only the files of {@link MUTATION_FILE_ORDER}, among them
 *   `test/mutation/conformance.mutation.ts`, the conformance suite ordered for mutation;
 * - failed tests are retried twice (see `retry` below);
 * - setup files: hook-coverage.ts keeps mutants reached from hooks from counting as static, and
 *   quick-timeouts.ts makes a hang in a quick unit test fail in seconds;
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
import { MUTATION_FILE_ORDER } from './file-order.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));


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
    // Counts what runs in a file's hooks as covered by each of its tests (see the file), and gives
    // the quick unit tests short timeouts (see quick-timeouts.ts).
    setupFiles: ['test/mutation/hook-coverage.ts', 'test/mutation/quick-timeouts.ts'],
  },
});
