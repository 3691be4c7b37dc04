/**
 * The OrientDB-style console, run with command-line arguments and standard streams.
 * (Placeholder until the console module lands: it refuses with ERR_NOT_SUPPORTED.)
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';

/** Where the console reads and writes. */
export interface ConsoleIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
  /** True when stdout is a terminal (prompt, progress bar). */
  readonly isTty: boolean;
}

/** Runs the console; resolves its exit code. */
export async function runConsole(args: readonly string[], io: ConsoleIo): Promise<number> {
  void args;
  void io;
  throw fail('ERR_NOT_SUPPORTED', 'The console is not implemented yet');
}
