import { finished } from 'node:stream';
import { fail, type BackupConformanceError, type ErrorDetails } from '../../../errors.js';

interface Waiter {
  cancel(error: Error): void;
}

function isNodeStyleWritable(out: NodeJS.WritableStream): boolean {
  return typeof (out as { writableFinished?: unknown }).writableFinished === 'boolean';
}

/**
 * Delivers the archive to the caller's output in chunks of exactly `bufferSize` bytes (the last
 * one smaller), like OrientDB's `BufferedOutputStream`, while honouring backpressure: after a
 * `write()` that returns false nothing more is written until `'drain'`. The memory it holds is at
 * most `bufferSize` bytes plus the chunk being assembled.
 *
 * It also watches the output: an `'error'` event, a write callback with an error, a close before
 * the end, or no progress for `stallTimeoutMs` fail the output with `ERR_OUTPUT_FAILED` (cause
 * kept); `onFailure` is told at once, so the producer stops even when no write is pending.
 */
export class BufferedOutput {
  /** Bytes handed to `out.write()` so far. */
  bytesWritten = 0;

  private readonly pending: Buffer[] = [];
  private pendingHead = 0;
  private pendingBytes = 0;
  private failure: Error | undefined;
  private ending = false;
  private done = false;
  private readonly waiters = new Set<Waiter>();

  private readonly onError = (error: unknown): void => {
    this.fail('the output failed', error);
  };

  private readonly onClose = (): void => {
    if (!this.ending) this.fail('the output was closed before the archive was complete');
  };

  private readonly onWritten = (error?: Error | null): void => {
    if (error) this.fail('writing to the output failed', error);
  };

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly bufferSize: number,
    private readonly stallTimeoutMs: number,
    private readonly onFailure: (error: BackupConformanceError) => void,
  ) {
    out.on('error', this.onError);
    out.on('close', this.onClose);
  }

  /** Takes a chunk of the archive; resolves once the output can take more. */
  async write(chunk: Buffer): Promise<void> {
    this.throwIfFailed();
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= this.bufferSize) await this.deliver(this.take(this.bufferSize));
  }

  /** Writes what is left, ends the output and resolves once it has finished (and closed, for streams that close). */
  async end(): Promise<void> {
    if (this.pendingBytes > 0) await this.deliver(this.take(this.pendingBytes));
    this.throwIfFailed();
    this.ending = true;
    const completion = this.wait((settle) => {
      if (isNodeStyleWritable(this.out)) {
        return finished(this.out, { readable: false }, (error) => (error ? this.fail('the output failed to finish', error) : settle()));
      }
      this.out.on('finish', settle);
      return () => this.out.removeListener('finish', settle);
    });
    try {
      this.out.end();
    } catch (error) {
      this.fail('ending the output failed', error);
    }
    await completion;
    this.done = true;
    this.out.removeListener('error', this.onError);
    this.out.removeListener('close', this.onClose);
  }

  /**
   * Stops after a failure elsewhere: drops what is buffered, rejects pending waits with `reason`
   * and destroys the output (without an error, so a caller with no `'error'` listener is not
   * crashed), so that a file descriptor is released and a consumer sees an aborted transfer.
   * Our listeners stay attached, so a late `'error'` from the output is absorbed.
   */
  abort(reason: Error): void {
    if (this.done) return;
    if (this.failure === undefined) this.failure = reason;
    this.pending.length = 0;
    this.pendingHead = 0;
    this.pendingBytes = 0;
    for (const waiter of [...this.waiters]) waiter.cancel(reason);
    const destroy = (this.out as { destroy?: unknown }).destroy;
    if (typeof destroy === 'function') (destroy as () => void).call(this.out);
  }

  /** Exactly `length` pending bytes, copying only when they span several chunks. */
  private take(length: number): Buffer {
    const head = this.pending[this.pendingHead]!;
    let piece: Buffer;
    if (head.length >= length) {
      piece = head.subarray(0, length);
      if (head.length === length) this.pendingHead++;
      else this.pending[this.pendingHead] = head.subarray(length);
    } else {
      piece = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const next = this.pending[this.pendingHead]!;
        const wanted = length - filled;
        if (next.length <= wanted) {
          next.copy(piece, filled);
          filled += next.length;
          this.pendingHead++;
        } else {
          next.copy(piece, filled, 0, wanted);
          this.pending[this.pendingHead] = next.subarray(wanted);
          filled = length;
        }
      }
    }
    this.pendingBytes -= length;
    if (this.pendingHead === this.pending.length) {
      this.pending.length = 0;
      this.pendingHead = 0;
    }
    return piece;
  }

  private async deliver(piece: Buffer): Promise<void> {
    this.throwIfFailed();
    let accepted: boolean;
    try {
      accepted = this.out.write(piece, this.onWritten);
    } catch (error) {
      this.fail('writing to the output failed', error);
      throw this.failure;
    }
    this.bytesWritten += piece.length;
    if (accepted === false && (this.out as { writableNeedDrain?: unknown }).writableNeedDrain !== false) {
      await this.wait((settle) => {
        this.out.on('drain', settle);
        return () => this.out.removeListener('drain', settle);
      });
    }
    this.throwIfFailed();
  }

  /**
   * Waits for the output (`subscribe` calls `settle` when it is ready, and returns how to stop
   * listening); the wait fails when the output fails or makes no progress for `stallTimeoutMs`.
   */
  private wait(subscribe: (settle: () => void) => () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let unsubscribe: (() => void) | undefined;
      const finish = (error?: Error): void => {
        if (!this.waiters.delete(waiter)) return;
        if (timer !== undefined) clearTimeout(timer);
        unsubscribe?.();
        if (error === undefined) resolve();
        else reject(error);
      };
      const waiter: Waiter = { cancel: finish };
      this.waiters.add(waiter);
      if (this.failure !== undefined) {
        finish(this.failure);
        return;
      }
      unsubscribe = subscribe(() => finish());
      if (!this.waiters.has(waiter)) unsubscribe();
      else if (Number.isFinite(this.stallTimeoutMs)) {
        timer = setTimeout(() => {
          this.fail(`the output accepted no data for ${this.stallTimeoutMs} ms`, undefined, { stallTimeoutMs: this.stallTimeoutMs });
        }, this.stallTimeoutMs);
      }
    });
  }

  private fail(message: string, cause?: unknown, details: ErrorDetails = {}): void {
    if (this.failure !== undefined || this.done) return;
    const error = fail('ERR_OUTPUT_FAILED', cause instanceof Error ? `${message}: ${cause.message}` : message, {
      ...(cause === undefined ? {} : { cause }),
      details: { bytesWritten: this.bytesWritten, ...details },
    });
    this.failure = error;
    for (const waiter of [...this.waiters]) waiter.cancel(error);
    this.onFailure(error);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
