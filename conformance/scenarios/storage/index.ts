import type { Scenario } from '../../scenario.js';

/** The scenarios of the `storage` area, in a stable order. */
export const storageScenarios: readonly Scenario[] = [];
