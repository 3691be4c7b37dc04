import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Implementation, ImplementationFactory } from '../../conformance/adapter.js';
import { HarnessError } from '../../conformance/errors.js';
import { reportImplementationFault } from '../../conformance/runner/fault.js';
import { runScenario } from '../../conformance/runner/run-scenario.js';
import { scenario, type ScenarioContext } from '../../conformance/scenario.js';
import { createFakeFactory } from './fake/fake-implementation.js';
import { toyScenarios } from './toy-suite.js';

const toy = (run: (ctx: ScenarioContext) => Promise<void>, extra: { features?: ['incremental']; timeoutMs?: number } = {}) =>
  scenario({ id: 'toy/probe', title: 'probe', requirements: ['TOY-001'], run, ...extra });

describe('runScenario', () => {
  it('passes a scenario that holds, with a fresh implementation disposed afterwards', async () => {
    const factory = createFakeFactory();
    const result = await runScenario(toyScenarios[0]!, factory);
    expect(result).toMatchObject({ scenario: 'toy/insert-load', status: 'pass', requirements: ['TOY-001'] });
    expect(result.message).toBeUndefined();
    expect(result.log?.[0]).toMatch(/^inserted #10:0$/);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(factory.stats).toEqual({ created: 1, disposed: 1 });
  });

  it('gives the scenario an empty work directory, plocal urls under it, and removes it afterwards', async () => {
    let seen: { workdir: string; url: string; url2: string; file: string; named: string } | undefined;
    const result = await runScenario(
      toy(async (ctx) => {
        const file = ctx.path('x.txt');
        await writeFile(file, 'x');
        const first = await ctx.newDatabase();
        await ctx.newDatabase('db-2');
        const third = await ctx.newDatabase();
        seen = { workdir: ctx.workdir, url: first.url, url2: third.url, file, named: ctx.urlOf('db-2') };
      }),
      createFakeFactory(),
    );
    expect(result.status).toBe('pass');
    assert.ok(seen);
    expect(seen.url).toBe(`plocal:${seen.workdir}/db-1`);
    expect(seen.named).toBe(`plocal:${seen.workdir}/db-2`);
    expect(seen.url2).toBe(`plocal:${seen.workdir}/db-3`);
    expect(existsSync(seen.file)).toBe(false);
    expect(existsSync(seen.workdir)).toBe(false);
  });

  it('fails on an assertion, keeps its message, still disposes and removes the work directory', async () => {
    const factory = createFakeFactory();
    let workdir = '';
    const result = await runScenario(
      toy(async (ctx) => {
        workdir = ctx.workdir;
        assert.equal(1, 2, 'one is not two');
      }),
      factory,
    );
    expect(result).toMatchObject({ status: 'fail', message: 'one is not two\n\n1 !== 2' });
    expect(factory.stats.disposed).toBe(1);
    expect(existsSync(workdir)).toBe(false);
  });

  it('fails on an unexpected rejection and names its code', async () => {
    const result = await runScenario(
      toy(async (ctx) => {
        const db = await ctx.newDatabase();
        await db.load('#10:0');
      }),
      createFakeFactory(),
    );
    expect(result.status).toBe('fail');
    expect(result.message).toBe('unexpected FakeError ERR_RECORD_NOT_FOUND: no record #10:0');
    expect(result.log?.join('\n')).toMatch(/FakeError/);
  });

  it('skips with the missing feature named, without running the scenario', async () => {
    let ran = false;
    const factory = createFakeFactory();
    const result = await runScenario(
      toy(
        async () => {
          ran = true;
        },
        { features: ['incremental'] },
      ),
      factory,
    );
    expect(result).toMatchObject({ status: 'skip', message: 'requires feature(s) incremental, which fake does not support' });
    expect(ran).toBe(false);
    expect(factory.stats).toEqual({ created: 1, disposed: 1 });
  });

  it('reports error when the factory throws', async () => {
    const result = await runScenario(toyScenarios[0]!, createFakeFactory({ factoryThrows: true }));
    expect(result).toMatchObject({ status: 'error', message: 'the implementation could not be created: ERR_IO: fake factory refuses to start' });
  });

  it('times out as error, aborts the signal, and still disposes and cleans up', async () => {
    const factory = createFakeFactory();
    let signal: AbortSignal | undefined;
    let workdir = '';
    const result = await runScenario(
      toy(
        async (ctx) => {
          signal = ctx.signal;
          workdir = ctx.workdir;
          await new Promise(() => {});
        },
        { timeoutMs: 300 },
      ),
      factory,
    );
    expect(result).toMatchObject({ status: 'error', message: 'timed out after 300 ms' });
    expect(signal?.aborted).toBe(true);
    expect(factory.stats.disposed).toBe(1);
    expect(existsSync(workdir)).toBe(false);
  });

  it('times out a factory that never resolves', async () => {
    const result = await runScenario(toy(async () => {}), () => new Promise<Implementation>(() => {}), { timeoutMs: 30 });
    expect(result).toMatchObject({ status: 'error', message: 'timed out after 30 ms creating the implementation' });
  });

  it('reports error for rejections that say the implementation could not be run', async () => {
    const result = await runScenario(
      toy(async () => {
        throw new HarnessError('ERR_IMPLEMENTATION_CRASHED', 'process exited with code 70');
      }),
      createFakeFactory(),
    );
    expect(result).toMatchObject({ status: 'error', message: 'ERR_IMPLEMENTATION_CRASHED: process exited with code 70' });
  });

  it('reports error when the implementation recorded a fault, even if the scenario swallowed it', async () => {
    const result = await runScenario(
      toy(async (ctx) => {
        reportImplementationFault(ctx.impl, new HarnessError('ERR_IMPLEMENTATION_CRASHED', 'the process crashed'));
      }),
      createFakeFactory(),
    );
    expect(result).toMatchObject({ status: 'error', message: 'ERR_IMPLEMENTATION_CRASHED: the process crashed' });
  });

  it('reports error when dispose fails or hangs', async () => {
    const wrap = (dispose: () => Promise<void>): ImplementationFactory => {
      const inner = createFakeFactory();
      return async () => {
        const impl = await inner();
        return Object.assign(Object.create(impl) as Implementation, { dispose });
      };
    };
    const rejecting = await runScenario(toyScenarios[0]!, wrap(() => Promise.reject(new Error('stuck file'))));
    expect(rejecting).toMatchObject({ status: 'error', message: 'dispose() failed: stuck file' });
    const hanging = await runScenario(toyScenarios[0]!, wrap(() => new Promise(() => {})), { disposeTimeoutMs: 30 });
    expect(hanging).toMatchObject({ status: 'error', message: 'dispose() failed: did not settle within 30 ms' });
  });

  it('passes seed and runs to the context', async () => {
    let got: [number, number] | undefined;
    await runScenario(
      toy(async (ctx) => {
        got = [ctx.seed, ctx.runs];
      }),
      createFakeFactory(),
      { seed: 42, runs: 7 },
    );
    expect(got).toEqual([42, 7]);
  });

  it('runs every toy scenario against the fake with the expected statuses', async () => {
    const statuses: Record<string, string> = {};
    for (const s of toyScenarios) {
      const result = await runScenario(s, createFakeFactory());
      statuses[s.id] = result.status === 'pass' || result.status === 'skip' ? result.status : `${result.status}: ${result.message ?? ''}`;
    }
    expect(statuses).toEqual({
      'toy/insert-load': 'pass',
      'toy/backup-restore-round-trip': 'pass',
      'toy/invalid-compression-level': 'pass',
      'toy/callable-locks-writes': 'pass',
      'toy/callable-throws': 'pass',
      'toy/stream-chunks': 'skip',
      'toy/throwing-listener': 'pass',
      'toy/restore-to-new': 'pass',
    });
  });
});
