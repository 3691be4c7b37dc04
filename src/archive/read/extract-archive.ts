import { createHash } from 'node:crypto';
import path from 'node:path';
import { asCodedError, errnoOf, fail } from '../../errors.js';
import { type FileHandle, type FileSystem, nodeFileSystem } from '../../fs/index.js';
import { archiveError } from './archive-error.js';
import type { ArchiveLimits } from './limits.js';
import { type ArchiveEntryInfo, openArchive, type SafeArchive } from './open-archive.js';
import { checkOptions } from './options.js';

/** A file entry that was read completely and verified (size, CRC-32), with its SHA-256. */
export interface ExtractedEntry {
  /** The entry's name in the archive (`/`-separated). */
  readonly name: string;
  /** Its size in bytes. */
  readonly size: number;
  /** Its CRC-32, as declared and verified. */
  readonly crc32: number;
  /** The SHA-256 of its bytes, lower-case hex. */
  readonly sha256: string;
}

/** Options of {@link inspectArchive}. */
export interface InspectArchiveOptions {
  /** Where the archive is read from; defaults to the real disk. */
  readonly fs?: FileSystem;
  /** Overrides of the default archive limits. */
  readonly limits?: Partial<ArchiveLimits>;
  /** Called after each file entry has been read and verified. If it throws, the work stops with `ERR_CALLABLE_FAILED`. */
  readonly onEntry?: (entry: ExtractedEntry) => void;
  /**
   * Called with each chunk of a file entry's data, in order, as it is read: before the entry's
   * size and CRC-32 are checked at its end, so act on what it saw only once `onEntry` confirms
   * the entry. Lets a caller check the content in the same pass (restore checks pages this way).
   * If it throws, the work stops with `ERR_CALLABLE_FAILED`.
   */
  readonly onData?: (entry: string, chunk: Buffer) => void;
  /** Cancels the work between chunks with `ERR_ABORTED`. */
  readonly signal?: AbortSignal;
}

/** Options of {@link extractArchive}. */
export interface ExtractArchiveOptions extends InspectArchiveOptions {
  /** Also fsync every directory created (deepest first) and the target, once all files are written. Default false: the caller syncs. */
  readonly syncDirectories?: boolean;
}

const INSPECT_OPTIONS = ['fs', 'limits', 'onEntry', 'onData', 'signal'] as const;
const EXTRACT_OPTIONS = [...INSPECT_OPTIONS, 'syncDirectories'] as const;

function checkCommonOptions(options: InspectArchiveOptions, fn: string): void {
  if (options.onEntry !== undefined && typeof options.onEntry !== 'function') throw fail('ERR_INVALID_OPTIONS', `${fn}: onEntry must be a function`);
  if (options.onData !== undefined && typeof options.onData !== 'function') throw fail('ERR_INVALID_OPTIONS', `${fn}: onData must be a function`);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) throw fail('ERR_INVALID_OPTIONS', `${fn}: signal must be an AbortSignal`);
}

function throwIfAborted(signal: AbortSignal | undefined, archive: string): void {
  if (signal?.aborted) throw fail('ERR_ABORTED', `${archive}: the operation was aborted`, { details: { archive }, cause: signal.reason });
}

function ioFailure(error: unknown, operation: string, target: string, entry?: string) {
  const errno = errnoOf(error);
  const details: Record<string, unknown> = { path: target };
  if (errno !== undefined) details.errno = errno;
  if (entry !== undefined) details.entry = entry;
  return fail('ERR_IO', `${operation} ${target} failed: ${error instanceof Error ? error.message : String(error)}`, { details, cause: error });
}

/**
 * Reads one file entry to its verified end, handing each chunk to `onData` and `sink` (in order,
 * `sink` awaited), and returns its facts. Checks `signal` between chunks.
 */
async function consumeEntry(
  archive: SafeArchive,
  info: ArchiveEntryInfo,
  label: string,
  signal: AbortSignal | undefined,
  onData: ((entry: string, chunk: Buffer) => void) | undefined,
  sink: (chunk: Buffer) => Promise<void> | void,
): Promise<ExtractedEntry> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of archive.readEntry(info.name)) {
    throwIfAborted(signal, label);
    hash.update(chunk);
    size += chunk.length;
    if (onData !== undefined) {
      try {
        onData(info.name, chunk);
      } catch (error) {
        throw asCodedError(error, 'ERR_CALLABLE_FAILED', `onData threw for ${JSON.stringify(info.name)}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await sink(chunk);
  }
  return Object.freeze({ name: info.name, size, crc32: info.crc32, sha256: hash.digest('hex') });
}

function report(onEntry: ((entry: ExtractedEntry) => void) | undefined, entry: ExtractedEntry): void {
  if (onEntry === undefined) return;
  try {
    onEntry(entry);
  } catch (error) {
    throw asCodedError(error, 'ERR_CALLABLE_FAILED', `onEntry threw for ${JSON.stringify(entry.name)}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Opens the archive as {@link openArchive} does, then reads and verifies every file entry
 * (size, DEFLATE stream, CRC-32) and computes its SHA-256, writing nothing. Resolves the file
 * entries in central directory order (directories are checked but not listed); fails with the
 * first coded error.
 */
export async function inspectArchive(source: string | Uint8Array, options?: InspectArchiveOptions): Promise<ExtractedEntry[]> {
  const { fs, limits, onEntry, onData, signal } = checkOptions(options, INSPECT_OPTIONS, 'inspectArchive');
  checkCommonOptions({ onEntry, onData, signal }, 'inspectArchive');
  const label = typeof source === 'string' ? source : '<buffer>';
  throwIfAborted(signal, label);
  const archive = await openArchive(source, { fs, limits });
  try {
    const results: ExtractedEntry[] = [];
    for (const info of archive.index.entries) {
      if (info.isDirectory) continue;
      throwIfAborted(signal, label);
      const entry = await consumeEntry(archive, info, label, signal, onData, () => undefined);
      results.push(entry);
      report(onEntry, entry);
    }
    return results;
  } finally {
    await archive.close();
  }
}

/** Creates directories under `root` one level at a time, refusing anything that is not a real directory. */
class DirectoryMaker {
  private readonly made = new Set<string>();
  /** Directories this extraction created, in creation order. */
  readonly created: string[] = [];

  constructor(
    private readonly fs: FileSystem,
    private readonly root: string,
  ) {}

  async ensure(segments: readonly string[]): Promise<void> {
    let current = this.root;
    for (const segment of segments) {
      current = path.join(current, segment);
      if (this.made.has(current)) continue;
      try {
        await this.fs.mkdir(current);
        this.created.push(current);
      } catch (error) {
        if (errnoOf(error) !== 'EEXIST') throw ioFailure(error, 'creating directory', current);
        let stat;
        try {
          stat = await this.fs.lstat(current);
        } catch (statError) {
          throw ioFailure(statError, 'checking directory', current);
        }
        if (!stat.isDirectory || stat.isSymbolicLink) {
          throw fail('ERR_IO', `${current} exists and is not a directory`, { details: { path: current, errno: 'EEXIST' } });
        }
      }
      this.made.add(current);
    }
  }
}

/** Resolves `segments` under `root` and proves the result stays inside it (a separator-terminated prefix, so `<root>_evil` is outside). */
function destinationOf(root: string, info: ArchiveEntryInfo, segments: readonly string[], archive: string): string {
  const destination = path.resolve(root, ...segments);
  if (!destination.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
    throw archiveError('ERR_ARCHIVE_PATH_TRAVERSAL', `the entry would be written to ${destination}, outside ${root}`, { archive, entry: info.name });
  }
  return destination;
}

async function prepareTarget(fs: FileSystem, root: string): Promise<void> {
  let stat;
  try {
    stat = await fs.lstat(root);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw ioFailure(error, 'checking target', root);
    try {
      await fs.mkdir(root, { recursive: true });
    } catch (mkdirError) {
      throw ioFailure(mkdirError, 'creating target', root);
    }
    return;
  }
  if (!stat.isDirectory || stat.isSymbolicLink) throw fail('ERR_INVALID_ARGUMENT', `extractArchive: the target ${root} is not a directory`, { details: { path: root } });
  let listing;
  try {
    listing = await fs.readdir(root);
  } catch (error) {
    throw ioFailure(error, 'listing target', root);
  }
  if (listing.length > 0) throw fail('ERR_INVALID_ARGUMENT', `extractArchive: the target ${root} is not empty`, { details: { path: root } });
}

async function writeFully(handle: FileHandle, chunk: Buffer, position: number, file: string, entry: string): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    let count: number;
    try {
      count = await handle.write(chunk, written, chunk.length - written, position + written);
    } catch (error) {
      throw ioFailure(error, 'writing', file, entry);
    }
    if (count <= 0) throw fail('ERR_IO', `writing ${file} made no progress`, { details: { path: file, entry } });
    written += count;
  }
}

/**
 * Extracts an archive into `targetDir` (created if missing; otherwise it must be an empty
 * directory, else `ERR_INVALID_ARGUMENT`), after {@link openArchive} validated all of its
 * structure. Only regular files and directories are created, all inside `targetDir`: files are
 * created with `wx` (an existing file or symbolic link is never followed nor overwritten) and
 * mode 0644, directories one level at a time (an existing non-directory fails), and each file is
 * fsynced before the next entry. Every entry is verified while written (size, DEFLATE stream,
 * CRC-32) and its SHA-256 computed.
 *
 * On any failure extraction stops at once and rejects with the coded error; files and
 * directories already written (including a partial last file) are LEFT IN PLACE: the caller
 * extracts into a staging directory and removes it on failure (restore does). Nothing is ever
 * written outside `targetDir`.
 *
 * @returns the file entries written, in central directory order
 */
export async function extractArchive(source: string | Uint8Array, targetDir: string, options?: ExtractArchiveOptions): Promise<ExtractedEntry[]> {
  const checked = checkOptions(options, EXTRACT_OPTIONS, 'extractArchive');
  const { fs = nodeFileSystem, limits, onEntry, onData, signal, syncDirectories = false } = checked;
  checkCommonOptions({ onEntry, onData, signal }, 'extractArchive');
  if (typeof targetDir !== 'string' || targetDir === '') throw fail('ERR_INVALID_ARGUMENT', 'extractArchive: targetDir must be a non-empty path');
  const label = typeof source === 'string' ? source : '<buffer>';
  throwIfAborted(signal, label);
  const root = path.resolve(targetDir);
  const archive = await openArchive(source, { fs, limits });
  try {
    throwIfAborted(signal, label);
    await prepareTarget(fs, root);
    const directories = new DirectoryMaker(fs, root);
    const results: ExtractedEntry[] = [];
    for (const info of archive.index.entries) {
      throwIfAborted(signal, label);
      const segments = (info.isDirectory ? info.name.slice(0, -1) : info.name).split('/');
      const destination = destinationOf(root, info, segments, label);
      if (info.isDirectory) {
        await directories.ensure(segments);
        continue;
      }
      await directories.ensure(segments.slice(0, -1));
      const entry = await writeEntry(fs, archive, info, destination, label, signal, onData);
      results.push(entry);
      report(onEntry, entry);
    }
    if (syncDirectories) {
      for (const directory of [...directories.created].reverse().concat(root)) {
        try {
          await fs.syncDir(directory);
        } catch (error) {
          throw ioFailure(error, 'syncing directory', directory);
        }
      }
    }
    return results;
  } finally {
    await archive.close();
  }
}

async function writeEntry(
  fs: FileSystem,
  archive: SafeArchive,
  info: ArchiveEntryInfo,
  destination: string,
  label: string,
  signal: AbortSignal | undefined,
  onData: ((entry: string, chunk: Buffer) => void) | undefined,
): Promise<ExtractedEntry> {
  let handle: FileHandle;
  try {
    handle = await fs.open(destination, 'wx', 0o644);
  } catch (error) {
    throw ioFailure(error, 'creating', destination, info.name);
  }
  let closed = false;
  try {
    let position = 0;
    const entry = await consumeEntry(archive, info, label, signal, onData, async (chunk) => {
      await writeFully(handle, chunk, position, destination, info.name);
      position += chunk.length;
    });
    try {
      await handle.sync();
    } catch (error) {
      throw ioFailure(error, 'syncing', destination, info.name);
    }
    closed = true;
    try {
      await handle.close();
    } catch (error) {
      throw ioFailure(error, 'closing', destination, info.name);
    }
    return entry;
  } finally {
    if (!closed) await handle.close().catch(() => undefined);
  }
}
