import { BackupConformanceError, errnoOf, type ErrorCode, type ErrorDetails, fail } from '../../errors.js';

/** Where in an archive a failure happened; copied into the error's `details`. */
export interface ArchiveErrorContext {
  /** The archive's path (or a label for an in-memory archive). */
  readonly archive?: string;
  /** The entry at fault, as named in the central directory. */
  readonly entry?: string;
  /** The byte offset in the archive of the structure at fault. */
  readonly offset?: number;
}

/**
 * Builds the coded error for an archive fault found by our own checks. The message names the
 * archive and the entry; `details` carries the context plus `extra`.
 */
export function archiveError(
  code: ErrorCode,
  problem: string,
  context: ArchiveErrorContext,
  extra: ErrorDetails = {},
  cause?: unknown,
): BackupConformanceError {
  const where = [context.archive, context.entry === undefined ? undefined : `entry ${JSON.stringify(context.entry)}`]
    .filter((part) => part !== undefined)
    .join(': ');
  const details: Record<string, unknown> = { ...extra };
  if (context.archive !== undefined) details.archive = context.archive;
  if (context.entry !== undefined) details.entry = context.entry;
  if (context.offset !== undefined) details.offset = context.offset;
  return fail(code, where === '' ? problem : `${where}: ${problem}`, { details, cause });
}

/** One row of {@link YAUZL_ERROR_TABLE}: a yauzl (or zlib) failure and the code it becomes. */
export interface ArchiveErrorRule {
  /** Matches the message of the plain `Error` yauzl raises. */
  readonly message?: RegExp;
  /** Matches the `code` property instead (zlib's errors carry `Z_DATA_ERROR` and friends). */
  readonly errorCode?: RegExp;
  /** The code, or a function of the message's match when the numbers in it decide. */
  readonly code: ErrorCode | ((match: RegExpExecArray) => ErrorCode);
}

/**
 * The one place where yauzl's and zlib's uncoded errors become coded ones. yauzl raises plain
 * `Error`s whose messages are its only contract, so each message family it can produce on
 * hostile input has a row here (a test checks every `new Error("...")` of yauzl's source
 * against this table). Our own checks run before yauzl's wherever possible, so most rows are a
 * second line of defence.
 */
export const YAUZL_ERROR_TABLE: readonly ArchiveErrorRule[] = [
  // End of central directory record. "Expected" is what remains after the record, "Found" the
  // declared comment length: more bytes than declared is trailing data, fewer is a truncation.
  {
    message: /^Invalid comment length\. Expected: (\d+)\. Found: (\d+)\./,
    code: (match) => (Number(match[1]) > Number(match[2]) ? 'ERR_ARCHIVE_TRAILING_DATA' : 'ERR_ARCHIVE_TRUNCATED'),
  },
  { message: /^End of central directory record signature not found/, code: 'ERR_NOT_A_ZIP' },
  { message: /^multi-disk zip files are not supported/, code: 'ERR_ARCHIVE_MALFORMED' },
  { message: /^invalid zip64 end of central directory record signature/, code: 'ERR_ARCHIVE_ZIP64_INVALID' },
  { message: /^zip64 extended information extra field does not include/, code: 'ERR_ARCHIVE_ZIP64_INVALID' },
  // Central directory records.
  { message: /^invalid central directory file header signature/, code: 'ERR_ARCHIVE_MALFORMED' },
  { message: /^extra field length exceeds extra field buffer size/, code: 'ERR_ARCHIVE_MALFORMED' },
  { message: /^strong encryption is not supported/, code: 'ERR_ARCHIVE_ENCRYPTED' },
  { message: /^invalid characters in fileName/, code: 'ERR_ARCHIVE_BACKSLASH' },
  { message: /^absolute path/, code: 'ERR_ARCHIVE_ABSOLUTE_PATH' },
  { message: /^invalid relative path/, code: 'ERR_ARCHIVE_PATH_TRAVERSAL' },
  { message: /^compressed\/uncompressed size mismatch for stored file/, code: 'ERR_ARCHIVE_SIZE_MISMATCH' },
  // Local headers and entry data.
  { message: /^invalid local file header signature/, code: 'ERR_ARCHIVE_HEADER_MISMATCH' },
  { message: /^file data overflows file bounds/, code: 'ERR_ARCHIVE_TRUNCATED' },
  { message: /^unexpected EOF$/, code: 'ERR_ARCHIVE_TRUNCATED' },
  { message: /^entry is encrypted/, code: 'ERR_ARCHIVE_ENCRYPTED' },
  { message: /^unsupported compression method/, code: 'ERR_ARCHIVE_UNSUPPORTED_METHOD' },
  { message: /^too many bytes in the stream/, code: 'ERR_ARCHIVE_SIZE_MISMATCH' },
  // Raised on a raw byte range, so "not enough" means the archive ended early.
  { message: /^not enough bytes in the stream/, code: 'ERR_ARCHIVE_TRUNCATED' },
  { message: /^closed$/, code: 'ERR_ARCHIVE_CLOSED' },
  { message: /^zip file too large/, code: 'ERR_ARCHIVE_LIMIT_EXCEEDED' },
  // zlib, while inflating an entry.
  { errorCode: /^Z_(DATA_ERROR|BUF_ERROR|NEED_DICT|STREAM_ERROR)$/, code: 'ERR_ARCHIVE_CORRUPT_DATA' },
];

/** Finds the row of {@link YAUZL_ERROR_TABLE} that `error` matches, with its code. */
export function classifyArchiveError(error: unknown): ErrorCode | undefined {
  if (!(error instanceof Error)) return undefined;
  const errorCode = (error as { code?: unknown }).code;
  for (const rule of YAUZL_ERROR_TABLE) {
    if (rule.errorCode !== undefined) {
      if (typeof errorCode === 'string' && rule.errorCode.test(errorCode)) return rule.code as ErrorCode;
      continue;
    }
    const match = rule.message?.exec(error.message);
    if (match) return typeof rule.code === 'function' ? rule.code(match) : rule.code;
  }
  return undefined;
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof errnoOf(error) === 'string' && /^E[A-Z0-9]+$/.test(errnoOf(error)!);
}

/**
 * Turns any failure met while reading an archive into a coded error: coded errors pass through,
 * yauzl and zlib errors go through {@link YAUZL_ERROR_TABLE}, operating-system errors become
 * `ERR_IO`, and anything unrecognised becomes `ERR_ARCHIVE_MALFORMED` (the original is the cause).
 */
export function toArchiveError(error: unknown, context: ArchiveErrorContext): BackupConformanceError {
  if (error instanceof BackupConformanceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = classifyArchiveError(error);
  if (code !== undefined) return archiveError(code, message, context, {}, error);
  if (isSystemError(error)) return archiveError('ERR_IO', message, context, { errno: error.code }, error);
  return archiveError('ERR_ARCHIVE_MALFORMED', `unrecognised failure: ${message}`, context, {}, error);
}
