/**
 * `backup-conformance console`: the OrientDB-style console of the reference implementation.
 *
 * @packageDocumentation
 */
import { CONSOLE_USAGE, runConsole } from '../../console/run-console.js';
import type { Command } from '../command.js';

/** The `console` command: its own usage errors exit with 2, a failing console command with 1. */
export const consoleCommand: Command = {
  name: 'console',
  summary: 'the OrientDB-style console: BACKUP DATABASE, RESTORE DATABASE and the commands around them',
  usage: CONSOLE_USAGE,
  run(args, io) {
    // A reader that goes away (`| head`) makes later writes fail with EPIPE, possibly after the
    // console returned; the console stops on the first failed write, the process must not crash.
    io.stdout.on('error', () => undefined);
    return runConsole(args, {
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      cwd: io.cwd,
      isTty: (io.stdout as { isTTY?: boolean }).isTTY === true,
      stdinIsTty: (io.stdin as { isTTY?: boolean }).isTTY === true,
    });
  },
};
