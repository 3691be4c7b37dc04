/**
 * Random command lines never crash the console and never reach a failure without a code: every
 * failing command is one `Error: <code>: ...` line, and no failure is ERR_INTERNAL (a bug).
 * Replay a failure with FC_SEED=<seed printed by fast-check>.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { FAST, tempDir } from '../engine/_helpers.js';
import { consoleRun, lines } from './_helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ path: dir, cleanup } = await tempDir('console-fuzz-'));
  const db = await Database.create(`plocal:${join(dir, 'fuzzed')}`, FAST);
  await db.createClass('Fuzz');
  await db.insert('Fuzz', { a: 1 });
  await db.close();
});
afterAll(async () => {
  await cleanup();
});

const fragment = fc.oneof(
  fc.constantFrom(
    'CONNECT plocal:fuzzed admin admin',
    'CONNECT plocal:fuzzed admin nope',
    'CONNECT remote:h/x a b',
    'CREATE', 'DATABASE', 'CLASS', 'USER', 'Fuzz', 'INSERT INTO Fuzz CONTENT', 'SELECT', 'FROM', 'COUNT(*)', 'LIMIT', 'UPDATE',
    'DELETE FROM Fuzz WHERE', '@rid', '=', '#1:0', '#0:99', '#x', 'IDENTIFIED BY', 'ROLE', 'reader', 'chief', 'CONTENT',
    'BACKUP DATABASE', 'RESTORE DATABASE', 'EXPORT DATABASE', 'IMPORT DATABASE', 'out.zip', 'out.gz', 'LIST CLASSES', 'INFO',
    'HELP', 'DISCONNECT', 'EXIT', 'DROP DATABASE plocal:nothing admin admin', '-incremental', '-compressionLevel=', '-compressionLevel=3',
    '-bufferSize=', '-bufferSize=99999999999', '-x', '--', '-', '"', "'", '\\', '{', '}', '[', ']', '{"a": [1, {"b": "c;d"}]}', '[1]',
    ';', '\n', '\r\n', '\t', ' ', 'é', '\u2028', '\u001b', '\u0000',
  ),
  fc.string({ maxLength: 6 }),
);
const line = fc.array(fragment, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(' '));

function check(run: { exitCode: number; stdout: string; stderr: string }): void {
  expect([0, 1]).toContain(run.exitCode);
  const errors = lines(run.stderr).filter((text) => text.startsWith('Error: '));
  expect(lines(run.stderr)).toEqual(errors);
  for (const error of errors) {
    expect(error).toMatch(/^Error: ERR_[A-Z0-9_]+: \S/);
    expect(error).not.toContain('ERR_INTERNAL');
  }
  if (run.exitCode === 1) expect(errors.length).toBeGreaterThan(0);
  else expect(errors).toEqual([]);
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/^\s+at\s/m);
}

describe('random console input', () => {
  it('through -c and standard input: exit 0 or 1, every failure coded, none internal', async () => {
    await fc.assert(
      fc.asyncProperty(line, fc.array(line, { minLength: 1, maxLength: 3 }), async (dashC, input) => {
        check(await consoleRun(['-c', dashC], { cwd: dir }));
        check(await consoleRun([], { cwd: dir, stdin: input.join('\n') }));
      }),
      { seed: process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED), numRuns: 60 },
    );
  }, 120_000);
});
