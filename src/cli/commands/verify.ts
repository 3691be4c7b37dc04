/**
 * `backup-conformance verify <archive|directory>`: checks a backup without restoring it, prints
 * one line per file and a verdict, and exits 0 when it is valid, 1 when it is not, 2 on a usage
 * error.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { verifyBackup } from '../../verify/verify-backup.js';
import { usageError, type Command } from '../command.js';
import { messageOf } from '../../errors.js';

const USAGE = `Usage: backup-conformance verify <archive|directory>

Checks a full backup archive (every entry's CRC-32 and size, the manifest's sizes and SHA-256, the
database structure and page checksums) or a directory of incremental backup files (every file and
every link of the chain), without restoring anything. Prints one line per file and a verdict.

Exit status: 0 valid, 1 invalid, 2 usage error.

Options:
  -h, --help   Show this help`;

/** The `verify` command. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check a backup archive or an incremental chain without restoring it',
  usage: USAGE,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({ args: [...args], strict: true, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
    } catch (error) {
      throw usageError(messageOf(error), USAGE);
    }
    if (parsed.values.help === true) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (parsed.positionals.length !== 1 || parsed.positionals[0] === '') {
      throw usageError(`expected exactly one archive or directory, got ${parsed.positionals.length}`, USAGE);
    }
    const report = await verifyBackup(resolve(io.cwd, parsed.positionals[0]!));
    for (const line of report.lines) io.stdout.write(`${line}\n`);
    return report.valid ? 0 : 1;
  },
};
