import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { fail } from '../../../errors.js';
import type { ZipChunkReader, ZipSourceData } from '../types.js';
import { describeValue } from './describe-value.js';

/** What a metered source measured once it has been read to its end. */
export interface SourceMeasure {
  readonly size: number;
  readonly crc32: number;
  readonly sha256: string;
}

/**
 * One source on its way into the archive, measured as it is read (count, CRC-32 with zlib's
 * native code, SHA-256), so that it is read exactly once, and failing as soon as the count
 * betrays a file changing under our feet (`ERR_SOURCE_CHANGED` for a size other than the declared
 * one; `ERR_INVALID_ARGUMENT` for a chunk that is not a Uint8Array).
 */
export interface MeteredSource {
  /**
   * The next chunk, measured; `undefined` after the last one, once the size was checked. A chunk
   * stays valid until the next call (a reader source reuses its buffers).
   */
  next(): Promise<Uint8Array | undefined>;
  /** The measure, available once {@link MeteredSource.next} resolved `undefined`. */
  readonly result: SourceMeasure;
  /** Stops reading and releases the source (runs an iterator's clean-up, closes a reader). */
  destroy(): void;
  /** Resolves once the source has closed (its clean-up has run). */
  closed(): Promise<void>;
}

/** The buffers a writer lends its reader sources, reused from one source to the next. */
export class ReaderBuffers {
  private buffers: [Buffer, Buffer] | undefined;

  /** @param size - bytes per buffer */
  constructor(private readonly size: number) {}

  /** The two buffers (allocated on first use). */
  get pair(): [Buffer, Buffer] {
    this.buffers ??= [Buffer.allocUnsafe(this.size), Buffer.allocUnsafe(this.size)];
    return this.buffers;
  }
}

/**
 * Measures a source, for {@link meterSource}: `onError` hears of a failure of a stream source
 * as soon as it happens (even while no chunk is awaited), so the write stops at once.
 */
export function meterSource(entry: string, declaredSize: number | undefined, data: ZipSourceData, buffers: ReaderBuffers, onError: (error: unknown) => void): MeteredSource {
  return isChunkReader(data) ? new ReaderMeter(entry, declaredSize, data, buffers.pair) : new StreamMeter(entry, declaredSize, data, onError);
}

function isChunkReader(value: unknown): value is ZipChunkReader {
  return typeof value === 'object' && value !== null && typeof (value as { readInto?: unknown }).readInto === 'function';
}

/** Count, CRC-32 and SHA-256 of the bytes that pass, checked against a declared size. */
class Meter {
  private size = 0;
  private crc = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(
    private readonly entry: string,
    private readonly declaredSize: number | undefined,
  ) {}

  /** Measures the next chunk; throws `ERR_SOURCE_CHANGED` once the source delivers more than it declared. */
  take(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (this.declaredSize !== undefined && this.size > this.declaredSize) throw this.sizeChanged(false);
    this.crc = crc32(chunk, this.crc);
    this.hash.update(chunk);
  }

  /** The measure of a source that ended; throws `ERR_SOURCE_CHANGED` when it delivered less than it declared. */
  finish(): SourceMeasure {
    if (this.declaredSize !== undefined && this.size !== this.declaredSize) throw this.sizeChanged(true);
    return { size: this.size, crc32: this.crc, sha256: this.hash.digest('hex') };
  }

  private sizeChanged(complete: boolean): Error {
    const how = complete ? `delivered ${this.size} bytes` : `delivered more than ${this.declaredSize} bytes (${this.size} so far)`;
    return fail('ERR_SOURCE_CHANGED', `source ${JSON.stringify(this.entry)} changed while it was archived: declared ${this.declaredSize} bytes, ${how}`, {
      details: { entry: this.entry, declaredSize: this.declaredSize, actualSize: this.size },
    });
  }
}

function notMeasured(entry: string): Error {
  return new Error(`source ${entry} has not been read to its end`);
}

function isClassicStream(value: object): value is NodeJS.ReadableStream {
  return typeof (value as { pipe?: unknown }).pipe === 'function' && typeof (value as { on?: unknown }).on === 'function';
}

/** Object mode, reading one chunk ahead: enough to overlap reading with compressing, and memory stays at a chunk or two. */
const READ_AHEAD = { objectMode: true, highWaterMark: 1 } as const;

/**
 * Whatever `open()` returned, as a Node Readable. Iterables are read in object mode, so that the
 * meter sees each chunk as produced and can refuse what is not bytes (a byte-mode stream would
 * silently encode strings).
 */
function toReadable(entry: string, data: ZipSourceData): Readable {
  if (data instanceof Readable) return data;
  if (data instanceof Uint8Array) return Readable.from([data], READ_AHEAD);
  if (typeof data === 'object' && data !== null) {
    if (Symbol.asyncIterator in data || Symbol.iterator in data) {
      return Readable.from(data as Iterable<unknown> | AsyncIterable<unknown>, READ_AHEAD);
    }
    // A stream without async iteration (an old-style "streams1" stream): adopt it.
    if (isClassicStream(data)) return new Readable(READ_AHEAD).wrap(data);
  }
  throw fail(
    'ERR_INVALID_ARGUMENT',
    `open() of source ${JSON.stringify(entry)} returned ${describeValue(data)}, not bytes, an iterable of chunks, a readable stream or a chunk reader`,
    { details: { entry } },
  );
}

/**
 * A buffer, iterable or stream source: its stream piped through a Transform that measures what
 * passes, so the size check fails the source as the bytes arrive, even while the encoder is busy.
 * Chunks are passed on as the source made them (a source must not reuse their memory).
 */
class StreamMeter implements MeteredSource {
  private readonly input: Readable;
  private readonly stream: Transform;
  private readonly chunks: AsyncIterator<Uint8Array>;
  private measured: SourceMeasure | undefined;

  constructor(
    private readonly entry: string,
    declaredSize: number | undefined,
    data: ZipSourceData,
    onError: (error: unknown) => void,
  ) {
    this.input = toReadable(entry, data);
    const meter = new Meter(entry, declaredSize);
    this.stream = new Transform({
      writableObjectMode: true,
      // Chunks are counted, not bytes, on this side: hold one while the encoder is busy.
      writableHighWaterMark: 1,
      transform: (chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void => {
        if (!(chunk instanceof Uint8Array)) {
          callback(
            fail('ERR_INVALID_ARGUMENT', `source ${JSON.stringify(entry)} produced ${describeValue(chunk)} where a Uint8Array chunk was expected`, {
              details: { entry },
            }),
          );
          return;
        }
        try {
          meter.take(chunk);
        } catch (error) {
          callback(error as Error);
          return;
        }
        callback(null, chunk);
      },
      flush: (callback: TransformCallback): void => {
        try {
          this.measured = meter.finish();
        } catch (error) {
          callback(error as Error);
          return;
        }
        callback();
      },
    });
    this.input.on('error', onError);
    this.stream.on('error', onError);
    this.input.pipe(this.stream);
    this.chunks = (this.stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  }

  async next(): Promise<Uint8Array | undefined> {
    const step = await this.chunks.next();
    return step.done === true ? undefined : step.value;
  }

  get result(): SourceMeasure {
    if (this.measured === undefined) throw notMeasured(this.entry);
    return this.measured;
  }

  destroy(): void {
    this.input.unpipe(this.stream);
    this.input.destroy();
    this.stream.destroy();
  }

  async closed(): Promise<void> {
    if (this.input.closed) return;
    await once(this.input, 'close').catch(() => {});
  }
}

/**
 * A {@link ZipChunkReader} source: read into the writer's two buffers in turn, the next read
 * running while the encoder works on the current chunk. No allocation per chunk.
 */
class ReaderMeter implements MeteredSource {
  private readonly meter: Meter;
  private measured: SourceMeasure | undefined;
  /** The read into `buffers[index]`, started when the previous chunk was handed out. */
  private reading: Promise<number> | undefined;
  private index = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly entry: string,
    declaredSize: number | undefined,
    private readonly reader: ZipChunkReader,
    private readonly buffers: [Buffer, Buffer],
  ) {
    this.meter = new Meter(entry, declaredSize);
  }

  async next(): Promise<Uint8Array | undefined> {
    if (this.closing !== undefined) return undefined;
    const buffer = this.buffers[this.index]!;
    const count = await (this.reading ?? this.read(buffer));
    this.reading = undefined;
    if (count === 0) {
      this.measured = this.meter.finish();
      await this.close();
      return undefined;
    }
    const chunk = buffer.subarray(0, count);
    this.meter.take(chunk);
    this.index ^= 1;
    this.reading = this.read(this.buffers[this.index]!);
    // Awaited by the next call, or abandoned when the write fails: never an unhandled rejection.
    this.reading.catch(() => undefined);
    return chunk;
  }

  get result(): SourceMeasure {
    if (this.measured === undefined) throw notMeasured(this.entry);
    return this.measured;
  }

  destroy(): void {
    void this.close();
  }

  async closed(): Promise<void> {
    await this.closing;
  }

  private async read(buffer: Buffer): Promise<number> {
    const count = await this.reader.readInto(buffer);
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > buffer.length) {
      throw fail('ERR_INVALID_ARGUMENT', `readInto() of source ${JSON.stringify(this.entry)} returned ${describeValue(count)}, not a byte count from 0 to ${buffer.length}`, {
        details: { entry: this.entry },
      });
    }
    return count;
  }

  private close(): Promise<void> {
    this.closing ??= (async () => {
      // A read still running finishes first: the source's clean-up must not race it.
      await this.reading?.catch(() => undefined);
      try {
        await this.reader.close?.();
      } catch {
        // The source's own clean-up failed: the archive (or its failure) is decided already.
      }
    })();
    return this.closing;
  }
}
