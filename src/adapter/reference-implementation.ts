/**
 * The reference implementation as the conformance suite sees it: an {@link Implementation} over
 * the engine, the backup writer, the restore, the verifier and the console of this package.
 *
 * @packageDocumentation
 */
import { PassThrough } from 'node:stream';
import type {
  ConsoleRun,
  Feature,
  Implementation,
  ImplementationInfo,
  RestoreOptions,
  RestoreSource,
  VerifyReport,
} from '../../conformance/adapter.js';
import { runConsole } from '../console/run-console.js';
import { Database } from '../engine/index.js';
import type { FileSystem } from '../fs/index.js';
import { restoreToNewDatabase } from '../restore/restore-to-new.js';
import { verifyBackup } from '../verify/verify-backup.js';
import { PACKAGE_VERSION } from '../version.js';
import { ReferenceConnection } from './reference-connection.js';
import { createReadStream } from 'node:fs';
import { sep } from 'node:path';

/** Every optional feature of the suite: the reference implements them all. */
const REFERENCE_FEATURES: readonly Feature[] = [
  'incremental',
  'console',
  'snapshot-backup',
  'verify',
  'export',
  'memory-storage',
  'permissions',
  'stream-output',
  'restore-to-new',
];

/** Options of the reference implementation. */
export interface ReferenceOptions {
  /**
   * scrypt cost N for the password hashes of databases and users the instance creates (default:
   * the engine's, 16384). Test runs lower it: at the default, hashing is more than half of the
   * suite's time. Hashes record their cost, so databases stay readable either way.
   */
  readonly scryptCost?: number;
  /** The file system the databases the instance creates or opens live on (default: the real disk). */
  readonly fs?: FileSystem;
}

/** One isolated instance: it tracks what it opened so that {@link ReferenceImplementation.dispose} can close it. */
export class ReferenceImplementation implements Implementation {
  readonly info: ImplementationInfo = {
    name: 'reference',
    version: PACKAGE_VERSION,
    language: 'TypeScript (Node.js)',
    details: 'orientdb-backup-conformance reference implementation',
  };
  readonly supports: readonly Feature[] = REFERENCE_FEATURES;
  private readonly connections = new Set<ReferenceConnection>();
  private readonly memoryDatabases = new Map<string, { user: string; password: string }>();
  private readonly engineOptions: { scryptCost?: number; fs?: FileSystem };

  constructor(options: ReferenceOptions = {}) {
    this.engineOptions = {
      ...(options.scryptCost === undefined ? {} : { scryptCost: options.scryptCost }),
      ...(options.fs === undefined ? {} : { fs: options.fs }),
    };
  }

  async createDatabase(url: string, options?: { readonly user?: string; readonly password?: string }): Promise<ReferenceConnection> {
    const db = await Database.create(url, {
      ...this.engineOptions,
      ...(options?.user === undefined ? {} : { user: options.user }),
      ...(options?.password === undefined ? {} : { password: options.password }),
    });
    if (url.startsWith('memory:')) this.memoryDatabases.set(url, { user: options?.user ?? 'admin', password: options?.password ?? 'admin' });
    return this.track(new ReferenceConnection(db, url));
  }

  async openDatabase(url: string, user: string, password: string): Promise<ReferenceConnection> {
    return this.track(new ReferenceConnection(await Database.open(url, user, password, this.engineOptions), url));
  }

  async restoreDatabase(source: RestoreSource, url: string, options?: RestoreOptions | null): Promise<void> {
    if (source.kind === 'stream') {
      const stream = createReadStream(source.path);
      try {
        await restoreToNewDatabase(stream, url, options ?? null);
      } finally {
        stream.destroy();
      }
      return;
    }
    await restoreToNewDatabase(source.kind === 'directory' && !source.path.endsWith(sep) ? source.path + sep : source.path, url, options ?? null);
  }

  async verify(path: string): Promise<VerifyReport> {
    const result = await verifyBackup(path);
    return { valid: result.valid, lines: result.lines, ...(result.code === undefined ? {} : { code: result.code }) };
  }

  async console(args: readonly string[], options?: { readonly stdin?: string; readonly cwd?: string }): Promise<ConsoleRun> {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => out.push(chunk));
    stderr.on('data', (chunk: Buffer) => err.push(chunk));
    stdin.end(options?.stdin ?? '');
    const exitCode = await runConsole(args, { stdin, stdout, stderr, cwd: options?.cwd ?? process.cwd(), isTty: false });
    return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  }

  async dispose(): Promise<void> {
    const open = [...this.connections];
    this.connections.clear();
    await Promise.allSettled(open.map((connection) => connection.close()));
    for (const [url, { user, password }] of this.memoryDatabases) {
      await Database.drop(url, user, password).catch(() => undefined);
    }
    this.memoryDatabases.clear();
  }

  private track(connection: ReferenceConnection): ReferenceConnection {
    this.connections.add(connection);
    return connection;
  }
}
