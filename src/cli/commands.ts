/**
 * The table of subcommands. A new command is a file in `commands/` exporting a {@link Command},
 * plus one line here.
 *
 * @packageDocumentation
 */
import type { Command } from './command.js';
import { consoleCommand } from './commands/console.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { verifyCommand } from './commands/verify.js';

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [runCommand, serveCommand, verifyCommand, consoleCommand];
