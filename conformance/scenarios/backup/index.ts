import type { Scenario } from '../../scenario.js';

/** The scenarios of the `backup` area, in a stable order. */
export const backupScenarios: readonly Scenario[] = [];
