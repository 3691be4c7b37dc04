/**
 * EXPORT DATABASE / IMPORT DATABASE: a gzipped JSON export of the logical content.
 * (Placeholder until the export module lands: it refuses with ERR_NOT_SUPPORTED.)
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import type { Database } from '../engine/index.js';

/** Writes a gzipped JSON export of `db` to `path`. */
export async function exportDatabase(db: Database, path: string): Promise<void> {
  void db;
  void path;
  throw fail('ERR_NOT_SUPPORTED', 'Export is not implemented yet');
}

/** Imports an export from `path` into the empty database `db`. */
export async function importDatabase(db: Database, path: string): Promise<void> {
  void db;
  void path;
  throw fail('ERR_NOT_SUPPORTED', 'Import is not implemented yet');
}
