/**
 * Every area's negative controls, by area, for checks that look at the declarations without
 * running them (test/negative-controls/coverage.test.ts). Each area's test file runs its own list.
 *
 * @packageDocumentation
 */
import type { NegativeControl } from '../../../conformance/self-test/negative-control.js';
import { incrementalControls } from '../../incremental/_controls/controls.js';
import { backupControls, backupUncontrolled } from './backup.js';
import { consoleControls } from './console.js';
import { restoreControls } from './restore.js';
import { storageControls } from './storage.js';
import { verifyControls } from './verify.js';

/** The declared controls of one area, and the MUST requirements it leaves without one (with the reason). */
export interface AreaControls {
  /** The test file that runs the controls. */
  readonly testFile: string;
  /** The controls. */
  readonly controls: readonly NegativeControl[];
  /** Requirement id -> why no control can break it. */
  readonly uncontrolled: ReadonlyMap<string, string>;
}

/** Area name (the spec file's name without `.md`) -> its controls. */
export const CONTROLS_BY_AREA: Readonly<Record<string, AreaControls>> = {
  storage: { testFile: 'test/negative-controls/storage.test.ts', controls: storageControls, uncontrolled: new Map() },
  backup: { testFile: 'test/negative-controls/backup.test.ts', controls: backupControls, uncontrolled: backupUncontrolled },
  restore: { testFile: 'test/negative-controls/restore.test.ts', controls: restoreControls, uncontrolled: new Map() },
  verify: { testFile: 'test/negative-controls/verify.test.ts', controls: verifyControls, uncontrolled: new Map() },
  incremental: { testFile: 'test/negative-controls/incremental.test.ts', controls: incrementalControls, uncontrolled: new Map() },
  console: { testFile: 'test/negative-controls/console.test.ts', controls: consoleControls, uncontrolled: new Map() },
};
