/**
 * The options of a restore (spec/restore.md RESTORE-031, with the limits of RESTORE-032):
 * `null`, `undefined` or a plain object of `upToIndex` and `limits`; anything else is
 * `ERR_INVALID_OPTIONS` whose `details.option` names the option at fault.
 */
import { describe, expect, it } from 'vitest';
import { RESTORE_OPTION_KEYS, validateRestoreOptions } from '../../src/restore/restore-options.js';
import { expectCode } from '../engine/_helpers.js';

/** The refusal of `options`, checked for its code; returns the error. */
const refusal = (options: unknown) => expectCode(() => validateRestoreOptions(options), 'ERR_INVALID_OPTIONS');

const LIMITS = 'maxEntries, maxEntryBytes, maxTotalBytes, maxRatio';

describe('what validateRestoreOptions accepts', () => {
  it('lists the option keys in the order messages name them', () => {
    expect(RESTORE_OPTION_KEYS).toStrictEqual(['upToIndex', 'limits']);
  });

  it('takes null, undefined and an empty object as no options', () => {
    expect(validateRestoreOptions(null)).toStrictEqual({});
    expect(validateRestoreOptions(undefined)).toStrictEqual({});
    expect(validateRestoreOptions({})).toStrictEqual({});
  });

  it('takes an object without a prototype', () => {
    const options = Object.assign(Object.create(null) as Record<string, unknown>, { upToIndex: 2, limits: Object.assign(Object.create(null) as object, { maxEntries: 3 }) });
    expect(validateRestoreOptions(options)).toStrictEqual({ upToIndex: 2, limits: { maxEntries: 3 } });
  });

  it('returns upToIndex from 0 to the largest safe integer', () => {
    for (const upToIndex of [0, 1, 17, Number.MAX_SAFE_INTEGER]) {
      expect(validateRestoreOptions({ upToIndex })).toStrictEqual({ upToIndex });
    }
  });

  it('returns every limit given, each at its smallest value', () => {
    const limits = { maxEntries: 1, maxEntryBytes: 1, maxTotalBytes: 1, maxRatio: 1 };
    expect(validateRestoreOptions({ limits })).toStrictEqual({ limits });
  });

  it('returns large counts and fractional ratios', () => {
    const limits = { maxEntries: 65_535, maxEntryBytes: 2 ** 40, maxTotalBytes: Number.MAX_SAFE_INTEGER, maxRatio: 1.5 };
    expect(validateRestoreOptions({ upToIndex: 4, limits })).toStrictEqual({ upToIndex: 4, limits });
    expect(validateRestoreOptions({ limits: { maxRatio: 1100.25 } })).toStrictEqual({ limits: { maxRatio: 1100.25 } });
  });

  it('returns an empty limits object for empty limits', () => {
    expect(validateRestoreOptions({ limits: {} })).toStrictEqual({ limits: {} });
  });

  it('leaves out options and limits given as undefined', () => {
    expect(validateRestoreOptions({ upToIndex: undefined })).toStrictEqual({});
    expect(validateRestoreOptions({ limits: undefined })).toStrictEqual({});
    expect(validateRestoreOptions({ upToIndex: undefined, limits: { maxEntries: undefined, maxRatio: 2 } })).toStrictEqual({ limits: { maxRatio: 2 } });
    expect(validateRestoreOptions({ limits: { maxEntries: undefined, maxEntryBytes: undefined, maxTotalBytes: undefined, maxRatio: undefined } })).toStrictEqual({ limits: {} });
  });
});

describe('options that are not a plain object', () => {
  it.each([
    ['a string', 'x', '"x"'],
    ['an empty string', '', '""'],
    ['a number', 5, '5'],
    ['zero', 0, '0'],
    ['false', false, 'false'],
    ['true', true, 'true'],
    ['an array', [], 'an array'],
    ['an array with the prototype of an object', Object.setPrototypeOf([], Object.prototype) as unknown, 'an array'],
    ['a Date', new Date(0), 'a object'],
    ['a Map', new Map(), 'a object'],
    ['a class instance', new (class Options {})(), 'a object'],
    ['an object inheriting from a plain object', Object.create({ upToIndex: 1 }) as unknown, 'a object'],
    ['a function', () => ({}), 'a function'],
    ['a function without a prototype', Object.setPrototypeOf(() => ({}), null) as unknown, 'a function'],
    ['a function with the prototype of an object', Object.setPrototypeOf(() => ({}), Object.prototype) as unknown, 'a function'],
    ['a bigint', 5n, 'a bigint'],
    ['a symbol', Symbol('options'), 'a symbol'],
  ])('refuses %s, naming what it got', async (_what, options, described) => {
    const error = await refusal(options);
    expect(error.details).toStrictEqual({ option: 'options' });
    expect(error.message).toBe(`restore: options must be null or an object with upToIndex, limits, got ${described}`);
  });
});

describe('unknown option keys', () => {
  it.each(['upto', 'UpToIndex', 'limit', 'maxEntries', 'compressionLevel', ''])('refuses the key %j, naming it', async (key) => {
    const error = await refusal({ [key]: 1 });
    expect(error.details).toStrictEqual({ option: key });
    expect(error.message).toBe(`restore: unknown option "${key}"; known: upToIndex, limits`);
  });

  it('refuses an unknown key whose value is undefined', async () => {
    expect((await refusal({ upToIndex: 1, colour: undefined })).details).toStrictEqual({ option: 'colour' });
  });

  it('names the first bad key in the object order', async () => {
    expect((await refusal({ first: 1, upToIndex: -1 })).details).toStrictEqual({ option: 'first' });
    expect((await refusal({ upToIndex: -1, first: 1 })).details).toStrictEqual({ option: 'upToIndex' });
    expect((await refusal({ limits: 1, upToIndex: -1 })).details).toStrictEqual({ option: 'limits' });
  });
});

describe('upToIndex', () => {
  it.each([
    ['-1', -1, '-1'],
    ['-0.5', -0.5, '-0.5'],
    ['1.5', 1.5, '1.5'],
    ['NaN', Number.NaN, 'NaN'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
    ['2^53', 2 ** 53, '9007199254740992'],
    ['"1"', '1', '"1"'],
    ['null', null, 'null'],
    ['true', true, 'true'],
    ['1n', 1n, 'a bigint'],
    ['[1]', [1], 'an array'],
    ['{}', {}, 'a object'],
  ])('refuses %s, naming what it got', async (_what, upToIndex, described) => {
    const error = await refusal({ upToIndex });
    expect(error.details).toStrictEqual({ option: 'upToIndex' });
    expect(error.message).toBe(`restore: options.upToIndex must be a non-negative integer, got ${described}`);
  });
});

describe('limits', () => {
  it.each([
    ['a number', 1, '1'],
    ['null', null, 'null'],
    ['a string', 'big', '"big"'],
    ['an array', [1], 'an array'],
    ['a Map', new Map([['maxEntries', 1]]), 'a object'],
    ['a function', () => 1, 'a function'],
    ['a function without a prototype', Object.assign(Object.setPrototypeOf(() => 1, null) as object, { maxEntries: 1 }), 'a function'],
  ])('refuses limits that are %s, naming what they are', async (_what, limits, described) => {
    const error = await refusal({ limits });
    expect(error.details).toStrictEqual({ option: 'limits' });
    expect(error.message).toBe(`restore: options.limits must be an object of ${LIMITS}, got ${described}`);
  });

  it.each(['maxBytes', 'maxentries', 'maxRatios', 'upToIndex', ''])('refuses the unknown limit %j, naming it', async (key) => {
    const error = await refusal({ limits: { [key]: 1 } });
    expect(error.details).toStrictEqual({ option: `limits.${key}` });
    expect(error.message).toBe(`restore: unknown limit "${key}" in options.limits; known: ${LIMITS}`);
  });

  it('refuses an unknown limit even when it is undefined or follows good ones', async () => {
    expect((await refusal({ limits: { maxEntries: 1, maxBytes: undefined } })).details).toStrictEqual({ option: 'limits.maxBytes' });
  });

  const counts = ['maxEntries', 'maxEntryBytes', 'maxTotalBytes'] as const;
  const badCounts: [string, unknown, string][] = [
    ['0', 0, '0'],
    ['-0', -0, '0'],
    ['-1', -1, '-1'],
    ['0.5', 0.5, '0.5'],
    ['1.5', 1.5, '1.5'],
    ['NaN', Number.NaN, 'NaN'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
    ['2^53', 2 ** 53, '9007199254740992'],
    ['"5"', '5', '"5"'],
    ['null', null, 'null'],
    ['true', true, 'true'],
    ['5n', 5n, 'a bigint'],
  ];
  for (const key of counts) {
    it.each(badCounts)(`refuses ${key} %s as not a positive integer`, async (_what, value, described) => {
      const error = await refusal({ limits: { [key]: value } });
      expect(error.details).toStrictEqual({ option: `limits.${key}` });
      expect(error.message).toBe(`restore: options.limits.${key} must be a positive integer, got ${described}`);
    });
  }

  it.each([
    ['0', 0, '0'],
    ['-1', -1, '-1'],
    ['0.5', 0.5, '0.5'],
    ['0.999', 0.999, '0.999'],
    ['NaN', Number.NaN, 'NaN'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
    ['"2"', '2', '"2"'],
    ['null', null, 'null'],
    ['2n', 2n, 'a bigint'],
    ['{}', {}, 'a object'],
  ])('refuses maxRatio %s as not a finite number of at least 1', async (_what, maxRatio, described) => {
    const error = await refusal({ limits: { maxRatio } });
    expect(error.details).toStrictEqual({ option: 'limits.maxRatio' });
    expect(error.message).toBe(`restore: options.limits.maxRatio must be a finite number of at least 1, got ${described}`);
  });

  it('names the first bad limit in the object order', async () => {
    expect((await refusal({ limits: { maxEntries: 2, maxRatio: 0, maxTotalBytes: 0 } })).details).toStrictEqual({ option: 'limits.maxRatio' });
    expect((await refusal({ limits: { maxTotalBytes: 0, maxRatio: 0 } })).details).toStrictEqual({ option: 'limits.maxTotalBytes' });
  });
});
