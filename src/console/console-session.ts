/**
 * The state of one console run: the connected database (if any), how writes are made durable,
 * and where output goes.
 *
 * @packageDocumentation
 */
import { isAbsolute, resolve } from 'node:path';
import { Database, type Durability } from '../engine/index.js';
import { fail } from '../errors.js';
import type { ConsoleIo } from './console-io.js';
import { printable } from './console-output.js';

/** OrientDB's message when a command needs a database and none is selected. */
export const NO_DATABASE_MESSAGE = "Database not selected. Use 'connect <url> <user> <password>' to connect to a database.";

/** The connected database and how it was reached. */
export interface ConsoleConnection {
  readonly db: Database;
  /** The URL as typed. */
  readonly typedUrl: string;
  /** The URL with a relative `plocal:` path resolved against the working directory. */
  readonly url: string;
  readonly user: string;
  /** Kept for DROP DATABASE, which opens a session of its own. */
  readonly password: string;
}

/**
 * One console run. Sessions opened in `-c` and script mode use `batch` durability, so a script of
 * many INSERTs is not one fsync per record; {@link ConsoleSession.flush} makes everything durable
 * and runs before BACKUP, RESTORE, EXPORT and IMPORT, before a connection is left, and at the end.
 */
export class ConsoleSession {
  private current: ConsoleConnection | null = null;
  /** `memory:` databases this run created: they end with it, as they end with OrientDB's console process. */
  private readonly createdInMemory = new Map<string, { user: string; password: string }>();
  private waitingForDrain: Promise<void> | null = null;
  private endDrainWait: (() => void) | null = null;
  private outputFailure: Error | null = null;

  constructor(
    /** Where the console reads and writes. */
    readonly io: ConsoleIo,
    /** The durability of the sessions this console opens. */
    readonly durability: Durability,
  ) {}

  /** The connection, or null when no database is selected. */
  get connection(): ConsoleConnection | null {
    return this.current;
  }

  /** The connected database; `ERR_CONSOLE_NO_DATABASE` with OrientDB's message when there is none. */
  requireDatabase(): Database {
    if (this.current === null) throw fail('ERR_CONSOLE_NO_DATABASE', NO_DATABASE_MESSAGE);
    return this.current.db;
  }

  /**
   * Prints one line on standard output (control characters in it escaped, see `printable`).
   * Once standard output failed (a closed pipe), every print throws `ERR_IO`, which stops a script.
   */
  print(line: string): void {
    if (this.outputFailure !== null) {
      throw fail('ERR_IO', `Standard output failed: ${this.outputFailure.message}`, { cause: this.outputFailure });
    }
    if (!this.io.stdout.write(`${printable(line)}\n`) && this.waitingForDrain === null) {
      this.waitingForDrain = new Promise((resolveDrain) => {
        const done = (): void => {
          this.io.stdout.removeListener('drain', done);
          this.endDrainWait = null;
          resolveDrain();
        };
        this.endDrainWait = done;
        this.io.stdout.once('drain', done);
      });
    }
  }

  /** Told when standard output fails (`EPIPE` when its reader went away): printing stops, and nothing waits for it any more. */
  outputFailed(error: Error): void {
    this.outputFailure ??= error;
    this.endDrainWait?.();
  }

  /** Resolves once standard output has taken what was printed (a slow reader must not make the console buffer a whole script's output). */
  async drained(): Promise<void> {
    const waiting = this.waitingForDrain;
    if (waiting === null) return;
    await waiting;
    this.waitingForDrain = null;
  }

  /** A path typed by the user, resolved against the console's working directory. */
  resolvePath(path: string): string {
    return resolve(this.io.cwd, path);
  }

  /** A URL typed by the user: a relative `plocal:` path is resolved against the working directory. */
  resolveUrl(url: string): string {
    const match = /^plocal:(.*)$/is.exec(url);
    if (match === null || match[1] === '' || isAbsolute(match[1]!)) return url;
    return `plocal:${resolve(this.io.cwd, match[1]!)}`;
  }

  /** Opens a session on an existing database and makes it the connection (the previous one is left only once this succeeds). */
  async connect(typedUrl: string, user: string, password: string): Promise<ConsoleConnection> {
    const url = this.resolveUrl(typedUrl);
    const db = await Database.open(url, user, password, { durability: this.durability });
    return this.replace({ db, typedUrl, url, user, password });
  }

  /** Creates a database (its admin is `user`/`password`) and makes it the connection. */
  async create(typedUrl: string, user: string, password: string): Promise<ConsoleConnection> {
    const url = this.resolveUrl(typedUrl);
    const db = await Database.create(url, { user, password, durability: this.durability });
    if (/^memory:/i.test(url)) this.createdInMemory.set(url, { user, password });
    return this.replace({ db, typedUrl, url, user, password });
  }

  /** Makes everything written so far durable. */
  async flush(): Promise<void> {
    if (this.current !== null && !this.current.db.isClosed) await this.current.db.flush();
  }

  /** Leaves the connection (durably); `ERR_CONSOLE_NO_DATABASE` when there is none. */
  async disconnect(): Promise<ConsoleConnection> {
    this.requireDatabase();
    const left = this.current!;
    this.current = null;
    await this.release(left);
    return left;
  }

  /** Deletes a database. When it is the connected one, the connection is left first. */
  async drop(typedUrl: string, user: string, password: string): Promise<void> {
    const url = this.resolveUrl(typedUrl);
    if (this.current !== null && this.sameDatabase(this.current.url, url)) await this.disconnect();
    await Database.drop(url, user, password);
    this.createdInMemory.delete(url);
  }

  /** Ends the run: leaves the connection durably and drops the `memory:` databases it created. */
  async close(): Promise<void> {
    const left = this.current;
    this.current = null;
    try {
      if (left !== null) await this.release(left);
    } finally {
      for (const [url, { user, password }] of this.createdInMemory) await Database.drop(url, user, password).catch(() => undefined);
      this.createdInMemory.clear();
    }
  }

  private async replace(next: ConsoleConnection): Promise<ConsoleConnection> {
    const previous = this.current;
    this.current = next;
    if (previous !== null) await this.release(previous);
    return next;
  }

  private async release(connection: ConsoleConnection): Promise<void> {
    try {
      if (!connection.db.isClosed) await connection.db.flush();
    } finally {
      await connection.db.close();
    }
  }

  private sameDatabase(a: string, b: string): boolean {
    const scheme = (url: string): string => url.replace(/^[A-Za-z]+:/, (prefix) => prefix.toLowerCase());
    return scheme(a) === scheme(b);
  }
}
