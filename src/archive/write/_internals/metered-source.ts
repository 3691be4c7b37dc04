import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { fail } from '../../../errors.js';
import type { ZipSourceData } from '../types.js';
import { describeValue } from './describe-value.js';

/** What a metered source measured once it has been read to its end. */
export interface SourceMeasure {
  readonly size: number;
  readonly crc32: number;
  readonly sha256: string;
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
  throw fail('ERR_INVALID_ARGUMENT', `open() of source ${JSON.stringify(entry)} returned ${describeValue(data)}, not bytes, an iterable of chunks or a readable stream`, {
    details: { entry },
  });
}

/**
 * One source on its way into the archive: the source's stream piped through a meter that
 * measures what passes (count, CRC-32 with zlib's native code, SHA-256), so the source is read
 * exactly once, and that fails as soon as the count betrays a file changing under our feet.
 *
 * The source's own failures surface as `'error'` on {@link MeteredSource.input} (so the caller can
 * classify them); the meter's checks fail {@link MeteredSource.stream} with coded errors
 * (`ERR_SOURCE_CHANGED` for a size that differs from the declared one, `ERR_INVALID_ARGUMENT` for
 * a chunk that is not a Uint8Array).
 */
export class MeteredSource {
  /** The source as a stream. */
  readonly input: Readable;
  /** The measured bytes, to hand to the archiver. */
  readonly stream: Transform;
  private measured: SourceMeasure | undefined;

  /**
   * @param entry - the entry name, for messages
   * @param declaredSize - the size the source promised, if any
   * @param data - what the source's `open()` returned
   */
  constructor(
    private readonly entry: string,
    private readonly declaredSize: number | undefined,
    data: ZipSourceData,
  ) {
    this.input = toReadable(entry, data);
    const hash = createHash('sha256');
    let crc = 0;
    let size = 0;
    this.stream = new Transform({
      writableObjectMode: true,
      // Chunks are counted, not bytes, on this side: hold one while the archiver is busy.
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
        size += chunk.length;
        if (declaredSize !== undefined && size > declaredSize) {
          callback(this.sizeChanged(size, false));
          return;
        }
        crc = crc32(chunk, crc);
        hash.update(chunk);
        callback(null, chunk);
      },
      flush: (callback: TransformCallback): void => {
        if (declaredSize !== undefined && size !== declaredSize) {
          callback(this.sizeChanged(size, true));
          return;
        }
        this.measured = { size, crc32: crc, sha256: hash.digest('hex') };
        callback();
      },
    });
    this.input.pipe(this.stream);
  }

  /** The measure, available once the stream has ended. */
  get result(): SourceMeasure {
    if (this.measured === undefined) throw new Error(`source ${this.entry} has not been read to its end`);
    return this.measured;
  }

  /** Stops reading: destroys the source's stream (which runs an iterator's clean-up) and the meter. */
  destroy(): void {
    this.input.unpipe(this.stream);
    this.input.destroy();
    this.stream.destroy();
  }

  /** Resolves once the source's stream has closed (its clean-up has run). */
  async closed(): Promise<void> {
    if (this.input.closed) return;
    await once(this.input, 'close').catch(() => {});
  }

  private sizeChanged(actual: number, complete: boolean): Error {
    const how = complete ? `delivered ${actual} bytes` : `delivered more than ${this.declaredSize} bytes (${actual} so far)`;
    return fail('ERR_SOURCE_CHANGED', `source ${JSON.stringify(this.entry)} changed while it was archived: declared ${this.declaredSize} bytes, ${how}`, {
      details: { entry: this.entry, declaredSize: this.declaredSize, actualSize: actual },
    });
  }
}
