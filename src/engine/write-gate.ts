/**
 * The gate every write passes: it implements `freeze()` / `release()` and the engine's own
 * holds (snapshots, exclusive access), and counts the writes in progress.
 *
 * @packageDocumentation
 */
import { type BackupConformanceError, fail } from '../errors.js';

interface Waiter {
  readonly owner: object;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Freezes nest: each `freeze` pushes onto a stack and each `release` pops the most recent. While
 * any freeze or hold is active, writers wait, except that a writer arriving while an active freeze
 * asked for `throwOnWrite` fails at once with `ERR_DATABASE_FROZEN`. Holds are the engine's own
 * freezes (snapshots, exclusive access): they make writers wait and are invisible to `release()`.
 */
export class WriteGate {
  private readonly freezes: boolean[] = [];
  private holds = 0;
  private active = 0;
  private waiters: Waiter[] = [];
  private idleWaiters: (() => void)[] = [];
  private closedError: BackupConformanceError | null = null;

  /** True while a freeze (not a hold) is active. */
  get frozen(): boolean {
    return this.freezes.length > 0;
  }

  /** Number of writes between `enter` and `leave`. */
  get activeWrites(): number {
    return this.active;
  }

  /**
   * Lets a write in, waiting while the gate is closed by a freeze or hold. `owner` identifies the
   * session, so that closing it can fail its waiting writes. Returns `undefined` when the write
   * may go at once (no promise on the hot path).
   */
  enter(owner: object): Promise<void> | undefined {
    if (this.closedError !== null) throw this.closedError;
    if (this.freezes.length === 0 && this.holds === 0) {
      this.active++;
      return undefined;
    }
    if (this.freezes.includes(true)) {
      throw fail('ERR_DATABASE_FROZEN', 'The database is frozen and the freeze asked writes to fail');
    }
    return new Promise<void>((resolve, reject) => this.waiters.push({ owner, resolve, reject }));
  }

  /** Marks a write as finished. */
  leave(): void {
    this.active--;
    if (this.active === 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }

  /** Resolves when no write is in progress. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Adds a freeze; writes arriving from now on wait (or fail, with `throwOnWrite`). */
  freeze(throwOnWrite: boolean): void {
    this.freezes.push(throwOnWrite);
  }

  /** Removes the most recent freeze; `ERR_NOT_FROZEN` when there is none. */
  release(): void {
    if (this.freezes.length === 0) throw fail('ERR_NOT_FROZEN', 'release() was called on a database that is not frozen');
    this.freezes.pop();
    this.openIfClear();
  }

  /** Adds an engine hold (writers wait). */
  hold(): void {
    this.holds++;
  }

  /** Removes an engine hold. */
  unhold(): void {
    if (this.holds > 0) this.holds--;
    this.openIfClear();
  }

  /** Fails the waiting writes of `owner` (a session being closed) with `error`. */
  rejectWaiters(owner: object, error: unknown): void {
    const kept: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.owner === owner) waiter.reject(error);
      else kept.push(waiter);
    }
    this.waiters = kept;
  }

  /** Closes the gate for good: waiting and future writes fail with `error`. */
  close(error: BackupConformanceError): void {
    this.closedError = error;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
    this.freezes.length = 0;
    this.holds = 0;
  }

  private openIfClear(): void {
    if (this.freezes.length > 0 || this.holds > 0 || this.closedError !== null) return;
    const waiters = this.waiters;
    this.waiters = [];
    this.active += waiters.length;
    for (const waiter of waiters) waiter.resolve();
  }
}
