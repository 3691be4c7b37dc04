import type { Scenario } from '../../scenario.js';

/** The scenarios of the `incremental` area, in a stable order. */
export const incrementalScenarios: readonly Scenario[] = [];
