/**
 * Noticing database files that change behind the engine's back while a backup holds them
 * (spec/backup.md BACKUP-057, OrientDB issue #8245): a file deleted or truncated by someone else
 * must fail the backup with `ERR_SOURCE_CHANGED`, never give a silently incomplete archive.
 *
 * While the lock is held nothing of the engine changes a file's size, so the sizes seen when the
 * lock is taken must be the sizes of the snapshot. During the copy (and in snapshot mode, while
 * writers go on) the paged data files only grow, so each must still exist, at least as large as
 * in the snapshot, once it has been read. The metadata and the log are captured in memory by the
 * snapshot and are not watched during the copy.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import type { ZipChunkReader, ZipSource } from '../archive/write/index.js';
import { type BackupConformanceError, fail } from '../errors.js';
import { DATA_FILE_EXTENSION, POSITION_MAP_FILE_EXTENSION, isTransientFile, type SnapshotFile, type StorageSnapshot } from '../engine/index.js';
import type { FileSystem } from '../fs/index.js';

function isEnoent(error: unknown): boolean {
  return error instanceof Object && (error as { code?: unknown }).code === 'ENOENT';
}

function changed(name: string, what: string, details: Record<string, unknown> = {}): BackupConformanceError {
  return fail('ERR_SOURCE_CHANGED', `The database file '${name}' ${what} while it was being backed up`, { details: { file: name, ...details } });
}

function isPaged(name: string): boolean {
  return name.endsWith(DATA_FILE_EXTENSION) || name.endsWith(POSITION_MAP_FILE_EXTENSION);
}

/** The sizes of the regular, non-transient files of the database directory; a failing disk is `ERR_IO`. */
export async function statDatabaseFiles(fs: FileSystem, directory: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  let entries;
  try {
    entries = await fs.readdir(directory);
  } catch (error) {
    throw fail('ERR_IO', `Listing ${directory} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  for (const entry of entries) {
    if (!entry.isFile || isTransientFile(entry.name)) continue;
    const size = await currentSize(fs, join(directory, entry.name));
    if (size !== undefined) sizes.set(entry.name, size);
  }
  return sizes;
}

async function currentSize(fs: FileSystem, path: string): Promise<number | undefined> {
  try {
    return (await fs.stat(path)).size;
  } catch (error) {
    if (isEnoent(error)) return undefined;
    throw fail('ERR_IO', `Checking ${path} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Checks the files of a fresh snapshot: each had the same size when the lock was taken
 * (`atLock`), and each paged file is still in the directory.
 *
 * @throws BackupConformanceError `ERR_SOURCE_CHANGED`, naming the file.
 */
export async function checkSnapshotFiles(fs: FileSystem, directory: string, files: readonly SnapshotFile[], atLock: ReadonlyMap<string, number>): Promise<void> {
  for (const file of files) {
    const before = atLock.get(file.name);
    if (before === undefined) throw changed(file.name, 'appeared', { size: file.size });
    if (before !== file.size) throw changed(file.name, `changed size from ${before} to ${file.size} bytes`, { before, after: file.size });
    if (isPaged(file.name) && (await currentSize(fs, join(directory, file.name))) === undefined) throw changed(file.name, 'vanished');
  }
}

/**
 * The archive source of one snapshot file: its bytes as of the snapshot, read into the writer's
 * own buffers (a `ZipChunkReader`: no allocation per chunk), and then, for a paged file, a check
 * that the file is still there and has not shrunk (reads past a truncation would otherwise come
 * back as zeros).
 */
export function snapshotSource(snapshot: StorageSnapshot, fs: FileSystem, directory: string, file: SnapshotFile): ZipSource {
  return {
    name: file.name,
    size: file.size,
    open: (): ZipChunkReader => {
      let position = 0;
      return {
        async readInto(buffer) {
          const count = await snapshot.readAt(file.name, position, buffer);
          position += count;
          if (count === 0 && isPaged(file.name)) {
            const size = await currentSize(fs, join(directory, file.name));
            if (size === undefined) throw changed(file.name, 'vanished');
            if (size < file.size) throw changed(file.name, `shrank from ${file.size} to ${size} bytes`, { before: file.size, after: size });
          }
          return count;
        },
      };
    },
  };
}

/**
 * Turns the engine's failure to take a snapshot because a file is gone (`ENOENT` somewhere in the
 * cause chain) into `ERR_SOURCE_CHANGED`; other errors are returned unchanged.
 */
export function sourceChangedOrSelf(error: unknown): unknown {
  for (let cause: unknown = error, depth = 0; depth < 8; depth++) {
    if (isEnoent(cause)) {
      const path = (cause as { path?: unknown }).path;
      const name = typeof path === 'string' ? path : 'a database file';
      return fail('ERR_SOURCE_CHANGED', `${name} vanished while the database was locked for a backup`, { cause: error, details: { file: name } });
    }
    if (!(cause instanceof Error)) break;
    cause = cause.cause;
  }
  return error;
}
