import type { Scenario } from '../../scenario.js';
import archiveAndManifest from './archive-and-manifest.js';
import chainLinks from './chain-links.js';
import checkOrder from './check-order.js';
import checksChainBeforeBackup from './checks-chain-before-backup.js';
import concurrentBackups from './concurrent-backups.js';
import consistentAtEndLsn from './consistent-at-end-lsn.js';
import createsDirectory from './creates-directory.js';
import fileNames from './file-names.js';
import filesAppearComplete from './files-appear-complete.js';
import firstFileIsFull from './first-file-is-full.js';
import ignoresOtherFiles from './ignores-other-files.js';
import insideDatabaseDirectory from './inside-database-directory.js';
import laterFilesHoldChanges from './later-files-hold-changes.js';
import metadataAndDeletions from './metadata-and-deletions.js';
import orderFromManifest from './order-from-manifest.js';
import prefixProperty from './prefix-property.js';
import refusedChainLeavesTarget from './refused-chain-leaves-target.js';
import refusedStates from './refused-states.js';
import refusesBrokenLink from './refuses-broken-link.js';
import refusesDuplicateIndex from './refuses-duplicate-index.js';
import refusesEmptyDirectory from './refuses-empty-directory.js';
import refusesEmptyFile from './refuses-empty-file.js';
import refusesForeignChain from './refuses-foreign-chain.js';
import refusesForeignFile from './refuses-foreign-file.js';
import refusesGap from './refuses-gap.js';
import refusesMissingDirectory from './refuses-missing-directory.js';
import refusesTamperedFile from './refuses-tampered-file.js';
import refusesUnsupportedVersion from './refuses-unsupported-version.js';
import restoreUpToIndex from './restore-up-to-index.js';
import restoreWholeChain from './restore-whole-chain.js';
import restoredDatabaseNewLineage from './restored-database-new-lineage.js';
import sizeFollowsChange from './size-follows-change.js';
import writesOneFile from './writes-one-file.js';
import writesProceed from './writes-proceed.js';

/** The scenarios of the `incremental` area, in a stable order (the order of spec/incremental.md). */
export const incrementalScenarios: readonly Scenario[] = [
  writesOneFile,
  ...createsDirectory,
  fileNames,
  firstFileIsFull,
  laterFilesHoldChanges,
  sizeFollowsChange,
  metadataAndDeletions,
  archiveAndManifest,
  chainLinks,
  filesAppearComplete,
  ...restoreWholeChain,
  ...restoreUpToIndex,
  orderFromManifest,
  ...ignoresOtherFiles,
  refusesGap,
  refusesForeignFile,
  ...refusesTamperedFile,
  refusesBrokenLink,
  refusesDuplicateIndex,
  refusesUnsupportedVersion,
  refusesMissingDirectory,
  refusesEmptyDirectory,
  refusesEmptyFile,
  checkOrder,
  ...refusedChainLeavesTarget,
  refusesForeignChain,
  checksChainBeforeBackup,
  concurrentBackups,
  insideDatabaseDirectory,
  writesProceed,
  consistentAtEndLsn,
  prefixProperty,
  ...restoredDatabaseNewLineage,
  ...refusedStates,
];
