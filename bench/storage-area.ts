/**
 * How long the storage area of the conformance suite takes through the adapter, and how much of
 * that is password hashing (scrypt runs once per createDatabase, openDatabase and createUser, and
 * once per refused login). Prints a Markdown table.
 *
 * Run after a build: `node dist/bench/storage-area.js [--stdio]`.
 * - in-process rows: the reference adapter, concurrency 1 and 4, with scrypt timed through a
 *   wrapper around `crypto.scrypt`; the "cheap KDF" row forces the scrypt cost N to 16 to show
 *   what the area costs without hashing (a projection: stored hashes still name the real cost).
 * - `--stdio`: also the area over the stdio protocol (`backup-conformance serve` in a child
 *   process; scrypt is not timed there).
 */
import crypto, { type BinaryLike, type ScryptOptions } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { ImplementationFactory } from '../conformance/adapter.js';
import { stdioFactory } from '../conformance/protocol/client.js';
import { runSuite } from '../conformance/runner/run-suite.js';
import { storageScenarios } from '../conformance/scenarios/storage/index.js';
import referenceFactory from '../src/adapter/index.js';

type ScryptCallback = (error: Error | null, key: Buffer) => void;

/** Time and count of scrypt calls since the last {@link takeScryptStats}. */
const stats = { calls: 0, ms: 0 };
let forcedCost: number | undefined;

const realScrypt = crypto.scrypt;
function instrumentedScrypt(password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions, callback: ScryptCallback): void {
  const started = performance.now();
  stats.calls++;
  const chosen = forcedCost === undefined ? options : { ...options, N: forcedCost, cost: undefined };
  realScrypt(password, salt, keylen, chosen, (error, key) => {
    stats.ms += performance.now() - started;
    callback(error, key);
  });
}
(crypto as { scrypt: unknown }).scrypt = instrumentedScrypt;
syncBuiltinESMExports();

function takeScryptStats(): { calls: number; ms: number } {
  const taken = { ...stats };
  stats.calls = 0;
  stats.ms = 0;
  return taken;
}

interface Row {
  readonly run: string;
  readonly scenarios: number;
  readonly passed: number;
  readonly wallMs: number;
  readonly scryptCalls?: number;
  readonly scryptMs?: number;
}

async function area(run: string, factory: ImplementationFactory, concurrency: number): Promise<Row> {
  takeScryptStats();
  const started = performance.now();
  const report = await runSuite({ factory, scenarios: storageScenarios, seed: 1, concurrency });
  const wallMs = performance.now() - started;
  const scrypt = takeScryptStats();
  const failed = report.results.filter((r) => r.status !== 'pass');
  for (const result of failed) process.stderr.write(`${run}: ${result.scenario} ${result.status}: ${result.message ?? ''}\n`);
  return {
    run,
    scenarios: report.results.length,
    passed: report.results.length - failed.length,
    wallMs,
    ...(scrypt.calls === 0 ? {} : { scryptCalls: scrypt.calls, scryptMs: scrypt.ms }),
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  rows.push(await area('in-process, concurrency 1', referenceFactory, 1));
  rows.push(await area('in-process, concurrency 4', referenceFactory, 4));
  forcedCost = 16;
  rows.push(await area('in-process, concurrency 1, cheap KDF (N=16)', referenceFactory, 1));
  rows.push(await area('in-process, concurrency 4, cheap KDF (N=16)', referenceFactory, 4));
  forcedCost = undefined;
  if (process.argv.includes('--stdio')) {
    const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
    const factory = stdioFactory([process.execPath, main, 'serve']);
    try {
      rows.push(await area('stdio, concurrency 1', factory, 1));
      rows.push(await area('stdio, concurrency 4', factory, 4));
    } finally {
      await factory.close();
    }
  }
  const lines = [
    '| run | scenarios passed | wall time (s) | scrypt calls | time inside scrypt (s) | share of wall time |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) =>
      [
        row.run,
        `${row.passed}/${row.scenarios}`,
        (row.wallMs / 1000).toFixed(2),
        row.scryptCalls ?? 'n/a',
        row.scryptMs === undefined ? 'n/a' : (row.scryptMs / 1000).toFixed(2),
        row.scryptMs === undefined ? 'n/a' : `${Math.round((100 * row.scryptMs) / row.wallMs)} %`,
      ].join(' | '),
    ).map((line) => `| ${line} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write('At concurrency 4 scrypt calls overlap, so their summed time can exceed the wall time.\n');
}

await main();
