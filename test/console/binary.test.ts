/**
 * The real executable: `node dist/src/cli/main.js console ...` in a child process (compiled by the
 * global setup). What the child reported as done must be on disk once it exited.
 */
import { spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { FAST, tempDir } from '../engine/_helpers.js';
import { lines } from './_helpers.js';

const MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

interface ChildRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the console binary; `stdin` is piped in and ended; `onStdout` sees each chunk and may destroy the pipe. */
function consoleBinary(args: readonly string[], cwd: string, stdin = '', onStdout?: (child: ReturnType<typeof spawn>) => void): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'console', ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(child);
    });
    child.stdout.on('error', () => undefined);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

let dir: string;
let cleanup: () => Promise<void>;
let url: string;

beforeEach(async () => {
  ({ path: dir, cleanup } = await tempDir('console-bin-'));
  url = `plocal:${join(dir, 'db')}`;
  const db = await Database.create(url, FAST);
  await db.createClass('Item');
  await db.close();
});
afterEach(async () => {
  await cleanup();
});

async function count(): Promise<number> {
  const db = await Database.open(url, 'admin', 'admin', FAST);
  try {
    return await db.count('Item');
  } finally {
    await db.close();
  }
}

describe('backup-conformance console (the executable)', () => {
  it('runs -c: the manual lines, exit 0, and the backup file on disk', async () => {
    const run = await consoleBinary(['-c', `CONNECT ${url} admin admin; INSERT INTO Item CONTENT {"a": 1}; BACKUP DATABASE out.zip`], dir);
    expect(run).toMatchObject({ exitCode: 0, stderr: '' });
    expect(lines(run.stdout).slice(-2)).toEqual(['Backing current database to: database out.zip', expect.stringMatching(/^Backup executed in \d+\.\d{2} seconds$/)]);
    expect((await stat(join(dir, 'out.zip'))).size).toBeGreaterThan(100);
    expect(await count()).toBe(1);
  });

  it('runs a script of 2000 INSERTs whose records are all on disk once the process ended', async () => {
    const inserts = Array.from({ length: 2000 }, (_, i) => `INSERT INTO Item CONTENT {"i": ${i}}`);
    await writeFile(join(dir, 'load.osql'), `CONNECT ${url} admin admin\n${inserts.join('\n')}\n`);
    const run = await consoleBinary(['load.osql'], dir);
    expect(run.exitCode).toBe(0);
    expect(lines(run.stdout)).toHaveLength(2001);
    expect(await count()).toBe(2000);
  });

  it('reads piped standard input as an interactive session and exits 1 after a failure', async () => {
    const run = await consoleBinary([], dir, `CONNECT ${url} admin admin\nINSERT INTO Nope CONTENT {}\nINSERT INTO Item CONTENT {"after": true}\n`);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('orientdb> INSERT INTO Item CONTENT {"after": true}');
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^Error: ERR_CLASS_NOT_FOUND: /)]);
    expect(await count()).toBe(1);
  });

  it('stops at EXIT even though standard input is still open', async () => {
    const child = spawn(process.execPath, [MAIN, 'console'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.write('HELP\nEXIT\n');
    const exitCode = await new Promise((resolve) => child.on('close', resolve));
    expect(exitCode).toBe(0);
  });

  it('exits 1 with an Error line for a failing command and 2 for a malformed command line, never with a stack trace', async () => {
    const failing = await consoleBinary(['-c', 'BACKUP DATABASE x.zip'], dir);
    expect(failing.exitCode).toBe(1);
    expect(failing.stderr).toMatch(/^Error: ERR_CONSOLE_NO_DATABASE: Database not selected\./);
    const usage = await consoleBinary(['--bogus'], dir);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/^Error: ERR_USAGE: Unknown option '--bogus'/);
    for (const run of [failing, usage]) expect(`${run.stdout}${run.stderr}`).not.toMatch(/^\s+at\s/m);
  });

  it('survives a reader that goes away (| head) without a stack trace', async () => {
    const db = await Database.open(url, 'admin', 'admin', { ...FAST, durability: 'batch' });
    for (let i = 0; i < 3000; i++) await db.insert('Item', { i, padding: 'x'.repeat(40) });
    await db.close();
    const run = await consoleBinary(['-c', `CONNECT ${url} admin admin; SELECT FROM Item`], dir, '', (child) => child.stdout?.destroy());
    expect([0, 1]).toContain(run.exitCode);
    if (run.exitCode === 1) expect(run.stderr).toMatch(/^Error: ERR_IO: Standard output failed/);
    expect(run.stderr).not.toMatch(/^\s+at\s/m);
  });
});
