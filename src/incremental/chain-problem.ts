/**
 * A defect found in a chain: its code, a message naming the file (or the index when no file has
 * it), and the file and index at fault.
 *
 * @packageDocumentation
 */
import { type BackupConformanceError, type ErrorCode, fail } from '../errors.js';

/** A defect of a chain or of one of its files. */
export interface ChainProblem {
  /** The code a restore of the chain is refused with. */
  readonly code: ErrorCode;
  /** Names the file at fault, or the index when no file has it. */
  readonly message: string;
  /** The file at fault (name without directory), when one is. */
  readonly file?: string;
  /** The index at fault, when known. */
  readonly index?: number;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/** The coded error for `problem`, its details naming the directory, the file and the index. */
export function chainError(problem: ChainProblem, directory: string): BackupConformanceError {
  return fail(problem.code, problem.message, {
    cause: problem.cause,
    details: {
      directory,
      ...(problem.file === undefined ? {} : { file: problem.file }),
      ...(problem.index === undefined ? {} : { index: problem.index }),
    },
  });
}
