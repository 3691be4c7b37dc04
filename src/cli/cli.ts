/**
 * The CLI dispatcher: picks the subcommand from the table and turns every failure into a message
 * and an exit code (2), never a stack trace.
 *
 * @packageDocumentation
 */
import { suiteVersion } from '../../conformance/spec/locate.js';
import type { CliIo, Command } from './command.js';
import { COMMANDS } from './commands.js';

/** The program name. */
export const PROGRAM = 'backup-conformance';

/** The top-level usage, listing the commands of `commands`. */
export function topUsage(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run "${PROGRAM} <command> --help" for a command's options.`,
  ].join('\n');
}

/**
 * Runs the CLI with `args` (without node and the script) and resolves the exit code.
 * Usage errors and failures that keep the suite from running exit with 2.
 */
export async function runCli(args: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(`${topUsage(commands)}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${safeVersion()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`${PROGRAM}: unknown command "${name}"\n\n${topUsage(commands)}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_USAGE') {
      io.stderr.write(`${PROGRAM} ${command.name}: ${message}\n\n${command.usage}\n`);
    } else {
      io.stderr.write(`${PROGRAM} ${command.name}: ${typeof code === 'string' ? `${code}: ` : 'unexpected error: '}${message}\n`);
      if (process.env['BACKUP_CONFORMANCE_DEBUG'] === '1' && error instanceof Error) io.stderr.write(`${error.stack ?? ''}\n`);
    }
    return 2;
  }
}

function safeVersion(): string {
  try {
    return suiteVersion();
  } catch {
    return 'unknown';
  }
}
