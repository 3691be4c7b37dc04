/**
 * The console in-process: its own command line, the three modes, the terminal (line editing,
 * history, Ctrl-C, the progress bar), durability at the end, error lines, and what the
 * conformance scenarios cannot see (script locations, escaped control characters, a closed
 * standard output, memory databases ending with the run).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONSOLE_USAGE, runConsole } from '../../src/console/run-console.js';
import { Database } from '../../src/engine/index.js';
import { FAST, tempDir } from '../engine/_helpers.js';
import { consoleRun, lines } from './_helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
let url: string;

beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir('console-'));
  url = `plocal:${join(dir, 'db')}`;
  const db = await Database.create(url, FAST);
  await db.createClass('Item');
  await db.insert('Item', { n: 1 });
  await db.close();
});
afterEach(async () => {
  await cleanup();
});

describe('the console command line', () => {
  it('prints its usage for --help and exits 0', async () => {
    const run = await consoleRun(['--help'], { cwd: dir });
    expect(run).toEqual({ exitCode: 0, stdout: `${CONSOLE_USAGE}\n`, stderr: '' });
  });

  it.each([
    [['--frobnicate'], "Unknown option '--frobnicate'"],
    [['-c'], '-c needs the commands to run'],
    [['-c', 'INFO', 'script.osql'], 'either -c'],
    [['a.osql', 'b.osql'], 'either -c'],
  ])('refuses %j with ERR_USAGE and exit code 2', async (args, message) => {
    const run = await consoleRun(args, { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(lines(run.stderr)[0]).toMatch(/^Error: ERR_USAGE: /);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: backup-conformance console');
  });

  it('refuses a script file it cannot read with exit code 2', async () => {
    const run = await consoleRun(['missing.osql'], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^Error: ERR_USAGE: Cannot read the script file 'missing.osql'/);
    const directory = await consoleRun(['.'], { cwd: dir });
    expect(directory.exitCode).toBe(2);
    expect(directory.stderr).toMatch(/^Error: ERR_USAGE: Cannot read the script file '\.': it is a directory/);
  });

  it('runs a script far longer than one piece of lexing, lexing it as it goes', async () => {
    const filler = `INFO\n${'  '.repeat(40_000)}\n`;
    await writeFile(join(dir, 'long.osql'), `CONNECT ${url} admin admin\n${filler}${filler}INSERT INTO Item CONTENT {"text": "${'é'.repeat(70_000)}"}\nSELECT COUNT(*) FROM Item\n`);
    const run = await consoleRun(['long.osql'], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(lines(run.stdout).slice(-1)).toEqual(['{"count":2}']);
  });
});

describe('-c and script mode', () => {
  it('names the script and the line of a failing command', async () => {
    await writeFile(join(dir, 'load.osql'), `\uFEFFCONNECT ${url} admin admin\n\nINSERT INTO Item CONTENT {"a":\n 1}\nINSERT INTO Nope CONTENT {}\nINFO\n`);
    const run = await consoleRun(['load.osql'], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^Error: ERR_CLASS_NOT_FOUND: .* \(load\.osql line 5\)$/)]);
    expect(run.stdout).not.toContain('Database:');
  });

  it('leaves every write durable: a new process-wide open after the run sees it', async () => {
    const inserts = Array.from({ length: 300 }, (_, i) => `INSERT INTO Item CONTENT {"i": ${i}}`);
    const run = await consoleRun(['-c', [`CONNECT ${url} admin admin`, ...inserts].join('; ')], { cwd: dir });
    expect(run.exitCode).toBe(0);
    const db = await Database.open(url, 'admin', 'admin', FAST);
    expect(await db.count('Item')).toBe(301);
    await db.close();
  });

  it('flushes and closes the connection when a command fails, so nothing reported is lost', async () => {
    const run = await consoleRun(['-c', `CONNECT ${url} admin admin; INSERT INTO Item CONTENT {"kept": true}; INSERT INTO Nope CONTENT {}`], { cwd: dir });
    expect(run.exitCode).toBe(1);
    const db = await Database.open(url, 'admin', 'admin', FAST);
    expect(await db.count('Item')).toBe(2);
    await db.close();
  });

  it('ends the memory: databases it created with the run, as they end with OrientDB\'s console process', async () => {
    const run = await consoleRun(['-c', 'CREATE DATABASE memory:console-test; CREATE CLASS A; INFO'], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Storage: memory');
    expect(await Database.exists('memory:console-test')).toBe(false);
  });

  it('prints control characters typed by the user escaped, never raw', async () => {
    const run = await consoleRun(['-c', 'FROB\u001b[2J "a\rb"'], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).not.toMatch(/[\r\u001b]/);
    expect(run.stderr).toContain('FROB\\u001b[2J');
  });

  it('stops with ERR_IO, without crashing, when standard output fails', async () => {
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const stderr = new PassThrough();
    let errors = '';
    stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const commands = ['HELP', ...Array.from({ length: 20 }, () => 'HELP')].join('; ');
    const exitCode = await runConsole(['-c', commands], { stdin: new PassThrough(), stdout, stderr, cwd: dir, isTty: false });
    expect(exitCode).toBe(1);
    expect(errors).toMatch(/^Error: ERR_IO: Standard output failed: write EPIPE/m);
  });
});

describe('interactive mode off a terminal', () => {
  it('echoes each command after the prompt, so the output reads like the manual', async () => {
    const run = await consoleRun([], { cwd: dir, stdin: `CONNECT ${url} admin admin\nSELECT COUNT(*) FROM Item\n` });
    expect(run.exitCode).toBe(0);
    expect(lines(run.stdout)).toEqual([
      `orientdb> CONNECT ${url} admin admin`,
      `Connecting to database [${url}] with user 'admin'...OK`,
      'orientdb> SELECT COUNT(*) FROM Item',
      '{"count":1}',
    ]);
  });

  it('runs a last command that has no line break, and reports an open JSON value at the end of input', async () => {
    const last = await consoleRun([], { cwd: dir, stdin: `CONNECT ${url} admin admin\nSELECT COUNT(*) FROM Item` });
    expect(last.stdout).toContain('{"count":1}');
    const open = await consoleRun([], { cwd: dir, stdin: `CONNECT ${url} admin admin\nINSERT INTO Item CONTENT {"a": [1,\n` });
    expect(open.exitCode).toBe(1);
    expect(open.stderr).toMatch(/^Error: ERR_CONSOLE_SYNTAX: Unterminated JSON value starting at line 2/m);
  });
});

describe('interactive mode on a terminal', () => {
  it('prompts, recalls the previous command with the up arrow, and continues an open JSON value on the next line', async () => {
    const run = await consoleRun([], {
      cwd: dir,
      isTty: true,
      stdin: [`CONNECT ${url} admin admin\r`, 'CREATE CLASS Twice\r', '\u001b[A\r', 'INSERT INTO Item CONTENT {"a":\r', '2}\r'],
    });
    expect(run.stdout).toContain('orientdb> ');
    expect(run.stdout).toContain('...> ');
    // The recalled CREATE CLASS ran a second time and failed.
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^Error: ERR_CLASS_EXISTS: /)]);
    expect(run.exitCode).toBe(1);
    const db = await Database.open(url, 'admin', 'admin', FAST);
    expect((await db.dump()).includes('{"content":{"a":2}')).toBe(true);
    await db.close();
  });

  it('drops an unfinished command on Ctrl-C and leaves on Ctrl-C at an empty prompt', async () => {
    const run = await consoleRun([], {
      cwd: dir,
      isTty: true,
      stdin: [`CONNECT ${url} admin admin\r`, 'INSERT INTO Item CONTENT {"a":\r', '\u0003', 'SELECT COUNT(*) FROM Item\r', '\u0003', 'CREATE CLASS Never\r'],
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('^C');
    expect(run.stdout).toContain('{"count":1}');
    const db = await Database.open(url, 'admin', 'admin', FAST);
    expect(db.classes().map((c) => c.name)).toEqual(['Item']);
    await db.close();
  });

  it('shows a progress bar during BACKUP and erases it before the final line', async () => {
    await mkdir(join(dir, 'out'));
    const run = await consoleRun(['-c', `CONNECT ${url} admin admin; BACKUP DATABASE out/b.zip`], { cwd: dir, isTty: true, stdinIsTty: false });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/\r\[#+\] 100% /);
    expect(run.stdout).toMatch(/\r\u001b\[KBackup executed in \d+\.\d{2} seconds\n$/);
    expect(lines(run.stdout)[1]).toBe('Backing current database to: database b.zip');
  });
});
