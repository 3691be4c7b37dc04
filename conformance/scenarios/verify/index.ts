import type { Scenario } from '../../scenario.js';
import chains from './chains.js';
import verify from './verify.js';

/** The scenarios of the `verify` area, in a stable order. */
export const verifyScenarios: readonly Scenario[] = [...verify, ...chains];
