/**
 * Verify: checking an archive or an incremental chain without restoring it.
 *
 * @packageDocumentation
 */
export { type VerifyBackupOptions, verifyBackup } from './verify-backup.js';
export { type VerifyArchiveOptions, verifyArchive } from './verify-archive.js';
export { type VerifyResult, invalidResult, verdictLine } from './verify-result.js';
