/**
 * Registers {@link recoverInterruptedRestores} as an engine before-open hook: every time a
 * `plocal:` database is opened (or reopened after a restore's exclusive access), an interrupted
 * restore of it is finished or undone first, so that it is found exactly old or exactly new.
 * Importing this module registers the hook once.
 *
 * @packageDocumentation
 */
import { registerBeforeOpenHook } from '../engine/storage.js';
import { recoverInterruptedRestores } from './swap.js';

/** Removes the hook (for tests of the engine without restore recovery). */
export const unregisterRestoreRecovery: () => void = registerBeforeOpenHook(async ({ fs, directory, kind }) => {
  if (kind === 'plocal') await recoverInterruptedRestores(fs, directory);
});
