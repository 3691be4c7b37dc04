/**
 * An asynchronous, first-come-first-served readers-writer lock. Many holders may share it, or one
 * may hold it exclusively; a waiting exclusive request stops later shared requests from jumping
 * ahead, so a stream of readers cannot starve a writer. The uncontended paths are synchronous
 * (`tryShared` / `tryExclusive`) so that hot paths pay no extra microtask.
 */
export class ReadWriteLock {
  private readers = 0;
  private writer = false;
  private readonly queue: { exclusive: boolean; resolve: () => void }[] = [];

  /** Takes a shared hold if that is possible at once. */
  tryShared(): boolean {
    if (this.writer || this.queue.length > 0) return false;
    this.readers++;
    return true;
  }

  /** Takes a shared hold, waiting for earlier exclusive requests. */
  shared(): Promise<void> {
    if (this.tryShared()) return Promise.resolve();
    return new Promise((resolve) => this.queue.push({ exclusive: false, resolve }));
  }

  /** Gives back a shared hold. */
  releaseShared(): void {
    this.readers--;
    this.drain();
  }

  /** Takes the exclusive hold if that is possible at once. */
  tryExclusive(): boolean {
    // A non-empty queue needs no test here: its head waits only while someone holds the lock.
    if (this.writer || this.readers > 0) return false;
    this.writer = true;
    return true;
  }

  /** Takes the exclusive hold, waiting for every earlier request. */
  exclusive(): Promise<void> {
    if (this.tryExclusive()) return Promise.resolve();
    return new Promise((resolve) => this.queue.push({ exclusive: true, resolve }));
  }

  /** Gives back the exclusive hold. */
  releaseExclusive(): void {
    this.writer = false;
    this.drain();
  }

  /** Runs `action` under a shared hold. */
  async withShared<T>(action: () => Promise<T>): Promise<T> {
    if (!this.tryShared()) await this.shared();
    try {
      return await action();
    } finally {
      this.releaseShared();
    }
  }

  /** Runs `action` under the exclusive hold. */
  async withExclusive<T>(action: () => Promise<T>): Promise<T> {
    if (!this.tryExclusive()) await this.exclusive();
    try {
      return await action();
    } finally {
      this.releaseExclusive();
    }
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.writer) {
      const next = this.queue[0]!;
      if (next.exclusive) {
        if (this.readers > 0) return;
        this.writer = true;
      } else {
        this.readers++;
      }
      this.queue.shift();
      next.resolve();
    }
  }
}
