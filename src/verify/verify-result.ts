/**
 * The report of a verify: one line per file checked and a verdict line last
 * (`verdict: valid` or `verdict: invalid (<CODE>)`, `VERIFY-002`).
 *
 * @packageDocumentation
 */
import type { BackupConformanceError } from '../errors.js';

/** The outcome of a verify. */
export interface VerifyResult {
  /** True when everything checked is valid. */
  readonly valid: boolean;
  /** When invalid: the code of the first problem found (the code a restore of the same input rejects with). */
  readonly code?: string;
  /** One line per file checked (`<name>: ok` or `<name>: <CODE> <message>`), then the verdict. */
  readonly lines: readonly string[];
}

/** The verdict line for a report whose first problem has `code` (undefined: valid). */
export function verdictLine(code: string | undefined): string {
  return code === undefined ? 'verdict: valid' : `verdict: invalid (${code})`;
}

/** An invalid report: the file lines, then the verdict naming `problem`'s code. */
export function invalidResult(problem: BackupConformanceError, lines: readonly string[]): VerifyResult {
  return { valid: false, code: problem.code, lines: [...lines, verdictLine(problem.code)] };
}
