/**
 * orientdb-backup-conformance: the reference implementation of OrientDB-style backup and restore.
 *
 * - {@link Database}: open or create a `plocal:` / `memory:` database, read and write records, and
 *   `backup(out, options, callable, listener, compressionLevel, bufferSize)`,
 *   `incrementalBackup(dir)`, `restore(in, options, callable, listener)`, export and import.
 * - {@link restoreToNewDatabase} and {@link verifyBackup}: restore into a new directory, check a
 *   backup or a chain without restoring it.
 * - Every error is a {@link BackupConformanceError} with a stable `code` ({@link ERROR_CODES}).
 *
 * The conformance suite is exported separately, from `orientdb-backup-conformance/conformance`.
 *
 * @packageDocumentation
 */
export {
  Database,
  Storage,
  DUMP_FORMAT,
  PAGE_SIZE,
  REMOTE_NOT_SUPPORTED_MESSAGE,
  ROLES,
  type ClassInfo,
  type DbRecord,
  type Durability,
  type EngineOptions,
  type JsonObject,
  type JsonValue,
  type Permission,
  type Role,
  type StorageSnapshot,
} from './engine/index.js';
export {
  DEFAULT_BUFFER_SIZE,
  DEFAULT_COMPRESSION_LEVEL,
  DEFAULT_STALL_TIMEOUT_MS,
  type BackupMode,
  type BackupSummary,
} from './backup/full-backup.js';
export { MANIFEST_ENTRY, parseManifest, type BackupManifest, type ManifestFile } from './backup/manifest.js';
export { restoreToNewDatabase, type RestoreOptions } from './restore/index.js';
export { verifyBackup, type VerifyResult } from './verify/index.js';
export { exportDatabase, importDatabase } from './export/export-database.js';
export { runConsole, type ConsoleIo } from './console/run-console.js';
export { BackupConformanceError, ERROR_CODES, isCodedError, type ErrorCode } from './errors.js';
export { nodeFileSystem, type FileSystem, type FileHandle } from './fs/index.js';
export { PACKAGE_VERSION } from './version.js';
