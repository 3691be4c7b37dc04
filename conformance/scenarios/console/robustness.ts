/**
 * Console scenarios: random input never crashes the console, and the manual's example session
 * replays as printed.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConsoleRun } from '../../adapter.js';
import { scenario } from '../../scenario.js';
import { seededRandom as random } from '../../support/random.js';
import { BACKUP_EXECUTED, describeRun, errorLines, lines, restoredDump } from './support.js';

/**
 * Fragments random lines are made of: real commands (every path relative to the working
 * directory, so nothing is written outside the scenario), options, quotes, JSON, separators and
 * odd characters. No fragment drops a database or names an absolute path, and none holds a NUL
 * (an implementation may pass `-c` through a real command line).
 */
const FRAGMENTS = [
  'CONNECT plocal:../fuzzed admin admin',
  'CONNECT plocal:../fuzzed admin wrong',
  'CONNECT plocal:nowhere admin admin',
  'CONNECT remote:localhost/x admin admin',
  'CONNECT',
  'CREATE CLASS Fuzz',
  'CREATE DATABASE plocal:made',
  'INSERT INTO Fuzz CONTENT {"a": 1}',
  'INSERT INTO Fuzz CONTENT',
  'INSERT INTO',
  'SELECT FROM Fuzz LIMIT 2',
  'SELECT FROM #1:0',
  'SELECT COUNT(*) FROM Fuzz',
  'UPDATE #1:0 CONTENT {"b": [1, 2]}',
  'DELETE FROM Fuzz WHERE @rid = #1:0',
  'CREATE USER u IDENTIFIED BY p ROLE reader',
  'BACKUP DATABASE fuzz.zip',
  'BACKUP DATABASE',
  'BACKUP DATABASE inc -incremental',
  'RESTORE DATABASE fuzz.zip',
  'RESTORE DATABASE',
  'EXPORT DATABASE fuzz.gz',
  'IMPORT DATABASE fuzz.gz',
  'LIST CLASSES',
  'INFO',
  'HELP',
  'DISCONNECT',
  'EXIT',
  'backup database',
  '-compressionLevel=',
  '-compressionLevel=9',
  '-bufferSize=0',
  '-bufferSize=1024',
  '-incremental',
  '-foo=bar',
  '"',
  "'",
  '"quoted text"',
  '{',
  '}',
  '[',
  ']',
  '{"k": "v;w"}',
  ';',
  '\n',
  '\\',
  '#',
  ':',
  '=',
  '@rid',
  '*',
  '(',
  'x',
  '9',
  '-1',
  'é',
  '\t',
  '\u2028',
];

function randomLine(next: () => number): string {
  const count = 1 + Math.floor(next() * 8);
  let line = '';
  for (let i = 0; i < count; i++) line += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)]! + (next() < 0.7 ? ' ' : '');
  return line;
}

function checkRun(run: ConsoleRun, what: string): void {
  assert.ok(run.exitCode === 0 || run.exitCode === 1, `${what}: exit code ${run.exitCode}\n${describeRun(run)}`);
  const errors = errorLines(run);
  if (run.exitCode === 1) assert.ok(errors.length > 0, `${what}: exit code 1 without an "Error: " line\n${describeRun(run)}`);
  else assert.equal(errors.length, 0, `${what}: exit code 0 with an "Error: " line\n${describeRun(run)}`);
  for (const line of errors) assert.match(line, /\bERR_[A-Z0-9_]+\b/, `${what}: an error line without a code`);
  for (const line of [...lines(run.stdout), ...lines(run.stderr)]) assert.ok(!/^\s+at\s/.test(line), `${what}: a stack trace line: ${line}`);
}

export default [
  scenario({
    id: 'console/random-input-never-crashes',
    title: 'random command lines through -c and standard input end with exit code 0 or 1, every error coded, no stack trace',
    requirements: ['CONSOLE-045'],
    features: ['console'],
    property: true,
    timeoutMs: 120_000,
    async run(ctx) {
      await (await ctx.newDatabase('fuzzed')).close();
      const cwd = ctx.path('cwd');
      await mkdir(cwd);
      ctx.log(`seed ${ctx.seed}, ${ctx.runs} runs (replay with the same seed)`);
      const next = random(ctx.seed);
      for (let run = 0; run < ctx.runs && !ctx.signal.aborted; run++) {
        const line = randomLine(next);
        ctx.log(`run ${run} -c ${JSON.stringify(line)}`);
        checkRun(await ctx.impl.console(['-c', line], { cwd }), `run ${run}, -c ${JSON.stringify(line)}`);
        const input = Array.from({ length: 1 + Math.floor(next() * 3) }, () => randomLine(next)).join('\n');
        ctx.log(`run ${run} stdin ${JSON.stringify(input)}`);
        checkRun(await ctx.impl.console([], { cwd, stdin: input }), `run ${run}, stdin ${JSON.stringify(input)}`);
      }
    },
  }),

  scenario({
    id: 'console/manual-example-session',
    title: "the manual's session, CONNECT plocal:../databases/mydatabase admin admin then BACKUP DATABASE <w>/backups/mydb.zip, replays",
    requirements: ['CONSOLE-046'],
    features: ['console'],
    async run(ctx) {
      const w = ctx.workdir;
      await mkdir(join(w, 'console'));
      await mkdir(join(w, 'backups'));
      const conn = await ctx.impl.createDatabase(`plocal:${join(w, 'databases', 'mydatabase')}`);
      await conn.createClass('Item');
      for (let i = 0; i < 10; i++) await conn.insert('Item', { i });
      const dump = await conn.dump();
      await conn.close();

      const session = `CONNECT plocal:../databases/mydatabase admin admin\nBACKUP DATABASE ${join(w, 'backups', 'mydb.zip')}\n`;
      const run = await ctx.impl.console([], { stdin: session, cwd: join(w, 'console') });
      assert.equal(run.exitCode, 0, describeRun(run));
      const printed = lines(run.stdout);
      const backing = printed.indexOf('Backing current database to: database mydb.zip');
      assert.ok(backing >= 0, `no line "Backing current database to: database mydb.zip": ${describeRun(run)}`);
      assert.ok(printed.slice(backing + 1).some((line) => BACKUP_EXECUTED.test(line)), `no "Backup executed in <n.nn> seconds" line after it: ${describeRun(run)}`);
      assert.equal(await restoredDump(ctx, join(w, 'backups', 'mydb.zip'), 'restored'), dump);
    },
  }),
];
