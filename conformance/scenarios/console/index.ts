import type { Scenario } from '../../scenario.js';
import backup from './backup.js';
import data from './data.js';
import exportScenarios from './export.js';
import restore from './restore.js';
import robustness from './robustness.js';
import running from './running.js';
import sessions from './sessions.js';

/** The scenarios of the `console` area, in a stable order. */
export const consoleScenarios: readonly Scenario[] = [
  ...running,
  ...sessions,
  ...data,
  ...backup,
  ...restore,
  ...exportScenarios,
  ...robustness,
];
