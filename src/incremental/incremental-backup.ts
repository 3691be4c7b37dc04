/**
 * Incremental backup: `db.incrementalBackup(dir)`.
 * (Placeholder until the incremental module lands: it refuses with ERR_NOT_SUPPORTED.)
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import type { Database } from '../engine/index.js';

/** Writes the next file of the chain in `dir`; resolves its file name. */
export async function incrementalBackup(db: Database, dir: string): Promise<string> {
  void db;
  void dir;
  throw fail('ERR_NOT_SUPPORTED', 'Incremental backup is not implemented yet');
}
