import type { Scenario } from '../../scenario.js';
import acceptedForms from './accepted-forms.js';
import atomicity from './atomicity.js';
import callableListener from './callable-listener.js';
import hostile from './hostile.js';
import limits from './limits.js';
import manifest from './manifest.js';
import manifestless from './manifestless.js';
import refusals from './refusals.js';
import restoreToNew from './restore-to-new.js';
import roundTripProperty from './round-trip-property.js';
import roundTrip from './round-trip.js';
import sweeps from './sweeps.js';

/** The scenarios of the `restore` area, in a stable order. */
export const restoreScenarios: readonly Scenario[] = [
  ...roundTrip,
  ...restoreToNew,
  roundTripProperty,
  ...atomicity,
  ...callableListener,
  ...refusals,
  ...limits,
  ...manifestless,
  ...manifest,
  ...hostile,
  acceptedForms,
  ...sweeps,
];
