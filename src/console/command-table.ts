/**
 * Every console command, and running one lexed command against a session.
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import type { LexedCommand } from './command-lexer.js';
import { type CommandOutcome, type ConsoleCommand, expectArguments, isKeyword } from './console-command.js';
import type { ConsoleSession } from './console-session.js';
import { backupCommand, restoreCommand } from './commands/backup-commands.js';
import {
  connectCommand,
  createDatabaseCommand,
  disconnectCommand,
  dropDatabaseCommand,
  infoCommand,
  listClassesCommand,
} from './commands/database-commands.js';
import { exportCommand, importCommand } from './commands/export-commands.js';
import {
  createClassCommand,
  createUserCommand,
  deleteCommand,
  insertCommand,
  selectCommand,
  updateCommand,
} from './commands/sql-commands.js';

/** `HELP`: a line per command beginning with its syntax, its summary indented below. */
export const helpCommand: ConsoleCommand = {
  keywords: ['HELP'],
  syntax: ['HELP'],
  summary: 'Lists the commands.',
  needsDatabase: false,
  async run({ session, args, commands }) {
    expectArguments(this, args, [0], 'no argument');
    for (const command of commands) {
      for (const syntax of command.syntax) session.print(syntax);
      session.print(`    ${command.summary}`);
    }
  },
};

/** `EXIT`: ends the console. */
export const exitCommand: ConsoleCommand = {
  keywords: ['EXIT'],
  syntax: ['EXIT'],
  summary: 'Ends the console (writes made durable first).',
  needsDatabase: false,
  async run({ args }): Promise<CommandOutcome> {
    expectArguments(this, args, [0], 'no argument');
    return 'exit';
  },
};

/** Every command, in the order HELP lists them. */
export const CONSOLE_COMMANDS: readonly ConsoleCommand[] = [
  createDatabaseCommand,
  connectCommand,
  disconnectCommand,
  dropDatabaseCommand,
  infoCommand,
  listClassesCommand,
  createClassCommand,
  insertCommand,
  selectCommand,
  updateCommand,
  deleteCommand,
  createUserCommand,
  backupCommand,
  restoreCommand,
  exportCommand,
  importCommand,
  helpCommand,
  exitCommand,
];

/** The command whose keywords begin `command`, the longest match first; `ERR_CONSOLE_UNKNOWN_COMMAND` when none does. */
export function findCommand(command: LexedCommand, commands: readonly ConsoleCommand[] = CONSOLE_COMMANDS): ConsoleCommand {
  let best: ConsoleCommand | undefined;
  for (const candidate of commands) {
    const matches = candidate.keywords.every((keyword, index) => isKeyword(command.words[index], keyword));
    if (matches && (best === undefined || candidate.keywords.length > best.keywords.length)) best = candidate;
  }
  if (best !== undefined) return best;
  const first = command.words[0]?.value ?? '';
  const related = commands.filter((candidate) => candidate.keywords[0] === first.toUpperCase()).flatMap((candidate) => candidate.syntax);
  const hint = related.length > 0 ? `; did you mean ${related.join(' or ')}?` : '; HELP lists the commands';
  const shown = command.text.length > 60 ? `${command.text.slice(0, 57)}...` : command.text;
  throw fail('ERR_CONSOLE_UNKNOWN_COMMAND', `Unknown command '${shown}'${hint}`, { details: { command: first } });
}

/** Runs one command: its lexing error, an unknown command or a failure of the command itself throws. */
export async function executeCommand(session: ConsoleSession, command: LexedCommand, commands: readonly ConsoleCommand[] = CONSOLE_COMMANDS): Promise<CommandOutcome> {
  if (command.error !== undefined) throw command.error;
  const found = findCommand(command, commands);
  if (found.needsDatabase) session.requireDatabase();
  return found.run({ session, command, args: command.words.slice(found.keywords.length), commands });
}
