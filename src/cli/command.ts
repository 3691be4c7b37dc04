/**
 * The shape of a CLI subcommand, so that commands live in their own files and register in one
 * table (`commands.ts`).
 *
 * @packageDocumentation
 */
import type { Readable, Writable } from 'node:stream';
import { BackupConformanceError } from '../errors.js';

/** The process facilities a command uses (injectable for tests). */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** The directory relative paths are resolved against. */
  readonly cwd: string;
  /** True when stderr is a terminal (progress lines are printed then). */
  readonly stderrIsTTY: boolean;
}

/** A subcommand of `backup-conformance`. */
export interface Command {
  /** The word after `backup-conformance`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full usage text shown by `--help` and after a usage error. */
  readonly usage: string;
  /** Runs with the arguments after the command name; resolves the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A usage error (`ERR_USAGE`): the CLI prints the message and the command's usage and exits with 2. */
export function usageError(message: string, usage?: string): BackupConformanceError {
  return new BackupConformanceError('ERR_USAGE', message, usage === undefined ? {} : { details: { usage } });
}

/** Parses a non-negative integer option value or throws a usage error naming the option. */
export function integerOption(name: string, value: string, min: number, max: number, usage: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`--${name}: expected an integer from ${min} to ${max}, received "${value}"`, usage);
  }
  return n;
}
