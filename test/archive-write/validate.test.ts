import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import {
  MAX_BUFFER_SIZE,
  validateBufferSize,
  validateCompressionLevel,
} from '../../src/archive/write/index.js';
import { BackupConformanceError } from '../../src/errors.js';
import { replayable } from './_helpers/seed.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(BackupConformanceError);
    return (error as BackupConformanceError).code;
  }
  return undefined;
}

describe('validateCompressionLevel', () => {
  it('accepts every integer from 0 to 9 and returns it', () => {
    for (let level = 0; level <= 9; level++) expect(validateCompressionLevel(level)).toBe(level);
  });

  it('turns -0 into 0', () => {
    expect(Object.is(validateCompressionLevel(-0), 0)).toBe(true);
  });

  it.each([
    ['-1', -1],
    ['10', 10],
    ['2.5', 2.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['the string "5"', '5'],
    ['null', null],
    ['undefined', undefined],
    ['a boxed 5', Object(5)],
    ['5n', 5n],
    ['a symbol', Symbol('5')],
    ['an object whose toString throws', { toString: () => { throw new Error('no'); } }],
  ])('refuses %s with ERR_INVALID_COMPRESSION_LEVEL', (_label, value) => {
    expect(codeOf(() => validateCompressionLevel(value))).toBe('ERR_INVALID_COMPRESSION_LEVEL');
  });

  it('names the received value in the message and details', () => {
    try {
      validateCompressionLevel(2.5);
      expect.unreachable();
    } catch (error) {
      const coded = error as BackupConformanceError;
      expect(coded.message).toMatch(/compressionLevel/);
      expect(coded.message).toMatch(/2\.5/);
      expect(coded.details).toMatchObject({ received: '2.5' });
    }
  });

  fcTest.prop([fc.double()], replayable(500))('accepts a double exactly when it is an integer in 0..9', (value) => {
    const valid = Number.isInteger(value) && value >= 0 && value <= 9;
    if (valid) expect(validateCompressionLevel(value)).toBe(value === 0 ? 0 : value);
    else expect(codeOf(() => validateCompressionLevel(value))).toBe('ERR_INVALID_COMPRESSION_LEVEL');
  });
});

describe('validateBufferSize', () => {
  it.each([1, 512, 2048, 1048576, MAX_BUFFER_SIZE])('accepts %d', (size) => {
    expect(validateBufferSize(size)).toBe(size);
  });

  it('caps bufferSize at 1 GiB', () => {
    expect(MAX_BUFFER_SIZE).toBe(1024 * 1024 * 1024);
  });

  it.each([
    ['0 (OrientDB: unbuffered)', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['one byte over the cap', 1024 * 1024 * 1024 + 1],
    ['2^53', 2 ** 53],
    ['the string "1024"', '1024'],
    ['null', null],
    ['undefined', undefined],
    ['1024n', 1024n],
  ])('refuses %s with ERR_INVALID_BUFFER_SIZE', (_label, value) => {
    expect(codeOf(() => validateBufferSize(value))).toBe('ERR_INVALID_BUFFER_SIZE');
  });

  fcTest.prop([fc.oneof(fc.integer({ min: -10, max: 2 ** 31 }), fc.double())], replayable(500))(
    'accepts a number exactly when it is an integer in 1..2^30',
    (value) => {
      const valid = Number.isInteger(value) && value >= 1 && value <= MAX_BUFFER_SIZE;
      if (valid) expect(validateBufferSize(value)).toBe(value);
      else expect(codeOf(() => validateBufferSize(value))).toBe('ERR_INVALID_BUFFER_SIZE');
    },
  );
});
