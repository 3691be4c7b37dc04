/**
 * Verifies a directory of incremental backup files without restoring it.
 * (Placeholder until the incremental module lands: it refuses with ERR_NOT_SUPPORTED.)
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import type { VerifyResult } from '../verify/verify-backup.js';

/** Checks every file of the chain in `dir` (CRCs, manifests, links); one line per file and a verdict. */
export async function verifyChain(dir: string): Promise<VerifyResult> {
  void dir;
  throw fail('ERR_NOT_SUPPORTED', 'Verifying incremental chains is not implemented yet');
}
