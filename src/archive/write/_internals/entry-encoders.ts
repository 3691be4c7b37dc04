import { crc32, constants as zlibConstants, createDeflateRaw, type ZlibOptions } from 'node:zlib';

/** What an encoder measured of the bytes it archived. */
export interface EncodedEntry {
  /** Bytes taken in. */
  readonly size: number;
  /** CRC-32 of the bytes taken in (of the encoder's own copy: see {@link EntryEncoder}). */
  readonly crc32: number;
  /** Bytes handed to the output: the entry's data in the archive. */
  readonly compressedSize: number;
}

/**
 * Turns an entry's bytes into its data in the archive, handing the result to `emit` in order.
 *
 * An encoder measures the CRC-32 of the bytes as it takes them in `push()`, later than the source
 * was measured when it yielded them: the caller compares the two, which tells a source that
 * reused a chunk's memory (the archive would hold other bytes than the manifest describes).
 */
export interface EntryEncoder {
  /** Takes the next bytes; resolves when the encoder can take more (backpressure). */
  push(chunk: Uint8Array): Promise<void>;
  /** Ends the entry: resolves once every byte of its data was emitted. */
  end(): Promise<EncodedEntry>;
}

/** Emits a piece of the archive; resolves when the output can take more. */
export type Emit = (piece: Buffer) => Promise<void>;

/**
 * STORED (method 0): the bytes as they are, passed on without copying (a copy of every chunk
 * would double the allocations of a level-0 backup for nothing: the chunk is measured here and
 * the source promises not to reuse it).
 */
export class StoredEncoder implements EntryEncoder {
  private size = 0;
  private crc = 0;

  constructor(private readonly emit: Emit) {}

  async push(chunk: Uint8Array): Promise<void> {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.crc = crc32(bytes, this.crc);
    this.size += bytes.length;
    await this.emit(bytes);
  }

  async end(): Promise<EncodedEntry> {
    return { size: this.size, crc32: this.crc, compressedSize: this.size };
  }
}

/** DEFLATE's window: a block may refer back this far into the blocks before it. */
const WINDOW_BYTES = 32 * 1024;

/** Tuning of {@link ParallelDeflateEncoder}. */
export interface ParallelDeflateOptions {
  /** DEFLATE level, 1 to 9. */
  readonly level: number;
  /** Bytes per block (each block is one compression job). */
  readonly blockSize: number;
  /** Blocks compressed at once, at most. */
  readonly concurrency: number;
}

/** The first block of an entry; each next block doubles, up to the block size. */
const FIRST_BLOCK_BYTES = 64 * 1024;

/** One block on its way: its input, its compression job, and whether the job has settled. */
interface PendingBlock {
  readonly input: Buffer;
  readonly compressed: Promise<Buffer[]>;
  settled: boolean;
}

/**
 * Compresses one block on libuv's thread pool (zlib's asynchronous stream); resolves the pieces
 * of output as zlib produced them, slices of its output buffers (not joined: no copy).
 */
function deflateBlock(block: Buffer, options: ZlibOptions): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const pieces: Buffer[] = [];
    const stream = createDeflateRaw(options);
    stream.on('data', (piece: Buffer) => pieces.push(piece));
    stream.on('error', reject);
    stream.on('end', () => resolve(pieces));
    stream.end(block);
  });
}

/**
 * DEFLATE (method 8) on every core, in the manner of pigz: the entry is cut into blocks of
 * `blockSize` bytes, each block is compressed as a separate job on libuv's thread pool (zlib's
 * asynchronous API runs there, so jobs run on as many cores as the pool has threads, without
 * copying data to worker threads), and the results are joined, in order, into one standard
 * DEFLATE stream that any inflater reads:
 *
 * - each block's compressor is primed with the 32 KiB before the block as its dictionary, so
 *   matches reach back across block boundaries as in a single stream (the ratio barely moves);
 * - the input is copied into the blocks (a job reads its block later, on another thread), and
 *   the CRC-32 measured on the copy;
 * - every block but the last ends with a sync flush (RFC 1951 3.2.4: an empty stored block), so
 *   it ends on a byte boundary with no final-block bit, and the next block's bits start on the
 *   next byte; the last block ends with `Z_FINISH` (BFINAL set).
 *
 * Blocks start small (64 KiB) and double up to `blockSize`, so that the first compressed bytes
 * come out at once (a failing output is noticed early) and a file of a few hundred KiB already
 * keeps several cores busy. A full block waits until the first byte of the next one arrives, so
 * that the last block is known when it is sent (no empty final block). At most `concurrency`
 * blocks are queued or running; their compressed results are emitted strictly in order, each as
 * soon as it and those before it are done. The memory held is about `concurrency + 1` blocks of
 * input plus their output.
 */
export class ParallelDeflateEncoder implements EntryEncoder {
  private block: Buffer;
  private filled = 0;
  /** A copy of the last 32 KiB (at most) of the input sent so far: the next block's dictionary. */
  private history: Buffer | undefined;
  private readonly queue: PendingBlock[] = [];
  /** Full-size block buffers whose job is done, for the next blocks (fewer large allocations). */
  private readonly spare: Buffer[] = [];
  private size = 0;
  private crc = 0;
  private compressedSize = 0;
  /** Compressed bytes per input byte of the blocks done so far: sizes the next jobs' output buffers. */
  private ratio = 1;

  constructor(
    private readonly options: ParallelDeflateOptions,
    private readonly emit: Emit,
  ) {
    this.block = Buffer.allocUnsafe(Math.min(FIRST_BLOCK_BYTES, options.blockSize));
  }

  async push(chunk: Uint8Array): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      if (this.filled === this.block.length) await this.send(false);
      const count = Math.min(chunk.length - at, this.block.length - this.filled);
      this.block.set(chunk.subarray(at, at + count), this.filled);
      this.crc = crc32(this.block.subarray(this.filled, this.filled + count), this.crc);
      this.filled += count;
      at += count;
    }
    this.size += chunk.length;
    while (this.queue[0]?.settled === true) await this.emitOldest();
  }

  async end(): Promise<EncodedEntry> {
    await this.send(true);
    while (this.queue.length > 0) await this.emitOldest();
    return { size: this.size, crc32: this.crc, compressedSize: this.compressedSize };
  }

  /** Queues the current block's compression (waiting first for room in the queue) and starts a new block. */
  private async send(last: boolean): Promise<void> {
    while (this.queue.length >= this.options.concurrency) await this.emitOldest();
    const input = this.block.subarray(0, this.filled);
    // Each job's output buffer is sized after the ratio so far, so that it mostly holds the
    // whole output (one trip back to this thread) without reserving a block's size for it.
    const worstCase = input.length + (input.length >> 8) + 1024;
    const options: ZlibOptions = {
      level: this.options.level,
      chunkSize: Math.max(16 * 1024, Math.min(worstCase, Math.ceil(input.length * (this.ratio + 0.05)) + 4096)),
      finishFlush: last ? zlibConstants.Z_FINISH : zlibConstants.Z_SYNC_FLUSH,
    };
    if (this.history !== undefined) options.dictionary = this.history;
    const pending: PendingBlock = { input: this.block, compressed: deflateBlock(input, options), settled: false };
    // Awaited by emitOldest(), or abandoned when the write fails: never an unhandled rejection.
    pending.compressed.then(
      () => (pending.settled = true),
      () => (pending.settled = true),
    );
    this.queue.push(pending);
    // A copy: the block's buffer goes back to the spares once its job is done.
    const joined = input.length >= WINDOW_BYTES || this.history === undefined ? input : Buffer.concat([this.history, input]);
    this.history = Buffer.from(joined.subarray(Math.max(0, joined.length - WINDOW_BYTES)));
    if (!last) {
      const size = Math.min(this.block.length * 2, this.options.blockSize);
      this.block = (size === this.options.blockSize ? this.spare.pop() : undefined) ?? Buffer.allocUnsafe(size);
      this.filled = 0;
    }
  }

  private async emitOldest(): Promise<void> {
    const oldest = this.queue.shift()!;
    const pieces = await oldest.compressed;
    if (oldest.input.length === this.options.blockSize && this.spare.length < 2) this.spare.push(oldest.input);
    let length = 0;
    for (const piece of pieces) {
      length += piece.length;
      await this.emit(piece);
    }
    this.compressedSize += length;
    if (oldest.input.length > 0) this.ratio = length / oldest.input.length;
  }
}
