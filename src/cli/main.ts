#!/usr/bin/env node
/**
 * The `backup-conformance` executable (package.json `bin`: dist/src/cli/main.js).
 *
 * @packageDocumentation
 */
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  stderrIsTTY: process.stderr.isTTY === true,
});
