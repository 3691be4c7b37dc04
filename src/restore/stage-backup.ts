/**
 * Staging: everything a restore does before it touches the database. The backup is written into
 * the staging directory's `new/`, checked completely, given the target's name and a fresh
 * instance id, and made durable. Nothing here writes outside the staging directory.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { extractArchive } from '../archive/read/extract-archive.js';
import type { ArchiveLimits } from '../archive/read/limits.js';
import { MANIFEST_ENTRY } from '../backup/manifest.js';
import { fail } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { DATA_FILE_EXTENSION, POSITION_MAP_FILE_EXTENSION, isTransientFile } from '../engine/constants.js';
import { type Metadata, writeMetadata } from '../engine/metadata.js';
import { stageChain } from '../incremental/stage-chain.js';
import { type BackupContents, type BackupFile, PageScanner, stagedContents } from './backup-contents.js';
import { checkBackupContents } from './check-backup.js';
import { ioError } from './staging.js';

/** Options of the staging functions. */
export interface StageOptions {
  readonly fs: FileSystem;
  /** The name the restored database takes (the target directory's last segment, `RESTORE-006`). */
  readonly databaseName: string;
  /** Archive limits (`RESTORE-032`). */
  readonly limits?: Partial<ArchiveLimits>;
  /** For a chain: the last index to apply. */
  readonly upToIndex?: number;
  /** Called with the name and size of each database file extracted from an archive; may throw to abort. */
  readonly onFile?: (name: string, size: number) => void;
  /** Receives the chain stager's progress messages; may throw to abort. */
  readonly onMessage?: (message: string) => void;
}

/** What was staged. */
export interface StagedDatabase {
  /** The database files staged (the manifest and transient files not counted). */
  readonly files: number;
  /** The staged metadata, with its new name and instance id. */
  readonly metadata: Metadata;
}

/** True for an entry that is no file of the restored database: the manifest, a lock or temporary file. */
function isBackupOnly(name: string): boolean {
  return name === MANIFEST_ENTRY || isTransientFile(name);
}

/**
 * Extracts the archive at `archive` into `directory` (empty or missing) and checks it: every
 * archive-level check of the reader, then {@link checkBackupContents}; then finalises it
 * ({@link finalizeStagedDatabase}). Rejects with the first problem's coded error.
 */
export async function stageArchive(archive: string, directory: string, options: StageOptions): Promise<StagedDatabase> {
  // The pages of every paged file are checked as they are extracted, in the same pass, rather
  // than by reading the extracted files back (a second read of the whole database).
  const scanners = new Map<string, PageScanner>();
  const entries = await extractArchive(archive, directory, {
    fs: options.fs,
    syncDirectories: true,
    limits: options.limits,
    onData: (entry, chunk) => {
      if (!isPagedEntry(entry)) return;
      let scanner = scanners.get(entry);
      if (scanner === undefined) scanners.set(entry, (scanner = new PageScanner(entry)));
      scanner.push(chunk);
    },
    onEntry: (entry) => {
      if (!isBackupOnly(entry.name)) options.onFile?.(entry.name, entry.size);
    },
  });
  const files: BackupFile[] = entries.map(({ name, size, sha256 }) => ({ name, size, sha256 }));
  const checked = await checkBackupContents(withScannedPages(stagedContents(options.fs, directory, files), scanners));
  if (checked.problems.length > 0) throw checked.problems[0];
  const metadata = await finalizeStagedDatabase(options.fs, directory, checked.metadata!, options.databaseName);
  return { files: files.filter((file) => !isBackupOnly(file.name)).length, metadata };
}

/** True for an entry that may be a paged file of the database: a `.pcl` or `.cpm` file at the root. */
function isPagedEntry(name: string): boolean {
  return !name.includes('/') && (name.endsWith(DATA_FILE_EXTENSION) || name.endsWith(POSITION_MAP_FILE_EXTENSION));
}

/** `contents` whose page checks answer from the scans made during extraction (an empty entry was never scanned: it is read back). */
function withScannedPages(contents: BackupContents, scanners: ReadonlyMap<string, PageScanner>): BackupContents {
  return {
    files: contents.files,
    read: (name) => contents.read(name),
    pageProblem: async (name) => {
      const scanner = scanners.get(name);
      return scanner === undefined ? contents.pageProblem(name) : scanner.finish();
    },
  };
}

/** Lists the regular files under `directory`, relative and `/`-separated, with their sizes. */
async function listFiles(fs: FileSystem, directory: string, prefix = ''): Promise<BackupFile[]> {
  const found: BackupFile[] = [];
  for (const entry of await fs.readdir(join(directory, prefix))) {
    const name = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) found.push(...(await listFiles(fs, directory, name)));
    else if (entry.isFile) found.push({ name, size: (await fs.stat(join(directory, name))).size });
  }
  return found;
}

/**
 * Rebuilds the database of the incremental chain in `chain` into `directory` (`stageChain`
 * checks the chain itself), then checks its structure and finalises it.
 */
export async function stageChainDirectory(chain: string, directory: string, options: StageOptions): Promise<StagedDatabase> {
  await stageChain(chain, directory, {
    fs: options.fs,
    limits: options.limits,
    upToIndex: options.upToIndex,
    listener: options.onMessage,
  });
  let files: BackupFile[];
  try {
    files = await listFiles(options.fs, directory);
  } catch (error) {
    throw ioError(error, 'Listing the staged database', directory);
  }
  const checked = await checkBackupContents(stagedContents(options.fs, directory, files), { structureOnly: true });
  if (checked.problems.length > 0) throw checked.problems[0];
  for (const file of files) await syncFile(options.fs, join(directory, file.name));
  const metadata = await finalizeStagedDatabase(options.fs, directory, checked.metadata!, options.databaseName);
  return { files: files.filter((file) => !isBackupOnly(file.name)).length, metadata };
}

async function syncFile(fs: FileSystem, path: string): Promise<void> {
  try {
    const handle = await fs.open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw ioError(error, 'Syncing', path);
  }
}

/**
 * Makes a checked, staged database ready to be swapped in: removes what is no database file
 * (the manifest, lock and temporary files) from its root, writes its metadata with the target's
 * name and a fresh instance id (`RESTORE-006`, `RESTORE-007`) durably, and fsyncs the directory.
 * Resolves the metadata written.
 */
export async function finalizeStagedDatabase(fs: FileSystem, directory: string, metadata: Metadata, databaseName: string): Promise<Metadata> {
  try {
    for (const entry of await fs.readdir(directory)) {
      if (isBackupOnly(entry.name) && !entry.isDirectory) await fs.unlink(join(directory, entry.name));
    }
    const restored: Metadata = { ...metadata, name: databaseName, instanceId: randomUUID() };
    await writeMetadata(fs, directory, restored);
    return restored;
  } catch (error) {
    throw ioError(error, 'Preparing the staged database in', directory);
  }
}

/** `ERR_INVALID_OPTIONS` for `upToIndex` given with an archive (it only means something for a chain). */
export function upToIndexNeedsDirectory(): never {
  throw fail('ERR_INVALID_OPTIONS', 'restore: options.upToIndex applies only to a directory of incremental backups, not to an archive or a stream', {
    details: { option: 'upToIndex' },
  });
}
