import type { Scenario } from '../../scenario.js';

/** The scenarios of the `verify` area, in a stable order. */
export const verifyScenarios: readonly Scenario[] = [];
