import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { defineConformanceSuite, ScenarioFailure, testNameOf, type TestContextLike } from '../../conformance/suite.js';
import { scenario } from '../../conformance/scenario.js';
import { createFakeFactory } from './fake/fake-implementation.js';
import { ROOT, TSX_LOADER } from './helpers.js';
import { toyScenarios } from './toy-suite.js';

describe('defineConformanceSuite with vitest', () => {
  // The real thing: every toy scenario becomes a vitest test; toy/stream-chunks shows as skipped.
  defineConformanceSuite({ test: it, factory: createFakeFactory(), scenarios: toyScenarios });
});

type Registered = { name: string; fn: (context?: TestContextLike) => Promise<void>; skipped: boolean };
function recordingTest(withSkip: boolean) {
  const registered: Registered[] = [];
  const test = (name: string, fn: Registered['fn']) => registered.push({ name, fn, skipped: false });
  if (withSkip) Object.assign(test, { skip: (name: string, fn: Registered['fn']) => registered.push({ name, fn, skipped: true }) });
  return { test, registered };
}

describe('defineConformanceSuite mechanics', () => {
  it('names each test with its requirement ids, id and title', () => {
    const { test, registered } = recordingTest(true);
    const { scenarios } = defineConformanceSuite({ test, factory: createFakeFactory(), scenarios: toyScenarios, grep: 'round-trip' });
    expect(scenarios.map((s) => s.id)).toEqual(['toy/backup-restore-round-trip']);
    expect(registered.map((r) => r.name)).toEqual(['TOY-002 TOY-001 toy/backup-restore-round-trip: restoring a backup gives the dump taken at backup time']);
    expect(testNameOf(toyScenarios[0]!)).toBe('TOY-001 toy/insert-load: an inserted record loads back with version 1');
  });

  it('registers test.skip up front when supports is given', () => {
    const { test, registered } = recordingTest(true);
    defineConformanceSuite({ test, factory: createFakeFactory(), scenarios: toyScenarios, supports: ['restore-to-new'] });
    expect(registered.filter((r) => r.skipped).map((r) => r.name)).toEqual(['TOY-006 toy/stream-chunks: writes to a stream are at most bufferSize bytes (requires stream-output)']);
  });

  it('skips through the context at run time, and fails loudly when there is no way to skip', async () => {
    const { test, registered } = recordingTest(false);
    defineConformanceSuite({ test, factory: createFakeFactory(), scenarios: toyScenarios, grep: 'stream' });
    const notes: Array<string | undefined> = [];
    await registered[0]?.fn({ skip: (note) => notes.push(note) });
    expect(notes).toEqual(['requires feature(s) stream-output, which fake does not support']);
    await expect(registered[0]?.fn(undefined)).rejects.toThrow(/^skipped: requires feature\(s\) stream-output.*cannot mark a test skipped/);
  });

  it('throws a ScenarioFailure with the message and log for a failing scenario', async () => {
    const { test, registered } = recordingTest(true);
    const failing = scenario({
      id: 'toy/fails',
      title: 'fails',
      requirements: ['TOY-001'],
      run: async (ctx) => {
        ctx.log('about to fail');
        throw Object.assign(new Error('boom'), { code: 'ERR_IO' });
      },
    });
    defineConformanceSuite({ test, factory: createFakeFactory(), scenarios: [failing] });
    const error = await registered[0]?.fn({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScenarioFailure);
    expect((error as Error).message).toMatch(/^fail: unexpected Error ERR_IO: boom\n--- log ---\nabout to fail\n/);
  });

  it('works with node:test: skips are reported as skips, both at run time and up front', () => {
    for (const upfront of ['0', '1']) {
      const run = spawnSync(process.execPath, ['--import', TSX_LOADER, '--test-reporter=tap', 'test/harness/fixtures/node-test-suite.ts'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, FAKE_SUPPORTS_UPFRONT: upfront },
        timeout: 60_000,
      });
      expect(run.status, run.stderr + run.stdout).toBe(0);
      expect(run.stdout).toMatch(/^# pass 7$/m);
      expect(run.stdout).toMatch(/^# skipped 1$/m);
      expect(run.stdout).toMatch(/^# fail 0$/m);
      expect(run.stdout).toMatch(/ok \d+ - TOY-006 toy\/stream-chunks: .* # SKIP/);
    }
  });
});
