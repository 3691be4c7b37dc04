/**
 * The shape of a console command, and the argument checks commands share.
 *
 * @packageDocumentation
 */
import { performance } from 'node:perf_hooks';
import { fail } from '../errors.js';
import type { LexedCommand, Word } from './command-lexer.js';
import type { ConsoleSession } from './console-session.js';

/** What a command is given. */
export interface CommandContext {
  readonly session: ConsoleSession;
  /** The command as typed. */
  readonly command: LexedCommand;
  /** The words after the command's keywords. */
  readonly args: readonly Word[];
  /** Every command, for HELP. */
  readonly commands: readonly ConsoleCommand[];
}

/** `'exit'` ends the console (EXIT); anything else goes on. */
export type CommandOutcome = void | 'exit';

/** A console command. */
export interface ConsoleCommand {
  /** The keywords that name it, in capitals (`['BACKUP', 'DATABASE']`); matched without regard to case. */
  readonly keywords: readonly string[];
  /** Its syntax, one HELP line each (SELECT has two forms). */
  readonly syntax: readonly string[];
  /** What it does, in one line. */
  readonly summary: string;
  /** True when it fails with `ERR_CONSOLE_NO_DATABASE` unless a database is connected (checked before its arguments). */
  readonly needsDatabase: boolean;
  run(context: CommandContext): Promise<CommandOutcome>;
}

/** `ERR_CONSOLE_SYNTAX` saying what is wrong and giving the command's syntax. */
export function syntaxError(command: ConsoleCommand, why: string): Error {
  return fail('ERR_CONSOLE_SYNTAX', `${why}. Syntax: ${command.syntax.join(' | ')}`);
}

/** Checks that no word is an option: these commands take none. */
export function refuseOptions(command: ConsoleCommand, args: readonly Word[]): void {
  const option = args.find((word) => word.option);
  if (option !== undefined) {
    const name = option.value.split('=')[0]!;
    throw fail('ERR_CONSOLE_UNKNOWN_OPTION', `Unknown option '${name}': ${command.keywords.join(' ')} takes no options`, { details: { option: name } });
  }
}

/** Checks the number of arguments (options refused first); returns their values. */
export function expectArguments(command: ConsoleCommand, args: readonly Word[], counts: readonly number[], what: string): string[] {
  refuseOptions(command, args);
  if (!counts.includes(args.length)) throw syntaxError(command, `${command.keywords.join(' ')} takes ${what}, got ${args.length} word(s)`);
  return args.map((word) => word.value);
}

/** True when `word` is the keyword `keyword` (unquoted, any case). */
export function isKeyword(word: Word | undefined, keyword: string): boolean {
  return word !== undefined && !word.quoted && word.value.toUpperCase() === keyword;
}

/** Seconds since `start` (a `performance.now()` value) with two decimals, as OrientDB prints them. */
export function secondsSince(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(2);
}
