/**
 * The reference implementation made cheap to run many times (negative controls): cheap password
 * hashing (creating a database hashes the admin password, at the default scrypt cost most of a
 * small scenario's time) and no fsync. Connections are the reference's
 * own `ReferenceConnection`s, so controls can reach the engine session behind them.
 */
import type { Connection, Implementation, ImplementationFactory, RestoreOptions, RestoreSource } from '../../../conformance/adapter.js';
import { ReferenceConnection, ReferenceImplementation } from '../../../src/adapter/index.js';
import { Database } from '../../../src/engine/index.js';
import { type FileSystem, nodeFileSystem } from '../../../src/fs/index.js';

/**
 * The real disk without fsync: what the scenarios observe never depends on durability against a
 * crash, and thousands of fsyncs are most of what is left of their time.
 */
const noSyncFileSystem: FileSystem = {
  ...nodeFileSystem,
  async open(path, flags, mode) {
    const handle = await nodeFileSystem.open(path, flags, mode);
    return {
      read: (...args) => handle.read(...args),
      write: (...args) => handle.write(...args),
      sync: async () => undefined,
      truncate: (length) => handle.truncate(length),
      stat: () => handle.stat(),
      close: () => handle.close(),
    };
  },
  syncDir: async () => undefined,
};

const CHEAP = { scryptCost: 16, fs: noSyncFileSystem } as const;

class CheapReference implements Implementation {
  private readonly inner = new ReferenceImplementation();
  private readonly connections = new Set<ReferenceConnection>();
  private readonly memory = new Map<string, { user: string; password: string }>();
  readonly info = this.inner.info;
  readonly supports = this.inner.supports;

  async createDatabase(url: string, options?: { readonly user?: string; readonly password?: string }): Promise<Connection> {
    const credentials = { user: options?.user ?? 'admin', password: options?.password ?? 'admin' };
    const db = await Database.create(url, { ...CHEAP, ...credentials });
    if (url.startsWith('memory:')) this.memory.set(url, credentials);
    return this.track(new ReferenceConnection(db, url));
  }

  async openDatabase(url: string, user: string, password: string): Promise<Connection> {
    return this.track(new ReferenceConnection(await Database.open(url, user, password, CHEAP), url));
  }

  restoreDatabase(source: RestoreSource, url: string, options?: RestoreOptions | null): Promise<void> {
    return this.inner.restoreDatabase(source, url, options);
  }

  verify(path: string): ReturnType<Implementation['verify']> {
    return this.inner.verify(path);
  }

  console(args: readonly string[], options?: { readonly stdin?: string; readonly cwd?: string }): ReturnType<Implementation['console']> {
    return this.inner.console(args, options);
  }

  async dispose(): Promise<void> {
    const open = [...this.connections];
    this.connections.clear();
    await Promise.allSettled(open.map((connection) => connection.close()));
    for (const [url, { user, password }] of this.memory) await Database.drop(url, user, password).catch(() => undefined);
    await this.inner.dispose();
  }

  private track(connection: ReferenceConnection): ReferenceConnection {
    this.connections.add(connection);
    return connection;
  }
}

/** The reference implementation, with cheap password hashing and without fsync. */
export const cheapReferenceFactory: ImplementationFactory = () => new CheapReference();
