/**
 * The shapes the ZIP writer takes and gives back.
 *
 * @packageDocumentation
 */
import type { FileSystem } from '../../fs/index.js';

/**
 * A source that reads into buffers the writer lends it, as a file handle does: the writer reuses
 * two buffers of 1 MiB for every such source, so a large archive allocates nothing per chunk
 * (and leaves the garbage collector no gigabytes of spent chunks to catch up with). The writer
 * calls `readInto` again only after the previous call settled, and `close` once at the end or
 * when the write fails (after any running `readInto` settled).
 */
export interface ZipChunkReader {
  /** Fills `buffer` from its start with the next bytes and resolves how many (0 at the end). Must not keep `buffer`. */
  readInto(buffer: Buffer): Promise<number>;
  /** Releases what the source holds; its failure is ignored. */
  close?(): void | Promise<void>;
}

/**
 * The bytes of one source, in any of the forms a caller is likely to have at hand: a whole buffer,
 * a (sync or async) iterable of chunks, a readable stream (Node `Readable`, a `readable-stream`
 * instance or any object that is async-iterable over chunks), or a {@link ZipChunkReader}.
 */
export type ZipSourceData = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array> | NodeJS.ReadableStream | ZipChunkReader;

/**
 * A named byte source to archive. The writer calls {@link ZipSource.open} exactly once, when the
 * entry's turn comes (so at most one source is open at a time), and reads it once.
 */
export interface ZipSource {
  /**
   * The entry name: a relative path with `/` separators. Refused (`ERR_INVALID_ARGUMENT`) when empty,
   * longer than 65535 UTF-8 bytes, absolute, or holding an empty, `.` or `..` segment, a trailing
   * `/`, a backslash, a colon, NUL or another control character; also refused when it equals an
   * earlier name exactly, ignoring case, or after Unicode NFC normalisation (names that would
   * collide on extraction).
   */
  readonly name: string;
  /**
   * The number of bytes the source is expected to deliver. When given, any other count fails the
   * write with `ERR_SOURCE_CHANGED` (a file that grew or shrank while it was archived).
   */
  readonly size?: number;
  /**
   * Opens the source. Throwing here is treated like a stream error (see {@link writeZip}). To open
   * asynchronously (a file handle, say), return an async iterable: an async generator can open the
   * file on its first step and close it in a `finally`, which runs even when the write fails.
   * Chunks are passed on without copying: a chunk's memory must not be reused after it is yielded.
   */
  open(): ZipSourceData;
}

/** What the writer measured for one entry while streaming it (a single read of the source). */
export interface ZipEntryStats {
  /** The entry name. */
  readonly name: string;
  /** Uncompressed size in bytes. */
  readonly size: number;
  /** Size of the entry's stored data in the archive (equal to `size` for STORED entries). */
  readonly compressedSize: number;
  /** CRC-32 of the uncompressed bytes, as an unsigned 32-bit integer. */
  readonly crc32: number;
  /** SHA-256 of the uncompressed bytes, lower-case hex. */
  readonly sha256: string;
  /** Percentage of the size saved by compression: `(1 - compressedSize / size) * 100`; 0 for an empty entry. May be negative (incompressible data). */
  readonly ratio: number;
  /** Milliseconds from the entry's start (just before `onEntryStart`) to its last byte being archived. */
  readonly elapsedMs: number;
  /** ZIP compression method: 0 (STORED, level 0) or 8 (DEFLATE, levels 1 to 9). */
  readonly method: 0 | 8;
}

/** An in-memory entry produced at the end of the archive, e.g. a manifest of the written files. */
export interface ZipFinalEntry {
  /** The entry name (same rules as {@link ZipSource.name}). */
  readonly name: string;
  /** The entry's bytes. */
  readonly data: Uint8Array;
}

/** Options of {@link writeZip}. Unknown keys are refused with `ERR_INVALID_OPTIONS`. */
export interface WriteZipOptions {
  /** 0 (STORED) to 9 (best DEFLATE); see {@link validateCompressionLevel}. Required: the default belongs to the caller. */
  readonly compressionLevel: number;
  /** Size of the chunks handed to the output; see {@link validateBufferSize}. Required. */
  readonly bufferSize: number;
  /** The archive comment (at most 65535 UTF-8 bytes; ASCII is safest, as readers may decode it as CP437). */
  readonly comment?: string;
  /** The modification time given to every entry (default: the time of the call). Stored as DOS time in UTC fields, 2-second resolution, clamped to 1980-2107. */
  readonly modifiedAt?: Date;
  /** Called with an entry's name before its source is opened. May return a promise, which is awaited. */
  onEntryStart?(name: string): void | Promise<void>;
  /** Called with an entry's stats once it is fully archived. May return a promise, which is awaited. */
  onEntry?(stats: ZipEntryStats): void | Promise<void>;
  /** Called after the last source with the stats of every entry written; the entries it returns are appended last (listeners are called for them too). */
  finalEntries?(written: readonly ZipEntryStats[]): readonly ZipFinalEntry[] | Promise<readonly ZipFinalEntry[]>;
  /**
   * How long the output may refuse data (a pending `'drain'`, or the final `'finish'`) before the
   * write fails with `ERR_OUTPUT_FAILED`. Default 60000 ms; `Infinity` waits forever. A stalled output
   * must not keep a database frozen for ever.
   */
  readonly stallTimeoutMs?: number;
  /** Cancels the write: it then fails with `ERR_ABORTED` and cleans up as on any failure. */
  readonly signal?: AbortSignal;
  /**
   * Levels 1 to 9: how many blocks of 1 MiB are compressed at once, on libuv's thread pool (see
   * {@link writeZip}). Default: the number of cores plus one, at most one less than the pool's
   * threads (3 on a 2-core machine with the default pool of 4). `1` compresses on one thread.
   * An integer from 1 to 64. The archive's bytes do not depend on it.
   */
  readonly concurrency?: number;
  /** Also compute the SHA-256 of the whole archive, as written (`ZipWriteResult.sha256`). Default false. */
  readonly hashArchive?: boolean;
}

/** Options of {@link writeZipToFile}: those of {@link writeZip} plus where the file goes. */
export interface WriteZipToFileOptions extends WriteZipOptions {
  /** The file system to write through (default: the real disk). */
  readonly fs?: FileSystem;
  /** Permission bits of the created file (default `0o600`: a backup holds the data and the password hashes). */
  readonly fileMode?: number;
}

/** What {@link writeZip} resolves with. */
export interface ZipWriteResult {
  /** Size of the archive in bytes (everything handed to the output). */
  readonly bytes: number;
  /** One record per entry, in archive order (final entries last). */
  readonly entries: readonly ZipEntryStats[];
  /** SHA-256 of the archive's bytes, lower-case hex: only with `hashArchive`. */
  readonly sha256?: string;
}
