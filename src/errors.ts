/**
 * Every error the reference implementation raises carries a stable `code` from this table.
 * The codes are part of the specification (`spec/errors.md` documents each one, and a test keeps
 * the two in step); messages are for people and may change.
 *
 * @packageDocumentation
 */

/** The stable error codes, each with a one-line meaning. Codes are never renamed or reused. */
export const ERROR_CODES = {
  // Arguments and URLs
  ERR_INVALID_ARGUMENT: 'An argument has the wrong type or is out of its documented range.',
  ERR_INVALID_URL: 'A database URL is not of the form plocal:<path>, memory:<name> or remote:<host>/<name>.',
  ERR_INVALID_RID: 'A record id is not of the form #<clusterId>:<position>.',
  ERR_INVALID_DOCUMENT: 'A record content is not a JSON object that can be stored.',

  // Databases, sessions and security
  ERR_AUTH: 'Wrong user name or password.',
  ERR_PERMISSION_DENIED: "The session's role does not allow the operation.",
  ERR_DATABASE_NOT_FOUND: 'No database exists at the URL.',
  ERR_DATABASE_EXISTS: 'A database already exists at the URL.',
  ERR_DATABASE_NOT_EMPTY: 'An import was asked into a database that already holds classes or records.',
  ERR_DATABASE_CLOSED: 'The session or the database it belongs to is closed.',
  ERR_DATABASE_LOCKED: 'Another process holds the database open.',
  ERR_DATABASE_FROZEN: 'A write was refused because the database is frozen and the freeze asked writes to fail.',
  ERR_NOT_FROZEN: 'release() was called on a database that is not frozen.',
  ERR_UNSUPPORTED_STORAGE: 'The storage type does not support the operation (backup or restore of a memory: database).',
  ERR_REMOTE_NOT_SUPPORTED: 'Remote storage is not supported (backups are not supported against remote storage).',
  ERR_CLASS_EXISTS: 'A class with that name already exists.',
  ERR_CLASS_NOT_FOUND: 'No class with that name exists.',
  ERR_USER_EXISTS: 'A user with that name already exists.',
  ERR_INVALID_ROLE: 'A role is not one of admin, writer, reader.',
  ERR_RECORD_NOT_FOUND: 'No record exists at the record id.',
  ERR_CONCURRENT_MODIFICATION: 'The record version given does not match the stored version.',

  // Storage integrity
  ERR_CORRUPT_PAGE: 'A page failed its checksum when read; the message names the file and page.',
  ERR_CORRUPT_WAL: 'The write-ahead log is damaged before its last committed operation.',
  ERR_CORRUPT_DATABASE: 'A database file is missing or malformed (metadata, structure).',
  ERR_IO: 'An operating-system I/O call failed (the errno is kept as the cause).',

  // Full backup
  ERR_INVALID_OUTPUT: 'The backup output is missing (null) or not writable.',
  ERR_INVALID_OPTIONS: 'The backup or restore options are not an object, contain an unknown key, or give a key a value it cannot have.',
  ERR_INVALID_COMPRESSION_LEVEL: 'compressionLevel is not an integer from 0 to 9.',
  ERR_INVALID_BUFFER_SIZE: 'bufferSize is not an integer in the accepted range.',
  ERR_CALLABLE_FAILED: 'The callable given to backup or restore threw or rejected; the operation was aborted.',
  ERR_OUTPUT_FAILED: 'Writing the backup to its output failed.',
  ERR_SOURCE_CHANGED: 'A database file vanished or changed size while it was being backed up.',
  ERR_BACKUP_IN_PROGRESS: 'Another backup into the same place is running.',
  ERR_BACKUP_TARGET_INSIDE_DATABASE: "The backup target lies inside the database's own directory.",
  ERR_LISTENER_FAILED: 'A listener or hook given to the operation (onEntryStart, onEntry, finalEntries...) threw or rejected; the operation was aborted.',

  // Archives (restore, verify)
  ERR_ARCHIVE_NOT_FOUND: 'The archive (or other path) to restore or verify does not exist.',
  ERR_NOT_A_ZIP: 'The input is not a ZIP archive.',
  ERR_ARCHIVE_EMPTY: 'The input is empty (zero bytes) or a ZIP archive without entries.',
  ERR_ARCHIVE_TRUNCATED: 'The archive ends before the data its headers describe.',
  ERR_ARCHIVE_TRAILING_DATA: 'Bytes follow the end of central directory record.',
  ERR_ARCHIVE_MALFORMED: 'A ZIP structure is malformed in a way no more specific code describes.',
  ERR_ARCHIVE_PATH_TRAVERSAL: "An entry name would resolve outside the restore target ('..' segments, a sibling prefix).",
  ERR_ARCHIVE_ABSOLUTE_PATH: 'An entry name is absolute (leading slash, drive letter or UNC path).',
  ERR_ARCHIVE_BACKSLASH: 'An entry name contains a backslash.',
  ERR_ARCHIVE_SYMLINK: 'An entry is a symbolic link or another non-regular file.',
  ERR_ARCHIVE_DUPLICATE_ENTRY: 'Two entries have the same name, or names equal after case folding or Unicode normalisation.',
  ERR_ARCHIVE_OVERLAPPING_ENTRIES: 'Two entries share bytes of the archive (an overlapping-entry zip bomb).',
  ERR_ARCHIVE_SIZE_MISMATCH: 'An entry inflates to more or fewer bytes than it declares.',
  ERR_ARCHIVE_LIMIT_EXCEEDED: 'An entry count, size, total size or compression ratio exceeds the configured limits.',
  ERR_ARCHIVE_CRC_MISMATCH: 'An entry does not match its CRC-32.',
  ERR_ARCHIVE_HEADER_MISMATCH: 'A local file header disagrees with its central directory record.',
  ERR_ARCHIVE_ENCRYPTED: 'An entry is encrypted.',
  ERR_ARCHIVE_UNSUPPORTED_METHOD: 'An entry uses a compression method other than STORED (0) or DEFLATE (8).',
  ERR_ARCHIVE_ZIP64_INVALID: 'ZIP64 records are missing, inconsistent or malformed.',
  ERR_ARCHIVE_INVALID_NAME: 'An entry name is empty, too long, has an empty, "." or over-long segment, or contains NUL, control characters, a colon or invalid UTF-8.',
  ERR_ARCHIVE_CORRUPT_DATA: "An entry's compressed data is not a valid DEFLATE stream, or bytes follow the stream's end within the entry.",
  ERR_ARCHIVE_CLOSED: 'The archive was closed before or while an entry was read.',
  ERR_ABORTED: 'The operation was cancelled through its AbortSignal before it completed.',
  ERR_NOT_A_BACKUP: 'The archive is a valid ZIP but not a database backup.',
  ERR_UNSUPPORTED_FORMAT_VERSION: 'The backup holds a database format version this implementation cannot open.',
  ERR_MANIFEST_INVALID: 'The backup manifest is not valid JSON of the documented shape or has an unknown format version.',
  ERR_MANIFEST_MISSING_FILE: 'A file the manifest lists is not in the archive.',
  ERR_MANIFEST_UNLISTED_FILE: 'The archive holds a file its manifest does not list.',
  ERR_MANIFEST_MISMATCH: "A file's size or SHA-256 differs from its manifest entry.",
  ERR_RESTORE_FAILED: 'The restore could not complete; the target database was left as it was.',

  // Incremental backup chains
  ERR_BACKUP_DIR_NOT_FOUND: 'The backup directory does not exist.',
  ERR_CHAIN_EMPTY: 'The backup directory holds no incremental backup files.',
  ERR_CHAIN_GAP: 'An index is missing from the incremental chain.',
  ERR_CHAIN_DUPLICATE_INDEX: 'Two files of the chain claim the same index.',
  ERR_CHAIN_FOREIGN_DATABASE: 'A file of the chain belongs to another database (instance id differs).',
  ERR_CHAIN_CORRUPT: 'A file of the chain fails its checksum or is malformed.',
  ERR_CHAIN_BROKEN_LINK: "A file's previous-file hash does not match the file before it.",
  ERR_CHAIN_VERSION: 'A file of the chain has an unsupported format version.',

  // Console
  ERR_CONSOLE_SYNTAX: 'A console command is malformed; the message gives its syntax.',
  ERR_CONSOLE_UNKNOWN_COMMAND: 'The console does not know the command.',
  ERR_CONSOLE_UNKNOWN_OPTION: 'A console command was given an option it does not accept; the message lists the valid ones.',
  ERR_CONSOLE_NO_DATABASE: 'The console command needs a connected database.',
  ERR_INTERNAL: 'An unexpected failure inside the implementation (a bug, not bad input); the message says what failed.',

  // Export and import
  ERR_EXPORT_INVALID: 'The file to import is not a gzipped JSON export of the documented shape.',

  // Harness and protocol
  ERR_NOT_SUPPORTED: 'The implementation does not support the requested feature.',
  ERR_PROTOCOL: 'A protocol message is malformed or unexpected.',
  ERR_IMPLEMENTATION_CRASHED: 'The implementation process under test exited while requests were pending or an instance was live.',
  ERR_IMPLEMENTATION_TIMEOUT: 'The implementation process under test did not answer a request within the per-request time limit.',
  ERR_IMPLEMENTATION_LOAD: 'The implementation under test could not be loaded (module missing, no factory default export, process not started).',
  ERR_SPEC_NOT_FOUND: 'The spec/ directory with the requirement files could not be found or read.',
  ERR_INVALID_EXPECTATIONS: 'An expectations file (known failures) is not valid JSON of the documented shape or names unknown ids.',
  ERR_USAGE: 'A command line of the backup-conformance CLI is malformed; the message gives the usage.',
} as const;

/** A stable error code: one of the keys of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Extra, machine-readable facts about an error (the file, page or entry at fault, a limit...). */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * The one error class of the reference implementation. `code` is stable and documented;
 * `details` names what is at fault; `cause` keeps the underlying error.
 */
export class BackupConformanceError extends Error {
  /** The stable code, see {@link ERROR_CODES}. */
  readonly code: ErrorCode;
  /** Machine-readable facts about the failure. */
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: ErrorDetails } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BackupConformanceError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** Creates a {@link BackupConformanceError}; shorthand used across the implementation. */
export function fail(code: ErrorCode, message: string, options?: { cause?: unknown; details?: ErrorDetails }): BackupConformanceError {
  return new BackupConformanceError(code, message, options);
}

/** True when `error` is a {@link BackupConformanceError} (optionally with the given code). */
export function isCodedError(error: unknown, code?: ErrorCode): error is BackupConformanceError {
  return error instanceof BackupConformanceError && (code === undefined || error.code === code);
}

/**
 * Wraps an unknown failure into a coded error: coded errors pass through unchanged, anything
 * else becomes `fallback` with the original kept as `cause`.
 */
export function asCodedError(error: unknown, fallback: ErrorCode, message?: string): BackupConformanceError {
  if (error instanceof BackupConformanceError) return error;
  return new BackupConformanceError(fallback, message ?? messageOf(error), { cause: error });
}

/**
 * The message of a thrown value: an `Error`'s message, anything else as a string. A file system,
 * a callable or a module can throw or reject with any value, `undefined` included.
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The `code` of a Node errno error (`'ENOENT'`, ...); `undefined` for anything else thrown. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
