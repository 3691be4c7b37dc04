/**
 * The instrumented stream behind a `{ kind: 'stream' }` backup output: a `Writable` over a file
 * that records the length of every write the backup makes and can be told to fail or stall after
 * a number of bytes, so that scenarios can observe buffering and output failures.
 *
 * @packageDocumentation
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';

/** How the recording stream misbehaves on purpose. */
export interface RecordingOutputOptions {
  /** Emit an error once a write would take the total past this many bytes. */
  readonly failAfterBytes?: number;
  /** Stop calling back (accept no more data) once a write would take the total past this many bytes. */
  readonly stallAfterBytes?: number;
}

/**
 * A writable stream on `path` that records each write's length in {@link RecordingOutput.writes}.
 * `fileClosed` resolves once the file behind it is closed (after `end()`, an error or `destroy()`).
 */
export class RecordingOutput extends Writable {
  /** The length of every write made to this stream, in order. */
  readonly writes: number[] = [];
  /** Resolves when the underlying file is closed. */
  readonly fileClosed: Promise<void>;
  private written = 0;
  private readonly file: WriteStream;

  constructor(path: string, private readonly options: RecordingOutputOptions = {}) {
    // highWaterMark 0 would make every write report backpressure; keep Node's default.
    super({ decodeStrings: true });
    this.file = createWriteStream(path);
    this.fileClosed = new Promise((resolve) => this.file.once('close', () => resolve()));
    this.file.on('error', (error) => this.destroy(error));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes.push(chunk.length);
    const total = this.written + chunk.length;
    const { failAfterBytes, stallAfterBytes } = this.options;
    if (failAfterBytes !== undefined && total > failAfterBytes) {
      callback(Object.assign(new Error(`simulated output failure after ${failAfterBytes} bytes`), { code: 'EIO' }));
      return;
    }
    if (stallAfterBytes !== undefined && total > stallAfterBytes) return; // never calls back: a stalled output
    this.written = total;
    this.file.write(chunk, (error) => callback(error ?? null));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.file.end((error?: Error | null) => callback(error ?? null));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.file.destroyed) this.file.destroy();
    callback(error);
  }
}
