import { Writable } from 'node:stream';

/** A Writable that records every chunk `write()` hands it, as the writer delivered it. */
export class RecordingOutput extends Writable {
  readonly chunks: Buffer[] = [];
  private readonly delayMs: number;

  /** `delayMs`: acknowledge each write after this many milliseconds (a slow disk or socket). */
  constructor(options: { highWaterMark?: number; delayMs?: number } = {}) {
    super({ highWaterMark: options.highWaterMark ?? 16 * 1024 });
    this.delayMs = options.delayMs ?? 0;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    if (this.delayMs > 0) setTimeout(callback, this.delayMs);
    else callback();
  }

  /** Everything written, in order. */
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
