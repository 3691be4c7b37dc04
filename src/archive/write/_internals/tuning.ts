/**
 * How the writer drives archiver and zlib. The values come from bench/zip-writer.ts on this
 * project's 2-core machine; see the comments for what each one buys.
 *
 * @packageDocumentation
 */

/**
 * zlib's output chunk size (default 16 KiB). Every filled output chunk is a round trip from the
 * thread pool back to the JavaScript thread; a busy main thread (hashing, CRC, stream plumbing)
 * delays those round trips and leaves the compressor idle, so fewer and larger chunks matter.
 */
export const ZLIB_CHUNK_SIZE = 256 * 1024;

/** highWaterMark of archiver's streams (its default is 1 MiB for the outer stream and 16 KiB inside). */
export const ARCHIVER_HIGH_WATER_MARK = 1024 * 1024;

/** How long a failed write waits for the current source to finish closing before it rejects anyway. */
export const SOURCE_CLOSE_GRACE_MS = 1000;
