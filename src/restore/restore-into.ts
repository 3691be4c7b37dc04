/**
 * Restore into an open database: `db.restore(in, options, callable, listener)`.
 * (Placeholder until the restore module lands: it refuses with ERR_NOT_SUPPORTED.)
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import type { Database } from '../engine/index.js';

/** The arguments of `db.restore(...)`, in the manual's order. */
export type RestoreArguments = readonly unknown[];

/** Restores an archive (or an incremental directory) into `db`; see {@link Database.restore}. */
export async function restoreInto(db: Database, args: RestoreArguments): Promise<void> {
  void db;
  void args;
  throw fail('ERR_NOT_SUPPORTED', 'Restore is not implemented yet');
}
