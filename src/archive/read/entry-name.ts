import { archiveError, type ArchiveErrorContext } from './archive-error.js';

/** Longest entry name accepted, in UTF-8 bytes (Linux's PATH_MAX is 4096; ours are short). */
export const MAX_NAME_BYTES = 1024;
/** Longest path segment accepted, in UTF-8 bytes (NAME_MAX of common file systems). */
export const MAX_SEGMENT_BYTES = 255;

/** A name that passed {@link validateEntryName}, split for the file system. */
export interface CheckedName {
  /** The path segments, never empty, `.`, `..`, nor containing `/`, `\` or `:`. */
  readonly segments: readonly string[];
  /** True for a directory entry (the name ends with `/`). */
  readonly isDirectory: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// C0 controls, DEL and C1 controls: never part of a file name we write.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Checks an entry name before anything is created from it, and says exactly what is wrong:
 * - `ERR_ARCHIVE_INVALID_NAME`: empty, NUL or control characters (in the raw bytes or the
 *   decoded name), invalid UTF-8 when the UTF-8 flag is set, too long, an empty or `.`
 *   segment, or a colon (drive-relative paths, NTFS alternate data streams);
 * - `ERR_ARCHIVE_ABSOLUTE_PATH`: a leading `/` or `\`, a UNC path (`//host`, `\\host`), a
 *   drive letter (`C:`, `C:\`);
 * - `ERR_ARCHIVE_BACKSLASH`: any other backslash (a path separator on Windows);
 * - `ERR_ARCHIVE_PATH_TRAVERSAL`: a `..` segment anywhere (`../x`, `a/../../x`, `a/..`).
 * Directory entries end with exactly one `/`.
 *
 * @param name the name as decoded by yauzl (CP437, UTF-8 or the Info-ZIP Unicode path field)
 * @param raw the name's bytes in the central directory
 * @param isUtf8 whether general purpose bit 11 (UTF-8 names) is set
 */
export function validateEntryName(name: string, raw: Uint8Array, isUtf8: boolean, context: ArchiveErrorContext): CheckedName {
  const invalid = (problem: string) => archiveError('ERR_ARCHIVE_INVALID_NAME', problem, context, { name });
  if (raw.length === 0 || name.length === 0) throw invalid('the entry name is empty');
  if (raw.includes(0) || name.includes('\u0000')) throw invalid('the entry name contains a NUL byte');
  if (raw.some((byte) => byte < 0x20 || byte === 0x7f) || CONTROL.test(name)) throw invalid('the entry name contains a control character');
  if (isUtf8) {
    try {
      utf8.decode(raw);
    } catch {
      throw invalid('the entry name is flagged UTF-8 but is not valid UTF-8');
    }
  }
  if (name.includes('\ufffd')) throw invalid('the entry name contains U+FFFD (an undecodable byte)');
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw invalid(`the entry name is longer than ${MAX_NAME_BYTES} bytes`);

  if (/^[/\\]{2}/.test(name)) throw archiveError('ERR_ARCHIVE_ABSOLUTE_PATH', 'the entry name is a UNC path', context, { name });
  if (/^[/\\]/.test(name)) throw archiveError('ERR_ARCHIVE_ABSOLUTE_PATH', 'the entry name is absolute', context, { name });
  if (/^[A-Za-z]:/.test(name)) throw archiveError('ERR_ARCHIVE_ABSOLUTE_PATH', 'the entry name starts with a drive letter', context, { name });
  if (name.includes('\\')) throw archiveError('ERR_ARCHIVE_BACKSLASH', 'the entry name contains a backslash', context, { name });

  const isDirectory = name.endsWith('/');
  const segments = (isDirectory ? name.slice(0, -1) : name).split('/');
  if (segments.includes('..')) throw archiveError('ERR_ARCHIVE_PATH_TRAVERSAL', 'the entry name has a ".." segment', context, { name });
  for (const segment of segments) {
    if (segment === '') throw invalid('the entry name has an empty segment');
    if (segment === '.') throw invalid('the entry name has a "." segment');
    if (segment.includes(':')) throw invalid('the entry name contains a colon');
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) throw invalid(`a segment of the entry name is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return { segments, isDirectory };
}

/**
 * The key under which two names collide on a case-insensitive or normalising file system
 * (APFS, NTFS, HFS+): Unicode NFC, then case folded by upper- then lower-casing (which also
 * folds `ß` and `SS`: refusing a few more pairs than a given file system would is the safe side).
 * The trailing `/` of directories is dropped, so a file and a directory of one name collide too.
 */
export function collisionKey(name: string): string {
  const bare = name.endsWith('/') ? name.slice(0, -1) : name;
  return bare.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}
