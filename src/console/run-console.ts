/**
 * The OrientDB-style console (`backup-conformance console`), run with command-line arguments and
 * standard streams:
 *
 * - `-c "<command>; <command>"` runs the commands and exits;
 * - `<script file>` runs the file's commands and exits;
 * - without either, it reads commands from standard input: with line editing and history on a
 *   terminal, line by line otherwise.
 *
 * In `-c` and script mode the console stops at the first failing command and exits with 1, and
 * its sessions use batch durability (flushed before BACKUP, RESTORE, EXPORT, IMPORT, when a
 * connection is left and at the end), so that a script of many INSERTs loads quickly. The
 * interactive console goes on after a failing command and exits with 1 if any failed. A
 * malformed console command line exits with 2.
 *
 * @packageDocumentation
 */
import { type FileHandle, open } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fail, messageOf } from '../errors.js';
import { CommandLexer, type LexedCommand } from './command-lexer.js';
import { executeCommand } from './command-table.js';
import type { ConsoleIo } from './console-io.js';
import { errorLine } from './console-output.js';
import { ConsoleSession } from './console-session.js';

export type { ConsoleIo } from './console-io.js';

/** The interactive prompt, as OrientDB's console shows it. */
export const PROMPT = 'orientdb> ';

/** The prompt of a command's continuation line (an open quote or JSON value). */
const CONTINUATION_PROMPT = '     ...> ';

/** The console's usage text. */
export const CONSOLE_USAGE = `Usage: backup-conformance console [-c "<command>; <command>..." | <script file>]

Runs the OrientDB-style console: BACKUP DATABASE, RESTORE DATABASE and the commands around them
(type HELP inside it for the list).

  (no argument)     read commands from standard input, prompting "${PROMPT}" (line editing and
                    history on a terminal); go on after a failing command
  -c "<commands>"   run the commands, separated by ";" or line breaks, then exit
  <script file>     run the file's commands, separated by ";" or line breaks, then exit
  -h, --help        show this help

In -c and script mode the console stops at the first failing command and exits with 1; it exits
with 0 when every command succeeded, and with 2 when this command line is malformed.`;

type Mode = { kind: 'help' } | { kind: 'commands'; text: string } | { kind: 'script'; path: string } | { kind: 'interactive' };

function usageError(message: string): Error {
  return fail('ERR_USAGE', message);
}

/** Reads the console's own command line. */
function parseArguments(args: readonly string[]): Mode {
  let mode: Mode = { kind: 'interactive' };
  const chosen = (next: Mode): void => {
    if (mode.kind !== 'interactive') throw usageError('Give either -c "<commands>" or a script file, once');
    mode = next;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '-c' || arg === '--command') {
      const text = args[++i];
      if (text === undefined) throw usageError(`${arg} needs the commands to run`);
      chosen({ kind: 'commands', text });
    } else if (arg.startsWith('-') && arg !== '-') {
      throw usageError(`Unknown option '${arg}'`);
    } else {
      chosen({ kind: 'script', path: arg });
    }
  }
  return mode;
}

/** The pieces of a script file, its byte order mark (if any) left out. */
async function* withoutBom(text: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  let first = true;
  for await (const piece of text) {
    yield first ? String(piece).replace(/^\uFEFF/, '') : String(piece);
    first = false;
  }
}

type Outcome = 'ok' | 'exit' | 'failed';

/** Runs one command, printing its error if it fails. */
async function runOne(session: ConsoleSession, command: LexedCommand, where?: string): Promise<Outcome> {
  try {
    return (await executeCommand(session, command)) === 'exit' ? 'exit' : 'ok';
  } catch (error) {
    session.io.stderr.write(`${errorLine(error, where)}\n`);
    return 'failed';
  }
}

/** Text in pieces of this many characters: a long `-c` text or script is lexed as it is run, not all at once. */
const PIECE_CHARS = 64 * 1024;

function* pieces(text: string): Generator<string> {
  for (let at = 0; at < text.length; at += PIECE_CHARS) yield text.slice(at, at + PIECE_CHARS);
}

/** The commands of a text arriving in pieces, each yielded as soon as it is complete. */
async function* commandsOf(text: AsyncIterable<string> | Iterable<string>): AsyncGenerator<LexedCommand> {
  const lexer = new CommandLexer();
  for await (const piece of text) yield* lexer.push(piece);
  yield* lexer.end();
}

/** `-c` and script mode: every command in turn, stopping at the first failing one. */
async function runAll(session: ConsoleSession, commands: AsyncIterable<LexedCommand>, script?: string): Promise<number> {
  for await (const command of commands) {
    const outcome = await runOne(session, command, script === undefined ? undefined : `${script} line ${command.line}`);
    await session.drained();
    if (outcome === 'failed') return 1;
    if (outcome === 'exit') return 0;
  }
  return 0;
}

/**
 * Interactive mode: commands from standard input. On a terminal, node:readline gives line editing
 * and history; otherwise each command is echoed after the prompt, so that the output reads like
 * the manual's example session.
 */
async function runInteractive(session: ConsoleSession): Promise<number> {
  const { io } = session;
  const terminal = io.stdinIsTty ?? io.isTty;
  const rl = createInterface({
    input: io.stdin,
    ...(terminal ? { output: io.stdout, prompt: PROMPT, historySize: 1000, removeHistoryDuplicates: true } : {}),
    terminal,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lexer = new CommandLexer();
  let failed = false;
  if (terminal) {
    rl.on('SIGINT', () => {
      if (!lexer.pending) return rl.close();
      lexer = new CommandLexer();
      io.stdout.write('^C\n');
      rl.setPrompt(PROMPT);
      rl.prompt();
    });
    io.stdout.write('OrientDB-style console of orientdb-backup-conformance. Type HELP for the commands, EXIT to leave.\n');
    rl.prompt();
  }
  /** Runs completed commands; true when one was EXIT. */
  const run = async (commands: readonly LexedCommand[]): Promise<boolean> => {
    for (const command of commands) {
      if (!terminal) session.print(`${PROMPT}${command.text}`);
      const outcome = await runOne(session, command);
      await session.drained();
      if (outcome === 'failed') failed = true;
      if (outcome === 'exit') return true;
    }
    return false;
  };
  try {
    for await (const line of rl) {
      if (await run(lexer.push(`${line}\n`))) return failed ? 1 : 0;
      if (terminal) {
        rl.setPrompt(lexer.pending ? CONTINUATION_PROMPT : PROMPT);
        rl.prompt();
      }
    }
    await run(lexer.end());
    if (terminal) io.stdout.write('\n');
    return failed ? 1 : 0;
  } finally {
    rl.close();
  }
}

/**
 * Runs the console with its command-line arguments (`-c "<commands>"`, a script file, or none for
 * interactive mode) and resolves its exit code: 0 when every command succeeded, 1 when one failed,
 * 2 for a malformed command line. Every failure is printed as one `Error: <code>: <message>` line
 * on standard error; nothing is thrown.
 */
export async function runConsole(args: readonly string[], io: ConsoleIo): Promise<number> {
  let mode: Mode;
  try {
    mode = parseArguments(args);
  } catch (error) {
    io.stderr.write(`${errorLine(error)}\n\n${CONSOLE_USAGE}\n`);
    return 2;
  }
  if (mode.kind === 'help') {
    io.stdout.write(`${CONSOLE_USAGE}\n`);
    return 0;
  }
  let script: FileHandle | undefined;
  if (mode.kind === 'script') {
    try {
      script = await open(resolve(io.cwd, mode.path), 'r');
      if ((await script.stat()).isDirectory()) throw Object.assign(new Error('it is a directory'), { code: 'EISDIR' });
    } catch (error) {
      await script?.close();
      io.stderr.write(`${errorLine(usageError(`Cannot read the script file '${mode.path}': ${messageOf(error)}`))}\n`);
      return 2;
    }
  }
  const session = new ConsoleSession(io, mode.kind === 'interactive' ? 'sync' : 'batch');
  const onOutputError = (error: Error): void => session.outputFailed(error);
  io.stdout.on('error', onOutputError);
  let exitCode: number;
  try {
    if (mode.kind === 'commands') exitCode = await runAll(session, commandsOf(pieces(mode.text)));
    else if (mode.kind === 'script') {
      const text = script!.createReadStream({ encoding: 'utf8', highWaterMark: PIECE_CHARS, autoClose: false });
      exitCode = await runAll(session, commandsOf(withoutBom(text)), basename(mode.path));
    }
    else exitCode = await runInteractive(session);
  } catch (error) {
    io.stderr.write(`${errorLine(error)}\n`);
    exitCode = 1;
  }
  try {
    await session.close();
  } catch (error) {
    io.stderr.write(`${errorLine(error)}\n`);
    exitCode = 1;
  } finally {
    io.stdout.removeListener('error', onOutputError);
    await script?.close().catch(() => undefined);
  }
  return exitCode;
}
