import { describe, expect } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { it } from 'vitest';
import { createRequire } from 'node:module';
import { archiverCrc32Modules, nativeBuf, useNativeCrc32InArchiver } from '../../src/archive/write/_internals/native-crc32.js';
import { replayable } from './_helpers/seed.js';

// The JavaScript original, loaded on its own (a fresh copy of the module, never patched).
const require = createRequire(import.meta.url);
function originalCrc32(): { buf(data: unknown, seed?: unknown): number } {
  const path = require.resolve('crc-32');
  const saved = require.cache[path];
  delete require.cache[path];
  try {
    return require('crc-32') as { buf(data: unknown, seed?: unknown): number };
  } finally {
    if (saved !== undefined) require.cache[path] = saved;
  }
}

describe("archiver's CRC-32 on zlib's native code", () => {
  const original = originalCrc32();
  const native = nativeBuf(original.buf);

  fcTest.prop([fc.uint8Array({ maxLength: 5000 }), fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }))], replayable(300))(
    'gives the same signed result as crc-32 for any bytes and seed',
    (data, seed) => {
      const args = seed === null ? [data] : [data, seed];
      expect(native(...(args as [Uint8Array, number]))).toBe(original.buf(...(args as [Uint8Array, number])));
    },
  );

  it('treats the 4-byte Buffer seed crc32-stream starts with, and chained calls, as crc-32 does', () => {
    const seed = Buffer.alloc(4);
    const first = Buffer.from('hello ');
    const second = Buffer.from('world');
    expect(native(first, seed)).toBe(original.buf(first, seed));
    expect(native(second, native(first, seed) >>> 0)).toBe(original.buf(second, original.buf(first, seed) >>> 0));
  });

  it('leaves inputs other than Uint8Array (plain arrays) to the original', () => {
    expect(native([104, 105], 0)).toBe(original.buf([104, 105], 0));
  });

  it('is installed on the crc-32 instances archiver uses, once', () => {
    useNativeCrc32InArchiver();
    const modules = archiverCrc32Modules();
    expect(modules.length).toBeGreaterThan(0);
    const patched = modules.map((module) => module.buf);
    useNativeCrc32InArchiver();
    expect(archiverCrc32Modules().map((module) => module.buf)).toEqual(patched);
    for (const module of modules) expect(module.buf(Buffer.from('abc'))).toBe(original.buf(Buffer.from('abc')));
    expect(Object.getOwnPropertySymbols(modules[0]!.buf).map(String)).toContain('Symbol(orientdb-backup-conformance.nativeCrc32)');
  });
});
