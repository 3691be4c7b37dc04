/**
 * Restore: into an open database (`db.restore(...)`) or into a new one
 * (`restoreToNewDatabase`), staged, checked and swapped in atomically; and the backup checks
 * that verify shares.
 *
 * @packageDocumentation
 */
export { type RestoreArguments, type RestoreCall, restoreInto } from './restore-into.js';
export { type RestoreToNewEngineOptions, type RestoreToNewOptions, restoreToNewDatabase } from './restore-to-new.js';
export { RESTORE_OPTION_KEYS, type RestoreOptions, validateRestoreOptions } from './restore-options.js';
export { type RestoreStream } from './restore-source.js';
export { type BackupContents, type BackupFile, PageScanner, stagedContents } from './backup-contents.js';
export { type BackupCheckResult, type CheckBackupOptions, checkBackupContents, MAX_MANIFEST_BYTES, MAX_METADATA_BYTES, MAX_WAL_BYTES } from './check-backup.js';
export { recoverInterruptedRestores, rollForward } from './swap.js';
export { unregisterRestoreRecovery } from './recovery-hook.js';
