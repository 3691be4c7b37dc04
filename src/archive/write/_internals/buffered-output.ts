import { finished } from 'node:stream';
import { fail, type BackupConformanceError, type ErrorDetails } from '../../../errors.js';

interface Waiter {
  cancel(error: Error): void;
}

function isNodeStyleWritable(out: NodeJS.WritableStream): boolean {
  return typeof (out as { writableFinished?: unknown }).writableFinished === 'boolean';
}

/** A fill buffer is allocated whole up to this size; a larger `bufferSize` grows it as needed. */
const EAGER_FILL_BYTES = 4 * 1024 * 1024;

/** Delivered buffers kept for reuse, when the output is known not to keep them. */
const SPARE_BUFFERS = 2;

/**
 * Delivers the archive to the caller's output in chunks of exactly `bufferSize` bytes (the last
 * one smaller), like OrientDB's `BufferedOutputStream`, while honouring backpressure: after a
 * `write()` that returns false nothing more is written until `'drain'`.
 *
 * Every chunk written is copied into the buffer being filled before `write()` resolves, so a
 * caller may reuse its memory afterwards (the writer reads sources into buffers it reuses). The
 * memory held is the buffer being filled (at most `bufferSize` bytes); with `recycle` (an output
 * known to keep nothing once a write's callback has run, like our file writer) up to two
 * delivered buffers are reused too, so that a long archive allocates no new buffers at all.
 *
 * It also watches the output: an `'error'` event, a write callback with an error, a close before
 * the end, or no progress for `stallTimeoutMs` fail the output with `ERR_OUTPUT_FAILED` (cause
 * kept); `onFailure` is told at once, so the producer stops even when no write is pending.
 */
export class BufferedOutput {
  /** Bytes handed to `out.write()` so far. */
  bytesWritten = 0;

  /** The chunk being assembled, and how much of it is filled. */
  private fill: Buffer | undefined;
  private filled = 0;
  private readonly spare: Buffer[] = [];
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
    private readonly recycle = false,
  ) {
    out.on('error', this.onError);
    out.on('close', this.onClose);
  }

  /** Takes a chunk of the archive (copying it); resolves once the output can take more. */
  async write(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    let at = 0;
    while (at < chunk.length) {
      const fill = this.room(chunk.length - at);
      const count = Math.min(chunk.length - at, fill.length - this.filled);
      fill.set(chunk.subarray(at, at + count), this.filled);
      this.filled += count;
      at += count;
      if (this.filled === this.bufferSize) {
        this.fill = undefined;
        this.filled = 0;
        await this.deliver(fill);
      }
    }
  }

  /** Writes what is left, ends the output and resolves once it has finished (and closed, for streams that close). */
  async end(): Promise<void> {
    if (this.filled > 0) {
      const last = this.fill!.subarray(0, this.filled);
      this.fill = undefined;
      this.filled = 0;
      await this.deliver(last);
    }
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
    this.fill = undefined;
    this.filled = 0;
    this.spare.length = 0;
    for (const waiter of [...this.waiters]) waiter.cancel(reason);
    const destroy = (this.out as { destroy?: unknown }).destroy;
    if (typeof destroy === 'function') (destroy as () => void).call(this.out);
  }

  /**
   * The buffer being filled, with room for at least one more byte: a spare one, a new one of
   * `bufferSize` bytes (or, for a large `bufferSize`, one that grows by doubling towards it).
   */
  private room(wanted: number): Buffer {
    const current = this.fill;
    if (current !== undefined && this.filled < current.length) return current;
    if (current !== undefined) {
      const grown = Buffer.allocUnsafe(Math.min(this.bufferSize, current.length * 2));
      current.copy(grown, 0, 0, this.filled);
      this.fill = grown;
      return grown;
    }
    const size = this.bufferSize <= EAGER_FILL_BYTES ? this.bufferSize : Math.min(this.bufferSize, Math.max(EAGER_FILL_BYTES, wanted));
    this.fill = (size === this.bufferSize ? this.spare.pop() : undefined) ?? Buffer.allocUnsafe(size);
    return this.fill;
  }

  private async deliver(piece: Buffer): Promise<void> {
    this.throwIfFailed();
    let accepted: boolean;
    const reusable = this.recycle && piece.length === this.bufferSize && this.bufferSize <= EAGER_FILL_BYTES;
    try {
      accepted = this.out.write(
        piece,
        reusable
          ? (error?: Error | null) => {
              this.onWritten(error);
              if (!error && this.spare.length < SPARE_BUFFERS) this.spare.push(piece);
            }
          : this.onWritten,
      );
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
