import type { Scenario } from '../../scenario.js';

/** The scenarios of the `restore` area, in a stable order. */
export const restoreScenarios: readonly Scenario[] = [];
