/**
 * Console fuzzing: scripts of commands built from the console's grammar (connections, schema,
 * records, BACKUP with and without -incremental and options, RESTORE, EXPORT, IMPORT, INFO...)
 * with random arguments, some lines mutated character by character, run in-process through `-c`
 * or standard input. The console must never crash: it ends within a time limit with exit code 0
 * or 1, writes only `Error: <known code>: ...` lines on standard error (never ERR_INTERNAL,
 * never a stack trace), and exits 1 exactly when some command failed.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { ERROR_CODES } from '../../../src/errors.js';
import { consoleRun, lines } from '../../console/_helpers.js';
import { within } from '../../faults/_support/databases.js';

const RUN_MS = 60_000;

const name = fc.constantFrom('db', 'other', 'x', 'Item', 'a b', '..', '../db', 'db/', '');
const number = fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom('1e3', '0x10', '', 'NaN', '9999999999', '1.5', '-0'));
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
  fc.constantFrom('{', '{"a":', '{"a": [1, {"b": "c;d"}]}', "{'a': 1}", '[]', 'null'),
);
const file = fc.constantFrom('backup.zip', 'b.zip', 'chain', 'chain/', 'out.json.gz', 'missing.zip', 'db', '/nonexistent/dir/x.zip', 'nested/dir/b.zip', '"quoted name.zip"', '');

const grammarLine: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(name, fc.constantFrom('admin admin', 'admin wrong', 'nobody x', '')).map(([db, who]) => `CONNECT plocal:${db} ${who}`),
  fc.tuple(name, fc.constantFrom('memory', 'plocal', 'remote')).map(([db, kind]) => `CREATE DATABASE ${kind === 'remote' ? 'remote:host/' : `${kind}:`}${db} admin admin`),
  name.map((className) => `CREATE CLASS ${className}`),
  fc.tuple(name, json).map(([className, value]) => `INSERT INTO ${className} CONTENT ${value}`),
  name.map((className) => `SELECT FROM ${className}`),
  fc.tuple(name, fc.nat({ max: 5 })).map(([className, limit]) => `SELECT FROM ${className} LIMIT ${limit}`),
  fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 5 }), json).map(([cluster, position, value]) => `UPDATE #${cluster}:${position} CONTENT ${value}`),
  fc.tuple(name, fc.nat({ max: 3 }), fc.nat({ max: 5 })).map(([className, cluster, position]) => `DELETE FROM ${className} WHERE @rid = #${cluster}:${position}`),
  fc
    .tuple(file, fc.boolean(), fc.option(number), fc.option(number), fc.constantFrom('', '-x', '-compressionLevel', '--bufferSize=3'))
    .map(([target, incremental, level, buffer, extra]) =>
      [
        'BACKUP DATABASE',
        target,
        incremental ? '-incremental' : '',
        level === null ? '' : `-compressionLevel=${level}`,
        buffer === null ? '' : `-bufferSize=${buffer}`,
        extra,
      ].join(' '),
    ),
  file.map((source) => `RESTORE DATABASE ${source}`),
  file.map((target) => `EXPORT DATABASE ${target}`),
  file.map((source) => `IMPORT DATABASE ${source}`),
  fc.tuple(fc.constantFrom('reader', 'writer', 'admin', 'chief'), fc.string({ maxLength: 6 })).map(([role, user]) => `CREATE USER ${user} IDENTIFIED BY pw ROLE ${role}`),
  fc.constantFrom('LIST CLASSES', 'INFO', 'HELP', 'DISCONNECT', 'EXIT', 'DROP DATABASE plocal:gone admin admin', '', ';', 'BACKUP', 'RESTORE'),
);

/** A line as typed, or with a few characters replaced, inserted or removed. */
const line: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: grammarLine },
  {
    weight: 1,
    arbitrary: fc.tuple(grammarLine, fc.array(fc.tuple(fc.nat(), fc.constantFrom('', ' ', '"', "'", '\\', ';', '{', '}', '-', '=', '\u0000', 'é', '\t', '#')), { minLength: 1, maxLength: 3 })).map(([text, edits]) => {
      let edited = text;
      for (const [at, replacement] of edits) {
        const index = edited.length === 0 ? 0 : at % edited.length;
        edited = edited.slice(0, index) + replacement + edited.slice(index + 1);
      }
      return edited;
    }),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** A script: a connection most of the time, then a few lines. */
const script = fc.tuple(fc.boolean(), fc.array(line, { minLength: 1, maxLength: 6 })).map(([connect, body]) => (connect ? ['CONNECT plocal:db admin admin', ...body] : body));

/** Checks one console run against the oracle of the module comment. */
function checkRun(run: { exitCode: number; stdout: string; stderr: string }, what: string): void {
  expect([0, 1], `${what}: exit code`).toContain(run.exitCode);
  const errors = lines(run.stderr);
  for (const error of errors) {
    const match = /^Error: (ERR_[A-Z0-9_]+): \S/.exec(error);
    expect(match, `${what}: an uncoded line on standard error: ${error}`).not.toBeNull();
    expect(Object.keys(ERROR_CODES), what).toContain(match![1]);
    expect(match![1], `${what}: ${error}`).not.toBe('ERR_INTERNAL');
  }
  expect(run.exitCode === 1, `${what}: exit code ${run.exitCode} with ${errors.length} errors`).toBe(errors.length > 0);
  expect(`${run.stdout}\n${run.stderr}`, `${what}: a stack trace`).not.toMatch(/^\s+at\s.+:\d+:\d+\)?$/m);
}

/**
 * The property: in a fresh directory holding the database `db` (created by the first run's
 * CREATE), a script runs through `-c` (joined with `;`) or through standard input, and the
 * console behaves as the module comment says.
 */
export function consoleProperty(root: string): fc.IAsyncPropertyWithHooks<[string[], boolean]> {
  let run = 0;
  return fc.asyncProperty(script, fc.boolean(), async (commands, viaStdin) => {
    const cwd = join(root, `run-${run++}`);
    await mkdir(cwd, { recursive: true });
    try {
      // A database to connect to: most scripts start with CONNECT plocal:db.
      await within(consoleRun(['-c', 'CREATE DATABASE plocal:db admin admin; CREATE CLASS Item; INSERT INTO Item CONTENT {"n": 1}'], { cwd }), RUN_MS, 'setup');
      const what = `console ${viaStdin ? 'stdin' : '-c'} ${JSON.stringify(commands)}`;
      const result = viaStdin
        ? await within(consoleRun([], { cwd, stdin: commands.join('\n') }), RUN_MS, what)
        : await within(consoleRun(['-c', commands.join('; ')], { cwd }), RUN_MS, what);
      checkRun(result, what);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
}
