import type { Scenario } from '../scenario.js';
import { storageScenarios } from './storage/index.js';
import { backupScenarios } from './backup/index.js';
import { restoreScenarios } from './restore/index.js';
import { verifyScenarios } from './verify/index.js';
import { incrementalScenarios } from './incremental/index.js';
import { consoleScenarios } from './console/index.js';

/** Every scenario of the suite, area by area. */
export const allScenarios: readonly Scenario[] = [
  ...storageScenarios,
  ...backupScenarios,
  ...restoreScenarios,
  ...verifyScenarios,
  ...incrementalScenarios,
  ...consoleScenarios,
];
