/**
 * The fuzz campaign launcher: `npm run fuzz -- [options]` (`tsx test/fuzz/fuzz.ts`). It runs the
 * campaign slices (`test/fuzz/campaign-*.test.ts`) with vitest, setting the campaign's size and
 * seed in the environment (`_support/campaign.ts` documents the variables).
 *
 * Options:
 *   --runs <n>        runs per target over the whole campaign, all shards together
 *   --seed <s>        the campaign's seed (default: a fresh one, printed; give the same on every shard)
 *   --shard <k>/<n>   run the k-th of n parts (vitest --shard; n at most 8, the number of slices)
 *   --cases <c>       test cases per target in each slice (default: at most 250 runs a case)
 *   --targets <list>  a comma-separated subset of model,archive,chain,console
 *   --help            this text
 *
 * A failing case prints fast-check's counterexample and the command that replays it.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const USAGE = `Usage: npm run fuzz -- [--runs <n>] [--seed <s>] [--shard <k>/<n>] [--cases <c>] [--targets <list>]

Runs the fuzz campaign (model-based sequences, mutated archives and chains, console input).
  --runs <n>        runs per target over the whole campaign, all shards together
  --seed <s>        the campaign's seed, 0 to 4294967295 (default: a fresh one; give the same one on every shard)
  --shard <k>/<n>   run part k of n (vitest --shard; n at most 8)
  --cases <c>       test cases per target and slice (default: at most 250 runs a case)
  --targets <list>  comma-separated subset of model,archive,chain,console (default: all)`;

/** The launcher's options, read from its command line. */
export interface FuzzOptions {
  readonly runs?: number;
  readonly seed: number;
  readonly shard?: string;
  readonly cases?: number;
  readonly targets?: string;
}

function wholeNumber(text: string | undefined, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${option} needs a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Reads the command line; throws a RangeError naming the bad option. Resolves undefined for --help. */
export function parseFuzzArguments(args: readonly string[]): FuzzOptions | undefined {
  let runs: number | undefined;
  let seed: number | undefined;
  let shard: string | undefined;
  let cases: number | undefined;
  let targets: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (name) {
      case '--help':
      case '-h':
        return undefined;
      case '--runs':
        runs = wholeNumber(value(), '--runs', 0);
        break;
      case '--seed':
        seed = wholeNumber(value(), '--seed', 0, 0xffffffff);
        break;
      case '--shard': {
        shard = value();
        const match = /^(\d+)\/(\d+)$/.exec(shard ?? '');
        if (match === null || Number(match[1]) < 1 || Number(match[1]) > Number(match[2]) || Number(match[2]) > 8) {
          throw new RangeError(`--shard needs <k>/<n> with 1 <= k <= n <= 8, got ${JSON.stringify(shard)}`);
        }
        break;
      }
      case '--cases':
        cases = wholeNumber(value(), '--cases', 1);
        break;
      case '--targets':
        targets = value();
        if (targets === undefined || targets === '') throw new RangeError('--targets needs a list such as model,archive');
        break;
      default:
        throw new RangeError(`unknown option ${JSON.stringify(args[i])}`);
    }
  }
  return {
    seed: seed ?? (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0,
    ...(runs === undefined ? {} : { runs }),
    ...(shard === undefined ? {} : { shard }),
    ...(cases === undefined ? {} : { cases }),
    ...(targets === undefined ? {} : { targets }),
  };
}

/** The environment and vitest arguments that run the campaign `options` describes. */
export function fuzzCommand(options: FuzzOptions): { env: Record<string, string>; args: string[] } {
  const env: Record<string, string> = { FUZZ_SEED: String(options.seed) };
  if (options.runs !== undefined) env.FUZZ_RUNS = String(options.runs);
  if (options.cases !== undefined) env.FUZZ_CASES = String(options.cases);
  if (options.targets !== undefined) env.FUZZ_TARGETS = options.targets;
  const args = ['run', 'test/fuzz/campaign-', '--testTimeout=0', ...(options.shard === undefined ? [] : [`--shard=${options.shard}`])];
  return { env, args };
}

async function main(argv: readonly string[]): Promise<number> {
  let options: FuzzOptions | undefined;
  try {
    options = parseFuzzArguments(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { env, args } = fuzzCommand(options);
  process.stdout.write(`[fuzz] ${Object.entries(env).map(([key, value]) => `${key}=${value}`).join(' ')} vitest ${args.join(' ')}\n`);
  // vitest's command (its package's `bin`), found from its package.json, which it exports.
  const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, [vitest, ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
