import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../../conformance/protocol/values.js';
import { protocolValidator } from '../../conformance/protocol/validate.js';
import { splitCommandLine } from '../../conformance/protocol/command-line.js';

const seed = process.env['FC_SEED'] === undefined ? Date.now() % 2 ** 31 : Number(process.env['FC_SEED']);

describe('value encoding', () => {
  it('carries what JSON cannot', () => {
    const cases: Array<[unknown, unknown]> = [
      [Number.NaN, { $: 'NaN' }],
      [Number.POSITIVE_INFINITY, { $: 'Infinity' }],
      [Number.NEGATIVE_INFINITY, { $: '-Infinity' }],
      [-0, { $: '-0' }],
      [undefined, { $: 'undefined' }],
      [12n, { $: 'bigint', value: '12' }],
      [{ $: 'NaN', x: 1 }, { $: 'object', value: { $: 'NaN', x: 1 } }],
      [[1, , 3], [1, { $: 'undefined' }, 3]], // eslint-disable-line no-sparse-arrays
      [{ a: undefined, b: [Number.NaN] }, { a: { $: 'undefined' }, b: [{ $: 'NaN' }] }],
    ];
    for (const [value, encoded] of cases) {
      expect(encodeValue(value)).toEqual(encoded);
      const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(value))));
      if (Array.isArray(value)) expect(back).toEqual(Array.from(value));
      else expect(Object.is(back, value) || JSON.stringify(encodeValue(back)) === JSON.stringify(encoded)).toBe(true);
    }
    expect(Object.is(decodeValue({ $: '-0' }), -0)).toBe(true);
    expect(Object.hasOwn(decodeValue({ a: { $: 'undefined' } }) as object, 'a')).toBe(true);
  });

  it('refuses functions, symbols and unknown tags with ERR_PROTOCOL', () => {
    expect(() => encodeValue({ f: () => 1 })).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL', message: 'cannot carry a function over the protocol (at $.f)' }));
    expect(() => encodeValue(Symbol('s'))).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
    expect(() => decodeValue({ a: { $: 'Date' } })).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL', message: 'at $.a: expected a value tag (undefined, NaN, Infinity, -Infinity, -0, bigint, object), received "Date"' }));
    expect(() => decodeValue({ $: 'bigint', value: 'x' })).toThrow(/expected a decimal string/);
  });

  it(`round-trips any value through JSON text, and the encoding matches the schema (seed ${seed})`, () => {
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, undefined, null, true),
        fc.double(),
        fc.string(),
        fc.bigInt(),
      ),
      node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.string(), fc.constant('$')), tie('node'), { maxKeys: 4 })),
    })).node;
    const isValue = protocolValidator('value');
    fc.assert(
      fc.property(value, (v) => {
        const wire = JSON.parse(JSON.stringify(encodeValue(v))) as unknown;
        expect(isValue(wire)).toBeUndefined();
        expect(encodeValue(decodeValue(wire))).toEqual(encodeValue(v));
        // Object.is on leaves: -0 stays -0, NaN stays NaN.
        if (typeof v === 'number') expect(Object.is(decodeValue(wire), v)).toBe(true);
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('splitCommandLine', () => {
  it('splits like a shell without running one', () => {
    expect(splitCommandLine('node  server.js --flag')).toEqual(['node', 'server.js', '--flag']);
    expect(splitCommandLine(`java -jar "my impl.jar" 'a b' c\\ d "q\\"x" ''`)).toEqual(['java', '-jar', 'my impl.jar', 'a b', 'c d', 'q"x', '']);
    expect(splitCommandLine(`echo $HOME|cat`)).toEqual(['echo', '$HOME|cat']);
  });

  it('refuses unterminated quotes and empty commands with ERR_USAGE', () => {
    expect(() => splitCommandLine('node "x')).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
    expect(() => splitCommandLine('   ')).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: 'expected a command after "stdio:", received nothing' }));
  });
});

describe('encodeValue / decodeValue with a __proto__ member', () => {
  it('keeps a "__proto__" key of JSON content as an own member', () => {
    const content = JSON.parse('{"__proto__":{"x":1},"a":2}') as Record<string, unknown>;
    const roundTrip = decodeValue(JSON.parse(JSON.stringify(encodeValue(content)))) as Record<string, unknown>;
    expect(Object.keys(roundTrip)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(roundTrip)).toBe('{"__proto__":{"x":1},"a":2}');
    expect(Object.getPrototypeOf(roundTrip)).toBe(Object.prototype);
  });
});
