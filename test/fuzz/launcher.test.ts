/**
 * The campaign's arithmetic and the launcher's command line: runs shared out over slices and
 * cases without loss, distinct seeds per case, options read strictly.
 */
import { describe, expect, it } from 'vitest';
import { SLICES, TARGETS, caseRuns, caseSeed } from './_support/campaign.js';
import { fuzzCommand, parseFuzzArguments } from './fuzz.js';

describe('the campaign split', () => {
  it.each([0, 1, 7, 8, 40, 999, 1_000_000])('shares %i runs out over the slices and their cases, none lost, at most 250 a case', (total) => {
    const all = Array.from({ length: SLICES }, (_, i) => caseRuns(total, i + 1, undefined));
    expect(all.flat().reduce((sum, runs) => sum + runs, 0)).toBe(total);
    expect(Math.max(...all.flat())).toBeLessThanOrEqual(250);
    const withCases = Array.from({ length: SLICES }, (_, i) => caseRuns(total, i + 1, 3));
    expect(withCases.every((cases) => cases.length === 3)).toBe(true);
    expect(withCases.flat().reduce((sum, runs) => sum + runs, 0)).toBe(total);
  });

  it('gives every case of a campaign its own seed, and the same seed again for the same campaign', () => {
    const seeds = new Set<number>();
    for (let slice = 1; slice <= SLICES; slice++) for (const target of TARGETS) for (let index = 0; index < 50; index++) seeds.add(caseSeed(42, slice, target, index));
    expect(seeds.size).toBe(SLICES * TARGETS.length * 50);
    expect(caseSeed(42, 3, 'model', 7)).toBe(caseSeed(42, 3, 'model', 7));
    expect(caseSeed(42, 3, 'model', 7)).not.toBe(caseSeed(43, 3, 'model', 7));
  });
});

describe('npm run fuzz', () => {
  it('turns its options into the campaign environment and vitest arguments', () => {
    const options = parseFuzzArguments(['--runs', '1000000', '--seed=7', '--shard', '3/8', '--cases', '500', '--targets', 'model,archive'])!;
    expect(fuzzCommand(options)).toEqual({
      env: { FUZZ_SEED: '7', FUZZ_RUNS: '1000000', FUZZ_CASES: '500', FUZZ_TARGETS: 'model,archive' },
      args: ['run', 'test/fuzz/campaign-', '--testTimeout=0', '--shard=3/8'],
    });
  });

  it('picks a seed when none is given, and shows its help', () => {
    const options = parseFuzzArguments([])!;
    expect(Number.isSafeInteger(options.seed)).toBe(true);
    expect(parseFuzzArguments(['--help'])).toBeUndefined();
  });

  it.each([
    [['--runs', '-1']],
    [['--runs', '1.5']],
    [['--seed', '4294967296']],
    [['--shard', '9/9']],
    [['--shard', '0/2']],
    [['--shard', '3/2']],
    [['--cases', '0']],
    [['--targets', '']],
    [['--frobnicate']],
    [['--runs']],
  ])('refuses %j', (args) => {
    expect(() => parseFuzzArguments(args)).toThrow(RangeError);
  });
});
