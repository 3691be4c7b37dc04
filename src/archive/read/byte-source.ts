import { BackupConformanceError, errnoOf } from '../../errors.js';
import type { FileHandle, FileSystem } from '../../fs/index.js';
import { archiveError, type ArchiveErrorContext } from './archive-error.js';

/**
 * Random access to the bytes of an archive: a file opened through a {@link FileSystem}, or a
 * buffer. Every read of the reader goes through here, so fault injection reaches all of them.
 */
export interface ByteSource {
  /** The archive's size in bytes, fixed when the source was opened. */
  readonly size: number;
  /** How errors name this archive (its path, or `<buffer>`). */
  readonly label: string;
  /** Reads up to `length` bytes at `position`; fewer only at the end of the source. */
  read(position: number, length: number): Promise<Buffer>;
  /** Releases the file handle, if any. Idempotent. */
  close(): Promise<void>;
}

/**
 * Reads exactly `length` bytes at `position`, or fails with `ERR_ARCHIVE_TRUNCATED` naming
 * `context` when the source ends first.
 */
export async function readExactly(
  source: ByteSource,
  position: number,
  length: number,
  context: ArchiveErrorContext,
): Promise<Buffer> {
  const bytes = await source.read(position, length);
  if (bytes.length < length) {
    throw archiveError('ERR_ARCHIVE_TRUNCATED', `the archive ends at byte ${source.size}, inside a structure that needs bytes ${position}..${position + length}`, context, {
      size: source.size,
    });
  }
  return bytes;
}

function ioError(error: unknown, label: string, operation: string) {
  const errno = errnoOf(error);
  return archiveError('ERR_IO', `${operation} failed: ${error instanceof Error ? error.message : String(error)}`, { archive: label }, errno === undefined ? {} : { errno }, error);
}

class FileByteSource implements ByteSource {
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    readonly label: string,
  ) {}

  async read(position: number, length: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(length, this.size - position));
    const buffer = Buffer.alloc(wanted);
    let filled = 0;
    while (filled < wanted) {
      let count: number;
      try {
        count = await this.handle.read(buffer, filled, wanted - filled, position + filled);
      } catch (error) {
        throw ioError(error, this.label, 'reading the archive');
      }
      if (count === 0) break; // the file shrank since it was opened
      filled += count;
    }
    return filled === wanted ? buffer : buffer.subarray(0, filled);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.handle.close();
    } catch (error) {
      throw ioError(error, this.label, 'closing the archive');
    }
  }
}

/** Opens `path` read-only through `fs` and fixes its size. I/O failures become `ERR_IO`. */
export async function openFileByteSource(fs: FileSystem, path: string): Promise<ByteSource> {
  let handle: FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    throw ioError(error, path, 'opening the archive');
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile) throw archiveError('ERR_NOT_A_ZIP', 'not a regular file', { archive: path });
    return new FileByteSource(handle, stat.size, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    if (error instanceof BackupConformanceError) throw error;
    throw ioError(error, path, 'reading the archive size');
  }
}

/** A source over bytes already in memory (they are not copied; do not change them meanwhile). */
export function bufferByteSource(bytes: Uint8Array, label = '<buffer>'): ByteSource {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    size: buffer.length,
    label,
    read: async (position, length) => buffer.subarray(Math.min(position, buffer.length), Math.min(position + length, buffer.length)),
    close: async () => undefined,
  };
}
