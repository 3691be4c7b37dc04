/**
 * Full backup: `db.backup(out, options, callable, listener, compressionLevel, bufferSize)` (the
 * manual's form) or `db.backup(out, { compressionLevel, bufferSize, onLocked, onMessage, mode,
 * stallTimeoutMs })` (the idiomatic form); `backup-request.ts` says how the two are told apart.
 * spec/backup.md is the contract.
 *
 * @packageDocumentation
 */
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ZipEntryStats, type ZipSource, removeStaleTemporaries, writeZip, writeZipToFile } from '../archive/write/index.js';
import { fail } from '../errors.js';
import type { Database, StorageSnapshot } from '../engine/index.js';
import type { FileSystem } from '../fs/index.js';
import { compressingMessage, entryMessage, guardedListener, summaryMessage } from './backup-messages.js';
import { type BackupRequest, readBackupRequest } from './backup-request.js';
import { type FullManifest, MANIFEST_ENTRY, buildManifest } from './manifest.js';
import { checkSnapshotFiles, snapshotSource, sourceChangedOrSelf, statDatabaseFiles } from './source-check.js';

export { DEFAULT_BUFFER_SIZE, DEFAULT_COMPRESSION_LEVEL, DEFAULT_STALL_TIMEOUT_MS, type BackupMode } from './backup-request.js';

/** What a full backup resolves with. */
export interface BackupSummary {
  /** Bytes written to the output: the archive's size. */
  readonly bytes: number;
  /** The number of entries in the archive, the manifest included. */
  readonly entries: number;
  /** The LSN the archive is consistent at (the manifest's `lsn`). */
  readonly lsn: number;
  /** The manifest written as the archive's last entry. */
  readonly manifest: FullManifest;
}

/** The arguments of `db.backup(...)`, in the manual's order or the idiomatic form. */
export type BackupArguments = readonly unknown[];

function checkDatabase(db: Database): { directory: string } {
  // Refuses a closed session (ERR_DATABASE_CLOSED) before the permission.
  db.checkPermission('backup');
  const { directory } = db.storage;
  // Only memory: databases have no directory.
  if (directory === null) throw fail('ERR_UNSUPPORTED_STORAGE', `Backup is not supported for the memory: database '${db.name}'`);
  return { directory };
}

async function runCallable(callable: () => unknown): Promise<void> {
  try {
    await callable();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw fail('ERR_CALLABLE_FAILED', `The backup's callable failed, so the backup was aborted: ${reason}`, { cause: error });
  }
}

/**
 * Runs a full backup of `db`; see {@link Database.backup} and spec/backup.md.
 *
 * 1. Checks, in this order and before anything is locked or written: the session is open
 *    (`ERR_DATABASE_CLOSED`), its user may back up (`ERR_PERMISSION_DENIED`), the storage is on
 *    disk (`ERR_UNSUPPORTED_STORAGE` for `memory:`), then the arguments (see `readBackupRequest`).
 * 2. Locks the database through `storage.beginSnapshot`: in `freeze` mode (the default, as
 *    OrientDB) writers wait until the archive is complete; in `snapshot` mode only until the
 *    snapshot is taken, copy-on-write keeping its bytes while they go on. The callable runs once,
 *    under the lock, and is awaited; if it throws or rejects the backup is aborted with
 *    `ERR_CALLABLE_FAILED` (the error as its cause) before a byte is written.
 * 3. Writes a ZIP of every file of the snapshot (never a lock or temporary file), then the
 *    manifest (`backup-manifest.json`, with the sizes and SHA-256 the writer measured while
 *    streaming), with the comment `OrientDB Backup executed on <ISO date>`. A string `out` is a
 *    file path, written atomically (temporary file beside it, fsync, rename, fsync of the
 *    directory; nothing at the path after a failure); once written, the temporary files that
 *    earlier backups to the path left (their process gone) are removed. A stream `out` receives writes of exactly
 *    `bufferSize` bytes (the last one smaller) and is ended, as OrientDB closes the caller's
 *    stream; after a failure during the write it is destroyed, and a refused call or a failed
 *    callable leaves it untouched.
 * 4. Releases the lock whatever happened, then sends the summary message.
 *
 * Failures during the copy: `ERR_OUTPUT_FAILED` (the output failed or accepted nothing for
 * `stallTimeoutMs`), `ERR_SOURCE_CHANGED` (a database file vanished or changed size), or the
 * engine's own code (`ERR_DATABASE_CLOSED` when the database closes meanwhile, `ERR_IO`). A
 * listener that throws is ignored.
 */
export async function backupDatabase(db: Database, args: BackupArguments): Promise<BackupSummary> {
  const started = performance.now();
  const { directory } = checkDatabase(db);
  const { fs } = db.storage;
  const request = await readBackupRequest(args, { directory, fs });
  const notify = guardedListener(request.listener);

  let atLock = new Map<string, number>();
  let snapshot: StorageSnapshot;
  try {
    snapshot = await db.storage.beginSnapshot({
      mode: request.mode,
      onLocked: async () => {
        atLock = await statDatabaseFiles(fs, directory);
        if (request.callable !== undefined) await runCallable(request.callable);
      },
    });
  } catch (error) {
    throw sourceChangedOrSelf(error);
  }

  let written: { bytes: number; entries: number; manifest: FullManifest };
  try {
    await checkSnapshotFiles(fs, directory, snapshot.files, atLock);
    const sources = snapshot.files.map((file) => snapshotSource(snapshot, fs, directory, file));
    written = await writeArchive(snapshot, sources, request, notify, fs);
  } finally {
    await snapshot.release();
  }
  notify(summaryMessage(db.name, written.entries, written.bytes, performance.now() - started));
  return { bytes: written.bytes, entries: written.entries, lsn: snapshot.lsn, manifest: written.manifest };
}

/** Writes the archive of `sources` (the snapshot's files), then the manifest, to the request's target. */
async function writeArchive(
  snapshot: StorageSnapshot,
  sources: readonly ZipSource[],
  request: BackupRequest,
  notify: (message: string) => void,
  fs: FileSystem,
): Promise<{ bytes: number; entries: number; manifest: FullManifest }> {
  const createdAt = new Date();
  let manifest: FullManifest | undefined;
  const options = {
    compressionLevel: request.compressionLevel,
    bufferSize: request.bufferSize,
    stallTimeoutMs: request.stallTimeoutMs,
    comment: `OrientDB Backup executed on ${createdAt.toISOString()}`,
    modifiedAt: createdAt,
    onEntryStart: (name: string) => notify(compressingMessage(name)),
    onEntry: (stats: ZipEntryStats) => notify(entryMessage(stats)),
    finalEntries: (entries: readonly ZipEntryStats[]) => {
      const built = buildManifest({
        kind: 'full',
        databaseName: snapshot.name,
        databaseFormatVersion: snapshot.formatVersion,
        instanceId: snapshot.instanceId,
        lsn: snapshot.lsn,
        createdAt: createdAt.toISOString(),
        files: entries.map(({ name, size, sha256 }) => ({ name, size, sha256 })),
      });
      manifest = built.manifest as FullManifest;
      return [{ name: MANIFEST_ENTRY, data: built.bytes }];
    },
  };
  const result =
    request.target.kind === 'path'
      ? await writeZipToFile(request.target.path, sources, { ...options, fs })
      : await writeZip(request.target.stream, sources, options);
  // Temporary files that earlier backups to this path could not remove (killed, or a disk that failed their clean-up).
  if (request.target.kind === 'path') {
    const file = basename(request.target.path);
    await removeStaleTemporaries(fs, dirname(request.target.path), (name) => name === file);
  }
  return { bytes: result.bytes, entries: result.entries.length, manifest: manifest! };
}
