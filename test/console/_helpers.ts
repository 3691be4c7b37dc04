import { PassThrough } from 'node:stream';
import { runConsole } from '../../src/console/run-console.js';

/** The outcome of an in-process console run. */
export interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link consoleRun}. */
export interface RunOptions {
  readonly cwd: string;
  /** Text for standard input (ended afterwards), or chunks written one after another. */
  readonly stdin?: string | readonly string[];
  readonly isTty?: boolean;
  readonly stdinIsTty?: boolean;
}

/** Runs the console in-process on PassThrough streams. */
export async function consoleRun(args: readonly string[], options: RunOptions): Promise<Run> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const input = options.stdin ?? '';
  const chunks = typeof input === 'string' ? [input] : input;
  const running = runConsole(args, {
    stdin,
    stdout,
    stderr,
    cwd: options.cwd,
    isTty: options.isTty ?? false,
    ...(options.stdinIsTty === undefined ? {} : { stdinIsTty: options.stdinIsTty }),
  });
  for (const chunk of chunks) {
    stdin.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  stdin.end();
  const exitCode = await running;
  return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** The lines of a text. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, index, all) => index < all.length - 1 || line !== '');
}
