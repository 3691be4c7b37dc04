import type { Scenario } from '../../scenario.js';
import plocalUrlDirectory from './plocal-url-directory.js';
import defaultAdmin from './default-admin.js';
import createdWithUser from './created-with-user.js';
import createOverExisting from './create-over-existing.js';
import openMissingDatabase from './open-missing-database.js';
import wrongCredentials from './wrong-credentials.js';
import malformedUrls from './malformed-urls.js';
import remoteUrlRefused from './remote-url-refused.js';
import memoryLikePlocal from './memory-like-plocal.js';
import userCreatedLogsIn from './user-created-logs-in.js';
import duplicateUserRefused from './duplicate-user-refused.js';
import unknownRoleRefused from './unknown-role-refused.js';
import readerRoleEnforced from './reader-role-enforced.js';
import writerRoleEnforced from './writer-role-enforced.js';
import classCreatedEmpty from './class-created-empty.js';
import classNamesCaseInsensitive from './class-names-case-insensitive.js';
import missingClassRefused from './missing-class-refused.js';
import insertRidsAndVersions from './insert-rids-and-versions.js';
import insertNonObjectRefused from './insert-non-object-refused.js';
import loadReturnsStored from './load-returns-stored.js';
import loadMissingRecord from './load-missing-record.js';
import loadMalformedRid from './load-malformed-rid.js';
import ridLeadingZeros from './rid-leading-zeros.js';
import updateBumpsVersion from './update-bumps-version.js';
import updateRelocatesKeepingRid from './update-relocates-keeping-rid.js';
import updateMissingRefused from './update-missing-refused.js';
import deleteRemovesRecord from './delete-removes-record.js';
import deletedPositionsNotReused from './deleted-positions-not-reused.js';
import deleteMissingRefused from './delete-missing-refused.js';
import scanAndCountLive from './scan-and-count-live.js';
import largeRecords from './large-records.js';
import severalConnections from './several-connections.js';
import closedConnectionRefuses from './closed-connection-refuses.js';
import dumpStable from './dump-stable.js';
import dumpIndependentOrder from './dump-independent-order.js';
import dumpExactForm from './dump-exact-form.js';
import dumpIgnoresPathPasswordTime from './dump-ignores-path-password-time.js';
import dumpReflectsChanges from './dump-reflects-changes.js';
import writesSurviveReopen from './writes-survive-reopen.js';

/** The scenarios of the `storage` area, in a stable order (by requirement). */
export const storageScenarios: readonly Scenario[] = [
  plocalUrlDirectory,
  defaultAdmin,
  createdWithUser,
  createOverExisting,
  openMissingDatabase,
  wrongCredentials,
  malformedUrls,
  remoteUrlRefused,
  memoryLikePlocal,
  userCreatedLogsIn,
  duplicateUserRefused,
  unknownRoleRefused,
  readerRoleEnforced,
  writerRoleEnforced,
  classCreatedEmpty,
  classNamesCaseInsensitive,
  missingClassRefused,
  insertRidsAndVersions,
  insertNonObjectRefused,
  loadReturnsStored,
  loadMissingRecord,
  loadMalformedRid,
  ridLeadingZeros,
  updateBumpsVersion,
  updateRelocatesKeepingRid,
  updateMissingRefused,
  deleteRemovesRecord,
  deletedPositionsNotReused,
  deleteMissingRefused,
  scanAndCountLive,
  largeRecords,
  severalConnections,
  closedConnectionRefuses,
  dumpStable,
  dumpIndependentOrder,
  dumpExactForm,
  dumpIgnoresPathPasswordTime,
  dumpReflectsChanges,
  writesSurviveReopen,
];
