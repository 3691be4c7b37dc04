import { fail } from '../../../errors.js';
import { describeValue } from './describe-value.js';

/** ZIP stores a name's length in 16 bits (APPNOTE 4.4.10). */
const MAX_NAME_BYTES = 0xffff;

// C0 controls (NUL included) and DEL. No entry of a backup needs them, and several tools print or
// split names on them.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Why `name` cannot be an entry name, or undefined when it can. */
function reasonToRefuse(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return `it is longer than ${MAX_NAME_BYTES} UTF-8 bytes`;
  if (CONTROL_CHARACTER.test(name)) return 'it contains NUL or another control character';
  if (name.includes('\\')) return 'it contains a backslash (ZIP names use "/")';
  // Tools read a leading "word:" as a drive letter (archiver strips it, so "db:" would rename the
  // entry), and colons are invalid in Windows file names.
  if (name.includes(':')) return 'it contains a colon (drive letters and Windows-invalid names)';
  if (name.startsWith('/')) return 'it is absolute';
  for (const segment of name.split('/')) {
    if (segment === '') return 'it has an empty segment or ends with "/" (only files can be archived)';
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
  }
  return undefined;
}

/**
 * Accepts entry names the way a careful extractor would, so that the writer never produces an
 * archive our own reader (or unzip, on a case-insensitive file system) would refuse or mangle:
 * relative `/`-separated paths, no traversal, no collisions.
 */
export class EntryNames {
  private readonly seen = new Map<string, string>();

  /**
   * Checks `name` and records it.
   *
   * @throws BackupConformanceError `ERR_INVALID_ARGUMENT` with `details.name` (and `details.duplicateOf`).
   */
  accept(name: unknown): string {
    if (typeof name !== 'string') {
      throw fail('ERR_INVALID_ARGUMENT', `an entry name must be a string, received ${describeValue(name)}`, {
        details: { name: describeValue(name) },
      });
    }
    const reason = reasonToRefuse(name);
    if (reason !== undefined) {
      throw fail('ERR_INVALID_ARGUMENT', `invalid entry name ${describeValue(name)}: ${reason}`, { details: { name, reason } });
    }
    const key = name.normalize('NFC').toLowerCase();
    const earlier = this.seen.get(key);
    if (earlier !== undefined) {
      throw fail('ERR_INVALID_ARGUMENT', `duplicate entry name ${describeValue(name)} (collides with ${describeValue(earlier)})`, {
        details: { name, duplicateOf: earlier },
      });
    }
    this.seen.set(key, name);
    return name;
  }
}
