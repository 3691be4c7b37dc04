import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatorFor } from '../../conformance/json-schema.js';
import { REPORT_SCHEMA } from '../../conformance/report/json-schema.js';
import { runCli } from '../../src/cli/cli.js';
import type { Command } from '../../src/cli/command.js';
import { parseRunArgs } from '../../src/cli/commands/run.js';
import { CLI, ROOT, TSX_LOADER, tsxCommandLine } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process with captured output. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c: Buffer) => out.push(c.toString()));
  stderr.on('data', (c: Buffer) => err.push(c.toString()));
  const code = await runCli(args, { stdin: new PassThrough(), stdout, stderr, cwd: ROOT, stderrIsTTY: false });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** Runs the compiled CLI in a child process, with tsx so it can load the TypeScript fake and toy suite. */
function spawnCli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', TSX_LOADER, CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const TOY = ['--scenarios', 'test/harness/toy-suite.ts', '--spec', 'test/harness/fixtures/toy-spec'];
const FAKE = ['--impl', 'test/harness/fake/fake-module.ts'];

describe('CLI usage', () => {
  it('prints the command table and exits 2 without a command; 0 for --help', async () => {
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Usage: backup-conformance <command> \[options\]\n\nCommands:\n {2}run +run the conformance suite/);
    expect((await cli('--help')).code).toBe(0);
    expect((await cli('--version')).stdout).toBe('0.1.0\n');
  });

  it('refuses unknown commands and bad options with exit 2 and the usage, never a stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['bogus'], /^backup-conformance: unknown command "bogus"/],
      [['run', '--reporter', 'xml'], /^backup-conformance run: --reporter: expected table, json or junit, received "xml"\n\nUsage: backup-conformance run/],
      [['run', '--out', 'x.json'], /--out must follow the --reporter whose output it receives/],
      [['run', '--reporter', 'json', '--out', 'a', '--out', 'b'], /--out given twice for --reporter json/],
      [['run', '--reporter', 'json', '--reporter', 'table'], /only one reporter may write to stdout, received json and table without --out/],
      [['run', '--seed', 'abc'], /--seed: expected an integer from 0 to 4294967295, received "abc"/],
      [['run', '--runs', '0'], /--runs: expected an integer from 1 to 1000000, received "0"/],
      [['run', '--frobnicate'], /Unknown option '--frobnicate'/],
      [['run', 'extra'], /Unexpected argument 'extra'/],
      [['run', '--impl', 'stdio:"unterminated'], /ERR_USAGE|unterminated " quote/],
      [['serve', '--impl', 'stdio:node x.js'], /ERR_IMPLEMENTATION_LOAD: serve cannot serve a stdio: implementation/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    }
  });

  it('pairs each --out with the --reporter before it', () => {
    expect(parseRunArgs(['--reporter', 'json', '--out', 'r.json', '--reporter', 'junit', '--out', 'r.xml', '--reporter', 'table']).reporters).toEqual([
      { name: 'json', out: 'r.json' },
      { name: 'junit', out: 'r.xml' },
      { name: 'table' },
    ]);
    expect(parseRunArgs([]).reporters).toEqual([{ name: 'table' }]);
    expect(parseRunArgs([]).impl).toBe('reference');
  });

  it('lets other files add commands to the table', async () => {
    const extra: Command = { name: 'verify', summary: 'verify an archive', usage: 'Usage: verify', run: async (args) => (args[0] === 'ok' ? 0 : 1) };
    const stdout = new PassThrough();
    const io = { stdin: new PassThrough(), stdout, stderr: new PassThrough(), cwd: ROOT, stderrIsTTY: false };
    expect(await runCli(['verify', 'ok'], io, [extra])).toBe(0);
    expect(await runCli(['verify', 'no'], io, [extra])).toBe(1);
  });

  it('explains a missing implementation module and an invalid expectations file (exit 2)', async () => {
    const missing = await cli('run', '--impl', './missing-impl.js');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`backup-conformance run: ERR_IMPLEMENTATION_LOAD: no implementation module at ${join(ROOT, 'missing-impl.js')} (give "reference", a module path, or "stdio:<command line>")\n`);
    const notAFactory = join(dir, 'not-a-factory.mjs');
    await writeFile(notAFactory, 'export default 42;\n');
    expect((await cli('run', '--impl', notAFactory)).stderr).toMatch(/expected a default export that is an ImplementationFactory \(a function\), received number/);
    // A module whose top level throws something that is not an Error: a clear error, not a TypeError.
    const throwsNumber = join(dir, 'throws-number.mjs');
    await writeFile(throwsNumber, 'throw 42;\n');
    const thrown = await cli('run', '--impl', throwsNumber);
    expect(thrown.code).toBe(2);
    expect(thrown.stderr).toMatch(/^backup-conformance run: ERR_IMPLEMENTATION_LOAD: cannot load .*throws-number\.mjs: 42 \(check that the file is an ES module/);
    const bad = join(dir, 'bad-expectations.json');
    await writeFile(bad, '{"expectations":[{"requirement":"TOY-001","status":"pass","reason":"x"}]}');
    const invalid = await cli('run', ...FAKE, ...TOY.slice(2), '--expectations', bad);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/ERR_INVALID_EXPECTATIONS: .*at \/expectations\/0\/status: expected one of "fail", "error", received "pass"/);
  });

  it('explains when the reference implementation is not built, or serves it when it is', () => {
    if (!existsSync(join(ROOT, 'dist/src/adapter/index.js'))) {
      const run = spawnSync(process.execPath, [CLI, 'run', '--grep', 'nothing'], { cwd: ROOT, encoding: 'utf8' });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^backup-conformance run: ERR_IMPLEMENTATION_LOAD: cannot load the reference implementation: .*\(run "npm run build" first/);
    } else {
      const serve = spawnSync(process.execPath, [CLI, 'serve'], { cwd: ROOT, encoding: 'utf8', input: '{"id":1,"method":"start","params":{"protocolVersion":1}}\n' });
      expect(serve.status).toBe(0);
      expect(JSON.parse(serve.stdout.split('\n')[0] ?? '')).toMatchObject({ id: 1, ok: true, result: { protocolVersion: 1 } });
    }
  });
});

describe('backup-conformance run (child process)', () => {
  it('runs a module implementation, prints the table and writes JSON and JUnit reports (exit 0)', async () => {
    const json = join(dir, 'out', 'report.json');
    const xml = join(dir, 'out', 'report.xml');
    const result = spawnCli('run', ...FAKE, ...TOY, '--seed', '5', '--runs', '2', '--reporter', 'json', '--out', json, '--reporter', 'junit', '--out', xml, '--reporter', 'table', '--progress');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^REQUIREMENT\s+LEVEL\s+STATUS\s+SCENARIOS\s+NOTE\nTOY-001\s+MUST\s+pass\s+2\/2\n/);
    expect(result.stdout).toMatch(/\nCONFORMANT: 5 MUST requirement\(s\) pass, 1 skipped \(unsupported optional features\) \(exit 0\)\n$/);
    expect(result.stderr).toMatch(/^\[1\/8\] pass {2}toy\/insert-load\n/);
    const report = JSON.parse(await readFile(json, 'utf8')) as { runInfo: Record<string, unknown> };
    expect(validatorFor(REPORT_SCHEMA)(report)).toBeUndefined();
    expect(report.runInfo).toMatchObject({ seed: 5, runs: 2, implementation: { name: 'fake', source: `module:${join(ROOT, 'test/harness/fake/fake-module.ts')}` } });
    expect(await readFile(xml, 'utf8')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="orientdb-backup-conformance" tests="9" failures="0" errors="0" skipped="1"/);
  });

  it('runs the same suite over stdio against `serve` with the traffic validated, with the same verdict', async () => {
    const stdio = `stdio:${tsxCommandLine('dist/src/cli/main.js', 'serve', '--impl', 'test/harness/fake/fake-module.ts')}`;
    const json = join(dir, 'stdio.json');
    const result = spawnCli('run', '--impl', stdio, '--validate-protocol', ...TOY, '--seed', '5', '--reporter', 'json', '--out', json);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    // With every reporter writing to a file, the verdict still shows, on stderr.
    expect(result.stderr).toBe('CONFORMANT: 5 MUST requirement(s) pass, 1 skipped (unsupported optional features) (exit 0)\n');
    const report = JSON.parse(await readFile(json, 'utf8')) as { runInfo: { implementation: { source: string } } };
    expect(report.runInfo.implementation.source).toBe(stdio);
  });

  it('exits 1 when a MUST fails, and 0 again when an expectations file lists the failures; unexpected passes are reported', async () => {
    const broken = join(dir, 'broken-impl.mjs');
    const url = (path: string) => pathToFileURL(join(ROOT, path)).href;
    await writeFile(
      broken,
      `import fake from '${url('test/harness/fake/fake-module.ts')}';
import { wrapFactory } from '${url('conformance/self-test/wrap.ts')}';
export default wrapFactory(fake, { connection: (inner) => ({ backup: (out, options, _callable, ...rest) => inner.backup(out, options, null, ...rest) }) });
`,
    );
    const failing = spawnCli('run', '--impl', broken, ...TOY);
    expect(failing.code, failing.stderr).toBe(1);
    expect(failing.stdout).toMatch(/\nTOY-004\s+MUST\s+FAIL\s+0\/1\n/);
    expect(failing.stdout).toMatch(/\nNOT CONFORMANT: 1 MUST requirement\(s\) fail: TOY-004 \(exit 1\)\n$/);

    const expectations = join(dir, 'expectations.json');
    await writeFile(
      expectations,
      JSON.stringify({
        expectations: [
          { requirement: 'TOY-004', reason: 'callable not wired yet (#4)' },
          { scenario: 'toy/callable-throws', reason: 'same bug' },
          { requirement: 'TOY-001', reason: 'thought broken' },
        ],
      }),
    );
    const expected = spawnCli('run', '--impl', broken, ...TOY, '--expectations', expectations);
    expect(expected.code, expected.stderr).toBe(0);
    expect(expected.stdout).toMatch(/\nTOY-004\s+MUST\s+FAIL\s+0\/1\s+expected fail: callable not wired yet \(#4\)\n/);
    expect(expected.stdout).toMatch(/\nTOY-001\s+MUST\s+pass\s+2\/2\s+UNEXPECTED PASS \(expected fail: thought broken\)\n/);
    expect(expected.stdout).toMatch(/CONFORMANT: 4 MUST requirement\(s\) pass, 1 skipped \(unsupported optional features\), 1 expected failure\(s\) \(exit 0\)\n$/);
  });

  it('exits 2 when the implementation cannot be run', () => {
    const result = spawnCli('run', '--impl', 'stdio:/nonexistent/impl', ...TOY, '--grep', 'insert');
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/\nTOY-001\s+MUST\s+ERROR\s+0\/1\n/);
    expect(result.stdout).toMatch(/UNKNOWN: 1 MUST requirement\(s\) could not be tested \(error\): TOY-001 \(exit 2\)\n$/);
  });
});
