/**
 * The messages a full backup gives its listener, in OrientDB's wording (spec/backup.md
 * BACKUP-037 to BACKUP-039), and the guard that keeps a failing listener from hurting the backup
 * (BACKUP-040, BACKUP-041).
 *
 * @packageDocumentation
 */
import type { ZipEntryStats } from '../archive/write/index.js';

/** The first message for an entry: `- Compressing file <entry>...`. */
export function compressingMessage(entry: string): string {
  return `- Compressing file ${entry}...`;
}

/**
 * The second message for an entry: `ok size=<bytes> compressedSize=<bytes> ratio=<r>%
 * elapsed=<t>ms`, where `<r>` is the rounded percentage saved, `100 - compressed * 100 / size`
 * (0 for an empty entry, negative when compression made it larger) and `<t>` the whole
 * milliseconds spent on the entry. Sizes are exact decimal byte counts (OrientDB prints them
 * human-readably, "8.00KB"), so that a reader can check them against the archive.
 */
export function entryMessage(stats: Pick<ZipEntryStats, 'size' | 'compressedSize' | 'ratio' | 'elapsedMs'>): string {
  const ratio = Math.round(stats.ratio) || 0;
  return `ok size=${stats.size} compressedSize=${stats.compressedSize} ratio=${ratio}% elapsed=${Math.round(stats.elapsedMs)}ms`;
}

/** The last message of a successful backup: the database, the number of entries and the archive size. */
export function summaryMessage(database: string, entries: number, bytes: number, elapsedMs: number): string {
  return `Backup of database '${database}' completed: ${entries} entries, ${bytes} bytes in ${Math.round(elapsedMs)}ms`;
}

/**
 * Wraps a listener so that calling it never throws: a listener that throws (or returns a promise
 * that rejects) is ignored, and the backup goes on. A progress display that fails must not decide
 * whether a backup exists.
 */
export function guardedListener(listener: ((message: string) => unknown) | undefined): (message: string) => void {
  if (listener === undefined) return () => {};
  return (message) => {
    try {
      // Promise.resolve adopts a thenable and turns a throwing `then` getter into a rejection.
      Promise.resolve(listener(message)).catch(() => {});
    } catch {
      // Ignored on purpose (spec/backup.md BACKUP-041): see the function's documentation.
    }
  };
}
