/**
 * Fixed facts of the on-disk format shared by every engine module.
 *
 * @packageDocumentation
 */

/**
 * The size of every page of every `.pcl` and `.cpm` file, in bytes: 8 KiB.
 *
 * A page is the unit of I/O, of checksumming, of the write-ahead log's full page images and of
 * incremental backup (a changed page is backed up whole). 8 KiB is PostgreSQL's default and a
 * good middle: small enough that an incremental backup of a few changed records carries little
 * besides them, large enough that a 1 KiB document (the common size in our benchmarks) wastes
 * little space: seven fit in a page with about 10% left over, where 4 KiB pages would hold three
 * and waste about 23%. Larger pages would make every WAL image and incremental page costlier.
 */
export const PAGE_SIZE = 8192;

/** The metadata file (JSON) of a database directory. */
export const METADATA_FILE = 'database.ocf';

/** The write-ahead log of a database directory. */
export const WAL_FILE = 'database.wal';

/** The process lock file; holds the pid of the process that has the database open. */
export const LOCK_FILE = 'database.lock';

/** Extension of a cluster's paged record data file. */
export const DATA_FILE_EXTENSION = '.pcl';

/** Extension of a cluster's paged position map file (position -> page and slot). */
export const POSITION_MAP_FILE_EXTENSION = '.cpm';

/** Suffix of every temporary file the engine writes (atomic writes, snapshot copy-on-write spills). */
export const TEMP_FILE_SUFFIX = '.tmp';

/**
 * Names and patterns of the transient files of a database directory: they belong to a running
 * process, never to the database's content, and backups must not archive them.
 * A pattern is either an exact file name or `*` followed by a suffix.
 */
export const TRANSIENT_FILE_PATTERNS: readonly string[] = [LOCK_FILE, `*${TEMP_FILE_SUFFIX}`];

/** True when `name` (a file name relative to the database directory) matches {@link TRANSIENT_FILE_PATTERNS}. */
export function isTransientFile(name: string): boolean {
  return TRANSIENT_FILE_PATTERNS.some((pattern) =>
    pattern.startsWith('*') ? name.endsWith(pattern.slice(1)) : name === pattern,
  );
}

/** The current version of the on-disk format, written to the metadata file. */
export const FORMAT_VERSION = 1;
