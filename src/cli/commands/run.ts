/**
 * `backup-conformance run`: runs the conformance suite against an implementation and reports.
 *
 * @packageDocumentation
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { REPORTERS, type ReporterName } from '../../../conformance/report/index.js';
import { loadExpectations } from '../../../conformance/runner/expectations.js';
import { runSuite } from '../../../conformance/runner/run-suite.js';
import type { Scenario } from '../../../conformance/scenario.js';
import { allScenarios } from '../../../conformance/scenarios/index.js';
import { loadSpec } from '../../../conformance/spec/load-spec.js';
import { integerOption, usageError, type Command } from '../command.js';
import { loadImplementation } from '../load-implementation.js';
import { messageOf } from '../../errors.js';

const USAGE = `Usage: backup-conformance run [options]

Runs the conformance suite against an implementation and prints the requirement matrix.

Options:
  --impl <impl>            The implementation under test (default: reference):
                             reference             the reference implementation of this package
                             <path>                an ES module whose default export is the factory
                             "stdio:<command>"     a process speaking the stdio protocol (spec/protocol.md);
                                                   the command is split like a shell would, but no shell runs
  --reporter <name>        table, json or junit; repeatable (default: table)
  --out <path>             Write the output of the preceding --reporter to <path> instead of stdout;
                           at most one reporter may write to stdout
  --grep <text>            Run only scenarios whose id, title or requirement ids contain <text>
                           (case-insensitive), e.g. BACKUP-004, backup/, compression
  --seed <n>               Seed for the property scenarios (default: random, printed in the report)
  --runs <n>               Runs per property scenario (default: 25)
  --expectations <file>    Known failures (JSON, see conformance/README.md); expected failures do not
                           fail the run, unexpected passes are reported
  --concurrency <n>        Scenarios run at once (default: 1)
  --timeout <ms>           Time limit of scenarios that set none (default: 30000)
  --request-timeout <ms>   stdio: time an implementation may take to answer one request (default: 60000)
  --validate-protocol      stdio: validate all traffic against the protocol's JSON Schemas
  --spec <dir>             The requirement files (default: the package's spec/)
  --scenarios <module>     Run the scenarios a module exports (default export or "scenarios") instead of
                           the suite's own (for suite development)
  --progress               Print a line per scenario on stderr (default: when stderr is a terminal)
  -h, --help               Show this help

Exit codes: 0 every MUST requirement passes (or fails as expected); 1 a MUST requirement fails;
2 the harness or the implementation could not be run (usage errors included).`;

interface ReporterTarget {
  readonly name: ReporterName;
  out?: string;
}

/** The `run` command. */
export const runCommand: Command = {
  name: 'run',
  summary: 'run the conformance suite against an implementation',
  usage: USAGE,
  async run(args, io) {
    const options = parseRunArgs(args);
    if (options.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const spec = await loadSpec(options.spec === undefined ? {} : { dir: resolve(io.cwd, options.spec) });
    for (const problem of spec.problems.slice(0, 5)) io.stderr.write(`warning: ${problem.file}:${problem.line}: ${problem.message}\n`);
    if (spec.problems.length > 5) io.stderr.write(`warning: ${spec.problems.length - 5} more spec problem(s)\n`);

    const scenarios = options.scenarios === undefined ? allScenarios : await loadScenarios(resolve(io.cwd, options.scenarios));
    const expectations =
      options.expectations === undefined
        ? undefined
        : await loadExpectations(resolve(io.cwd, options.expectations), {
            scenarios: scenarios.map((s) => s.id),
            requirements: [...spec.requirements.map((r) => r.id), ...scenarios.flatMap((s) => s.requirements)],
          });

    const implementation = await loadImplementation(options.impl, {
      cwd: io.cwd,
      allowStdio: true,
      validateProtocol: options.validateProtocol,
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    });
    const showProgress = options.progress || io.stderrIsTTY;
    // A scenario that leaves a promise unawaited must not take the whole run down when it rejects
    // (for instance because the implementation's process crashed): report it and go on.
    const onUnhandled = (reason: unknown): void => {
      io.stderr.write(`warning: a promise rejected without a handler: ${reason instanceof Error ? reason.message : String(reason)}\n`);
    };
    process.on('unhandledRejection', onUnhandled);
    let report;
    try {
      report = await runSuite({
        factory: implementation.factory,
        scenarios,
        requirements: spec.requirements,
        source: implementation.source,
        ...(options.grep === undefined ? {} : { grep: options.grep }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(options.runs === undefined ? {} : { runs: options.runs }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        ...(expectations === undefined ? {} : { expectations }),
        onResult: showProgress
          ? (result, done, total) => io.stderr.write(`[${done}/${total}] ${result.status.padEnd(5)} ${result.scenario}\n`)
          : undefined,
      });
    } finally {
      await implementation.close();
      process.off('unhandledRejection', onUnhandled);
    }

    for (const target of options.reporters) {
      const text = REPORTERS[target.name](report);
      if (target.out === undefined) {
        io.stdout.write(text);
      } else {
        const path = resolve(io.cwd, target.out);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, text);
      }
    }
    if (options.reporters.every((target) => target.out !== undefined)) {
      io.stderr.write(`${report.verdict.summary} (exit ${report.verdict.exitCode})\n`);
    }
    return report.verdict.exitCode;
  },
};

interface RunOptions {
  help: boolean;
  impl: string;
  reporters: ReporterTarget[];
  grep?: string;
  seed?: number;
  runs?: number;
  expectations?: string;
  concurrency?: number;
  timeoutMs?: number;
  requestTimeoutMs?: number;
  validateProtocol: boolean;
  spec?: string;
  scenarios?: string;
  progress: boolean;
}

/** Parses `run`'s arguments; throws `ERR_USAGE` with a precise message. */
export function parseRunArgs(args: readonly string[]): RunOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      tokens: true,
      options: {
        impl: { type: 'string' },
        reporter: { type: 'string', multiple: true },
        out: { type: 'string', multiple: true },
        grep: { type: 'string' },
        seed: { type: 'string' },
        runs: { type: 'string' },
        expectations: { type: 'string' },
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        'request-timeout': { type: 'string' },
        'validate-protocol': { type: 'boolean' },
        spec: { type: 'string' },
        scenarios: { type: 'string' },
        progress: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw usageError(messageOf(error), USAGE);
  }
  const reporters: ReporterTarget[] = [];
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    if (token.name === 'reporter') {
      const name = token.value ?? '';
      if (!(name in REPORTERS)) throw usageError(`--reporter: expected table, json or junit, received "${name}"`, USAGE);
      reporters.push({ name: name as ReporterName });
    } else if (token.name === 'out') {
      const last = reporters.at(-1);
      if (last === undefined) throw usageError('--out must follow the --reporter whose output it receives', USAGE);
      if (last.out !== undefined) throw usageError(`--out given twice for --reporter ${last.name}`, USAGE);
      last.out = token.value ?? '';
    }
  }
  if (reporters.length === 0) reporters.push({ name: 'table' });
  const toStdout = reporters.filter((r) => r.out === undefined);
  if (toStdout.length > 1) {
    throw usageError(`only one reporter may write to stdout, received ${toStdout.map((r) => r.name).join(' and ')} without --out`, USAGE);
  }
  const v = parsed.values;
  const int = (name: string, value: string | undefined, min: number, max: number): number | undefined =>
    value === undefined ? undefined : integerOption(name, value, min, max, USAGE);
  const options: RunOptions = {
    help: v.help === true,
    impl: v.impl ?? 'reference',
    reporters,
    validateProtocol: v['validate-protocol'] === true,
    progress: v.progress === true,
  };
  const optional: Partial<RunOptions> = {
    grep: v.grep,
    seed: int('seed', v.seed, 0, 2 ** 32 - 1),
    runs: int('runs', v.runs, 1, 1_000_000),
    expectations: v.expectations,
    concurrency: int('concurrency', v.concurrency, 1, 64),
    timeoutMs: int('timeout', v.timeout, 1, 86_400_000),
    requestTimeoutMs: int('request-timeout', v['request-timeout'], 1, 86_400_000),
    spec: v.spec,
    scenarios: v.scenarios,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(options, { [key]: value });
  if (v.impl === '') throw usageError('--impl: expected reference, a module path or "stdio:<command>", received ""', USAGE);
  return options;
}

async function loadScenarios(path: string): Promise<readonly Scenario[]> {
  let module: { default?: unknown; scenarios?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as typeof module;
  } catch (error) {
    throw usageError(`--scenarios: cannot load ${path}: ${messageOf(error).split('\n')[0] ?? ''}`, USAGE);
  }
  const list = Array.isArray(module.default) ? module.default : module.scenarios;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'object' && s !== null && typeof (s as Scenario).run === 'function')) {
    throw usageError(`--scenarios: expected ${path} to export an array of scenarios (default or "scenarios")`, USAGE);
  }
  return list as Scenario[];
}
