/**
 * How the writer drives zlib. The values come from bench/zip-writer.ts and bench/run.ts on this
 * project's 2-core machine; see the comments for what each one buys.
 *
 * @packageDocumentation
 */
import { availableParallelism } from 'node:os';

/**
 * Bytes of an entry compressed as one job (see `ParallelDeflateEncoder`). Large enough that the
 * cost of a job (a fresh zlib stream, a trip to the thread pool and back, a sync-flush marker
 * of 5 bytes and a restarted Huffman table) is noise, small enough that a few blocks in flight
 * keep memory at a few MiB and every core gets work on files of a few MiB already.
 */
export const DEFLATE_BLOCK_SIZE = 1024 * 1024;

/**
 * The default number of blocks compressed at once: the cores plus one (so that a core finishing
 * a block finds the next one ready), but one less than libuv's thread pool (4 threads unless
 * `UV_THREADPOOL_SIZE` says otherwise), which the sources' file reads share: a pool full of
 * compression jobs would make every read wait behind them.
 */
export function defaultDeflateConcurrency(): number {
  const pool = Number.parseInt(process.env.UV_THREADPOOL_SIZE ?? '', 10);
  const threads = Number.isInteger(pool) && pool > 0 ? pool : 4;
  return Math.max(1, Math.min(availableParallelism() + 1, threads - 1));
}

/** The highest `concurrency` accepted: beyond this more jobs only take memory. */
export const MAX_DEFLATE_CONCURRENCY = 64;

/** Bytes of each of the two buffers a `ZipChunkReader` source is read into. */
export const READER_CHUNK_BYTES = 1024 * 1024;

/** How a failed write waits for the current source to finish closing before it rejects anyway. */
export const SOURCE_CLOSE_GRACE_MS = 1000;
