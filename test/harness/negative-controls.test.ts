import { describe, expect, it } from 'vitest';
import type { ImplementationFactory } from '../../conformance/adapter.js';
import { stdioFactory } from '../../conformance/protocol/client.js';
import { assertNegativeControl, negativeControl, runNegativeControl } from '../../conformance/self-test/negative-control.js';
import { wrapFactory } from '../../conformance/self-test/wrap.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import { createFakeFactory } from './fake/fake-implementation.js';
import { tsxCommand } from './helpers.js';
import { TOY_SPEC_DIR, toyScenarios } from './toy-suite.js';

/** Accepts any compression level by replacing invalid ones with 9. */
const ignoresInvalidLevel = negativeControl({
  name: 'ignores-invalid-level',
  description: 'replaces an invalid compression level by the default instead of refusing it',
  breaks: ['TOY-003'],
  wrap: (factory) =>
    wrapFactory(factory, {
      connection: (inner) => ({
        backup: (out, options, callable, listener, level, bufferSize) =>
          inner.backup(out, options, callable, listener, typeof level === 'number' && Number.isInteger(level) && level >= 0 && level <= 9 ? level : 9, bufferSize),
      }),
    }),
});

/** Never calls the callable. */
const neverCallsCallable = negativeControl({
  name: 'never-calls-callable',
  breaks: ['TOY-004', 'TOY-005'],
  wrap: (factory) =>
    wrapFactory(factory, {
      connection: (inner) => ({ backup: (out, options, _callable, ...rest) => inner.backup(out, options, null, ...rest) }),
    }),
});

const suite = async (factory: ImplementationFactory) => ({ factory, scenarios: toyScenarios, requirements: (await loadSpec({ dir: TOY_SPEC_DIR })).requirements, seed: 1 });

describe('negative controls', () => {
  it('the fake passes the toy suite (the baseline the controls need)', async () => {
    const result = await runNegativeControl(
      { name: 'baseline', breaks: [], wrap: (f) => f },
      await suite(createFakeFactory()),
    );
    expect(result.failing).toEqual([]);
    expect(result.errored).toEqual([]);
  });

  it('reports fail for exactly the requirements a control breaks', async () => {
    const level = await assertNegativeControl(ignoresInvalidLevel, await suite(createFakeFactory()));
    expect(level).toMatchObject({ ok: true, failing: ['TOY-003'], missing: [], unexpected: [] });
    const callable = await assertNegativeControl(neverCallsCallable, await suite(createFakeFactory()));
    expect(callable.failing).toEqual(['TOY-004', 'TOY-005']);
  });

  it('fails the assertion, naming the scenarios, when a control declares the wrong requirements', async () => {
    const wrong = negativeControl({ ...neverCallsCallable, name: 'never-calls-callable-misdeclared', breaks: ['TOY-004', 'TOY-001'] });
    const result = await runNegativeControl(wrong, await suite(createFakeFactory()));
    expect(result).toMatchObject({ ok: false, missing: ['TOY-001'], unexpected: ['TOY-005'] });
    await expect(assertNegativeControl(wrong, await suite(createFakeFactory()))).rejects.toThrow(
      /expected exactly TOY-001, TOY-004 to fail, got TOY-004, TOY-005\n {2}not detected: TOY-001\n {2}also fails: TOY-005 \(toy\/callable-throws fail: expected an error with code ERR_CALLABLE_FAILED, but the call succeeded\)/,
    );
  });

  it('refuses malformed declarations', () => {
    expect(() => negativeControl({ name: 'Bad Name', breaks: ['TOY-001'], wrap: (f) => f })).toThrow(/kebab-case/);
    expect(() => negativeControl({ name: 'x', breaks: [], wrap: (f) => f })).toThrow(/breaks no requirement/);
    expect(() => negativeControl({ name: 'x', breaks: ['toy-1'], wrap: (f) => f })).toThrow(/malformed requirement id/);
  });

  it('works around an out-of-process implementation too', async () => {
    const factory = stdioFactory(tsxCommand('test/harness/fake/serve-fake.ts'));
    try {
      const result = await assertNegativeControl(ignoresInvalidLevel, await suite(factory));
      expect(result.failing).toEqual(['TOY-003']);
    } finally {
      await factory.close();
    }
  });
});
