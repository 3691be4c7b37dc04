/**
 * The reference storage engine: paged cluster files with per-page LSNs and CRC-32, a write-ahead
 * log with full page images, crash recovery, freeze/release, snapshots for backups and exclusive
 * access for restores.
 *
 * @packageDocumentation
 */
export { Database, DUMP_FORMAT, parseRid, type DbRecord, type ImportedRecord } from './database.js';
export {
  Storage,
  registerBeforeOpenHook,
  type BeforeOpenHook,
  type OpenContext,
  type SnapshotOptions,
  type StorageKind,
} from './storage.js';
export type { ChangedPage, SnapshotFile, StorageSnapshot } from './snapshot.js';
export { DEFAULT_OPTIONS, type Durability, type EngineOptions } from './engine-options.js';
export type { JsonObject, JsonValue } from './documents.js';
export { MAX_DOCUMENT_BYTES } from './documents.js';
export type { ClassInfo } from './metadata.js';
export { ROLES, ROLE_PERMISSIONS, type Permission, type Role } from './permissions.js';
export { REMOTE_NOT_SUPPORTED_MESSAGE, parseDatabaseUrl, type DatabaseUrl } from './database-url.js';
export {
  DATA_FILE_EXTENSION,
  FORMAT_VERSION,
  LOCK_FILE,
  METADATA_FILE,
  PAGE_SIZE,
  POSITION_MAP_FILE_EXTENSION,
  TRANSIENT_FILE_PATTERNS,
  WAL_FILE,
  isTransientFile,
} from './constants.js';
export { canonicalJson } from './canonical-json.js';
export { PageType, pageLsn, verifyPage } from './page.js';
export { parseMetadata, type Metadata, type StoredUser } from './metadata.js';
export { parseWal, type ParsedWal } from './wal-format.js';
