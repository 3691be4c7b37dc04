import { archiveError } from './archive-error.js';
import { collisionKey } from './entry-name.js';

/** What {@link assertNoCollisions} needs of an entry. */
export interface NamedEntry {
  readonly name: string;
  readonly segments: readonly string[];
  readonly isDirectory: boolean;
}

function kindOf(a: string, b: string): string {
  if (a.endsWith('/') !== b.endsWith('/')) return 'file-directory';
  if (a === b) return 'exact';
  if (a.normalize('NFC') === b.normalize('NFC')) return 'unicode-normalisation';
  return 'case';
}

/**
 * Refuses (with `ERR_ARCHIVE_DUPLICATE_ENTRY`) two entries that would land on one path: equal
 * names, names equal after case folding or Unicode normalisation (see {@link collisionKey}), and
 * a file whose name is also a directory of another entry (`a` and `a/b`).
 */
export function assertNoCollisions(entries: readonly NamedEntry[], archive: string): void {
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const key = collisionKey(entry.name);
    const other = seen.get(key);
    if (other !== undefined) {
      const kind = kindOf(other, entry.name);
      throw archiveError('ERR_ARCHIVE_DUPLICATE_ENTRY', `the entry collides with ${JSON.stringify(other)} (${kind})`, { archive, entry: entry.name }, { other, kind });
    }
    seen.set(key, entry.name);
  }
  const directories = new Map<string, string>();
  for (const entry of entries) {
    const parents = entry.isDirectory ? entry.segments.length : entry.segments.length - 1;
    for (let depth = 1; depth <= parents; depth += 1) {
      directories.set(collisionKey(entry.segments.slice(0, depth).join('/')), entry.name);
    }
  }
  for (const entry of entries) {
    if (entry.isDirectory) continue;
    const other = directories.get(collisionKey(entry.name));
    if (other !== undefined) {
      throw archiveError('ERR_ARCHIVE_DUPLICATE_ENTRY', `the file is also a directory of ${JSON.stringify(other)}`, { archive, entry: entry.name }, { other, kind: 'file-directory' });
    }
  }
}
