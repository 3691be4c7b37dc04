/**
 * Restore into a new database directory.
 * (Placeholder until the restore module lands: it refuses with ERR_NOT_SUPPORTED.)
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';

/** Options of {@link restoreToNewDatabase}. */
export type RestoreToNewOptions = Readonly<Record<string, unknown>>;

/** Restores the archive or incremental directory at `source` into a new database at `url`. */
export async function restoreToNewDatabase(source: string | NodeJS.ReadableStream, url: string, options?: RestoreToNewOptions | null): Promise<void> {
  void source;
  void url;
  void options;
  throw fail('ERR_NOT_SUPPORTED', 'Restore into a new database is not implemented yet');
}
