import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFactory } from '../../conformance/protocol/client.js';
import { runSuite } from '../../conformance/runner/run-suite.js';
import { scenario } from '../../conformance/scenario.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import { createFakeFactory } from './fake/fake-implementation.js';
import { tsxCommand } from './helpers.js';
import { TOY_SPEC_DIR, toyScenarios } from './toy-suite.js';

const SERVE_FAKE = 'test/harness/fake/serve-fake.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stdio-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a raw protocol implementation in plain JavaScript: `handlers` maps a method to a JS expression of `params` giving the result. */
async function rawImplementation(name: string, body: string): Promise<string> {
  const file = join(dir, `${name}.mjs`);
  await writeFile(
    file,
    `import { createInterface } from 'node:readline';
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  ${body}
});
`,
  );
  return file;
}

const usesClass = (name: string, id: string) =>
  scenario({
    id: `toy/${id}`,
    title: `creates class ${name}`,
    requirements: ['TOY-001'],
    async run(ctx) {
      const db = await ctx.newDatabase();
      await db.createClass(name);
    },
  });

describe('stdioFactory', () => {
  it('gives the same verdict for every requirement in-process and over stdio (all traffic validated)', async () => {
    const spec = await loadSpec({ dir: TOY_SPEC_DIR });
    const inProcess = await runSuite({ factory: createFakeFactory(), scenarios: toyScenarios, requirements: spec.requirements, seed: 3 });
    const factory = stdioFactory(tsxCommand(SERVE_FAKE), { validate: true });
    try {
      const overStdio = await runSuite({ factory, scenarios: toyScenarios, requirements: spec.requirements, seed: 3, source: 'stdio' });
      const verdicts = (r: typeof inProcess) => r.requirements.map((q) => `${q.id} ${q.status} ${q.passed}/${q.total}`);
      expect(verdicts(overStdio)).toEqual(verdicts(inProcess));
      expect(overStdio.results.map((r) => [r.scenario, r.status, r.message])).toEqual(inProcess.results.map((r) => [r.scenario, r.status, r.message]));
      expect(overStdio.verdict).toEqual(inProcess.verdict);
      expect(overStdio.runInfo.implementation).toEqual({ name: 'fake', version: '1.0.0', language: 'TypeScript', supports: ['restore-to-new'], source: 'stdio' });
      expect(factory.processesStarted).toBe(1);
    } finally {
      await factory.close();
    }
  });

  it('reports a crash and a hang as error with the stderr tail, restarts the process, and goes on', async () => {
    const factory = stdioFactory(tsxCommand(SERVE_FAKE), { requestTimeoutMs: 1000 });
    try {
      const scenarios = [
        usesClass('A', 'first'),
        usesClass('__crash__', 'crash'),
        usesClass('B', 'after-crash'),
        usesClass('__hang__', 'hang'),
        usesClass('__garbage__', 'garbage'),
        usesClass('__log__', 'console-log'),
      ];
      const report = await runSuite({ factory, scenarios });
      const [first, crash, afterCrash, hang, garbage, log] = report.results;
      expect(first?.status).toBe('pass');
      expect(crash?.status).toBe('error');
      expect(crash?.message).toBe('ERR_IMPLEMENTATION_CRASHED: the implementation process exited with code 70; stderr ends with:\nfake: crashing on purpose');
      expect(afterCrash?.status).toBe('pass');
      expect(hang?.status).toBe('error');
      expect(hang?.message).toMatch(
        /^ERR_IMPLEMENTATION_TIMEOUT: the implementation did not answer connection\.createClass \(request \d+\) within 1000 ms; stderr ends with:\nfake: hanging on purpose$/,
      );
      expect(garbage?.status).toBe('error');
      expect(garbage?.message).toMatch(/^ERR_PROTOCOL: the implementation broke the protocol: expected one JSON object per line on stdout \(logs belong on stderr\), received "this is not a protocol message"/);
      expect(log?.status).toBe('pass');
      expect(factory.processesStarted).toBe(4);
      expect(report.verdict.exitCode).toBe(2);
    } finally {
      await factory.close();
    }
  });

  it('marks the scenario as error even when it swallows the crash itself', async () => {
    const factory = stdioFactory(tsxCommand(SERVE_FAKE));
    try {
      const swallowing = scenario({
        id: 'toy/swallow',
        title: 'swallows',
        requirements: ['TOY-001'],
        async run(ctx) {
          const db = await ctx.newDatabase();
          await db.createClass('__crash__').catch(() => undefined);
        },
      });
      const report = await runSuite({ factory, scenarios: [swallowing] });
      expect(report.results[0]).toMatchObject({ status: 'error', message: expect.stringMatching(/^ERR_IMPLEMENTATION_CRASHED: the implementation process exited with code 70/) });
    } finally {
      await factory.close();
    }
  });

  it('forgets the requests a scenario leaves pending: their late answers neither time out nor break the next scenario', async () => {
    const factory = stdioFactory(tsxCommand(SERVE_FAKE), { requestTimeoutMs: 800 });
    try {
      const leaves = scenario({
        id: 'toy/leaves-pending',
        title: 'leaves a request pending',
        requirements: ['TOY-001'],
        async run(ctx) {
          const db = await ctx.newDatabase();
          void db.createClass('__slow__');
        },
      });
      const waits = scenario({
        id: 'toy/waits',
        title: 'runs while the late answer arrives',
        requirements: ['TOY-001'],
        async run(ctx) {
          const db = await ctx.newDatabase();
          await new Promise((resolve) => setTimeout(resolve, 1400));
          await db.createClass('A');
        },
      });
      const report = await runSuite({ factory, scenarios: [leaves, waits] });
      expect(report.results.map((r) => [r.scenario, r.status, r.message])).toEqual([
        ['toy/leaves-pending', 'pass', undefined],
        ['toy/waits', 'pass', undefined],
      ]);
      expect(factory.processesStarted).toBe(1);
    } finally {
      await factory.close();
    }
  });

  it('reports a command that cannot start as ERR_IMPLEMENTATION_LOAD for every scenario', async () => {
    const factory = stdioFactory('/nonexistent/implementation --serve');
    const report = await runSuite({ factory, scenarios: toyScenarios.slice(0, 2) });
    for (const result of report.results) {
      expect(result.status).toBe('error');
      expect(result.message).toMatch(/^the implementation could not be created: ERR_IMPLEMENTATION_LOAD: the handshake failed: cannot run \/nonexistent\/implementation --serve: spawn \/nonexistent\/implementation ENOENT/);
    }
    expect(factory.processesStarted).toBe(2);
  });

  it('refuses a handshake with another protocol version', async () => {
    const file = await rawImplementation(
      'v2',
      `if (m.method === 'start') send({ id: m.id, ok: true, result: { protocolVersion: 2, implementation: { name: 'x', version: '1' }, supports: [] } });`,
    );
    const factory = stdioFactory([process.execPath, file]);
    await expect(factory()).rejects.toMatchObject({ code: 'ERR_PROTOCOL', message: expect.stringMatching(/^the handshake failed: expected protocolVersion 1/) });
    await factory.close();
    const nothing = stdioFactory([process.execPath, await rawImplementation('null-start', 'send({ id: m.id, ok: true, result: null });')]);
    await expect(nothing()).rejects.toMatchObject({ code: 'ERR_PROTOCOL', message: 'the handshake failed: expected protocolVersion 1 with implementation and supports, received in the result of start: at /result: expected object, received null' });
    await nothing.close();
  });

  it('validates results against the schemas when asked (Bowtie-style), and passes them through otherwise', async () => {
    const file = await rawImplementation(
      'bad-result',
      `const results = {
    start: { protocolVersion: 1, implementation: { name: 'raw', version: '0' }, supports: [] },
    'instance.create': { instance: 'i1' },
    createDatabase: { connection: 'c1', url: 'plocal:x' },
    'connection.load': { rid: 7 },
    'instance.dispose': null,
  };
  send({ id: m.id, ok: true, result: results[m.method] ?? null });`,
    );
    const loads = scenario({
      id: 'toy/load',
      title: 'loads',
      requirements: ['TOY-001'],
      async run(ctx) {
        const db = await ctx.newDatabase();
        const record = await db.load('#1:0');
        assert.equal(typeof record.rid, 'string', 'rid is not a string');
      },
    });
    const strict = stdioFactory([process.execPath, file], { validate: true });
    const lax = stdioFactory([process.execPath, file]);
    try {
      const [strictReport, laxReport] = [await runSuite({ factory: strict, scenarios: [loads] }), await runSuite({ factory: lax, scenarios: [loads] })];
      expect(strictReport.results[0]).toMatchObject({
        status: 'error',
        message: expect.stringMatching(/^ERR_PROTOCOL: the implementation broke the protocol: in the result of connection.load: at \/result: expected property "version"/),
      });
      expect(laxReport.results[0]).toMatchObject({ status: 'fail', message: expect.stringMatching(/^rid is not a string/) });
    } finally {
      await strict.close();
      await lax.close();
    }
  });

  it('treats a response to an unknown request and an event for no request as protocol breaks', async () => {
    const file = await rawImplementation(
      'stray',
      `if (m.method === 'start') send({ id: m.id, ok: true, result: { protocolVersion: 1, implementation: { name: 'raw', version: '0' }, supports: [] } });
  else if (m.method === 'instance.create') { send({ id: m.id, ok: true, result: { instance: 'i1' } }); }
  else if (m.method === 'createDatabase') { send({ event: 1, type: 'callable', request: 999 }); }
  else send({ id: m.id, ok: true, result: null });`,
    );
    const factory = stdioFactory([process.execPath, file]);
    try {
      const report = await runSuite({ factory, scenarios: [usesClass('A', 'stray')] });
      expect(report.results[0]).toMatchObject({
        status: 'error',
        message: 'ERR_PROTOCOL: the implementation broke the protocol: expected an event of a pending request, received a callable event for request 999 (stderr was empty)',
      });
    } finally {
      await factory.close();
    }
  });
});
