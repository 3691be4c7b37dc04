import type { Scenario } from '../../scenario.js';

/** The scenarios of the `console` area, in a stable order. */
export const consoleScenarios: readonly Scenario[] = [];
