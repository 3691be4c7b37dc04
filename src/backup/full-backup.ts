/**
 * Full backup: `db.backup(out, options, callable, listener, compressionLevel, bufferSize)`.
 * (Placeholder until the backup module lands: it refuses with ERR_NOT_SUPPORTED.)
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import type { Database } from '../engine/index.js';

/** What a full backup resolves with. */
export interface BackupSummary {
  /** Bytes written to the output. */
  readonly bytes: number;
}

/** The arguments of `db.backup(...)`, in the manual's order or the idiomatic form. */
export type BackupArguments = readonly unknown[];

/** Runs a full backup of `db`; see {@link Database.backup}. */
export async function backupDatabase(db: Database, args: BackupArguments): Promise<BackupSummary> {
  void db;
  void args;
  throw fail('ERR_NOT_SUPPORTED', 'Full backup is not implemented yet');
}
