/**
 * Where the console reads and writes.
 *
 * @packageDocumentation
 */

/** The streams and facts of the console's surroundings (injectable, so that tests and the adapter run it in-process). */
export interface ConsoleIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** The directory relative paths and `plocal:` URLs are resolved against. */
  readonly cwd: string;
  /** True when stdout is a terminal: a backup then shows a progress bar. */
  readonly isTty: boolean;
  /** True when stdin is a terminal: the interactive console then has line editing and history (default: {@link ConsoleIo.isTty}). */
  readonly stdinIsTty?: boolean;
}
