/**
 * Verify: check an archive or an incremental chain without restoring it.
 * (Placeholder until the verify module lands: it refuses with ERR_NOT_SUPPORTED.)
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';

/** The outcome of {@link verifyBackup}. */
export interface VerifyResult {
  readonly valid: boolean;
  readonly code?: string;
  readonly lines: readonly string[];
}

/** Checks the archive or incremental directory at `path`. */
export async function verifyBackup(path: string): Promise<VerifyResult> {
  void path;
  throw fail('ERR_NOT_SUPPORTED', 'Verify is not implemented yet');
}
