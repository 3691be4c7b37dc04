import type { Scenario } from '../../scenario.js';
import archive from './archive.js';
import bufferSize from './buffer-size.js';
import callable from './callable.js';
import call from './call.js';
import defaults from './defaults.js';
import fileOutput from './file-output.js';
import levels from './levels.js';
import listener from './listener.js';
import lock from './lock.js';
import manifest from './manifest.js';
import options from './options.js';
import permissions from './permissions.js';
import refusals from './refusals.js';
import roundTrip from './round-trip.js';
import snapshotMode from './snapshot-mode.js';
import sources from './sources.js';
import storageKinds from './storage-kinds.js';
import unchanged from './unchanged.js';

/** The scenarios of the `backup` area, in a stable order (roughly the order of spec/backup.md). */
export const backupScenarios: readonly Scenario[] = [
  ...call,
  ...defaults,
  ...archive,
  ...manifest,
  unchanged,
  ...levels,
  ...bufferSize,
  ...refusals,
  ...callable,
  ...listener,
  ...lock,
  ...options,
  ...snapshotMode,
  ...fileOutput,
  ...sources,
  ...storageKinds,
  ...permissions,
  roundTrip,
];
