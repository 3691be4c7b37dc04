/**
 * `backup-conformance serve`: serves an implementation (the reference by default) over the stdio
 * protocol, for runners in other processes.
 *
 * @packageDocumentation
 */
import { parseArgs } from 'node:util';
import { serveImplementation } from '../../../conformance/protocol/server.js';
import { usageError, type Command } from '../command.js';
import { loadImplementation } from '../load-implementation.js';
import { messageOf } from '../../errors.js';

const USAGE = `Usage: backup-conformance serve [--impl reference|<module path>]

Serves an implementation over the stdio protocol (spec/protocol.md): line-delimited JSON requests on
stdin, responses and events on stdout, diagnostics on stderr. Ends when stdin ends.

Options:
  --impl <impl>   reference (default) or an ES module whose default export is the factory
  -h, --help      Show this help`;

/** The `serve` command. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve an implementation over the stdio protocol',
  usage: USAGE,
  async run(args, io) {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...args],
        strict: true,
        allowPositionals: false,
        options: { impl: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      }));
    } catch (error) {
      throw usageError(messageOf(error), USAGE);
    }
    if (values.help === true) {
      // stdout is the protocol channel of serve; help goes there only when asked for explicitly.
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const implementation = await loadImplementation(values.impl ?? 'reference', { cwd: io.cwd, allowStdio: false });
    await serveImplementation(implementation.factory, io.stdin, io.stdout, { log: (line) => io.stderr.write(`${line}\n`) });
    return 0;
  },
};
