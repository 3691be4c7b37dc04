import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';

/** The part of the `crc-32` package's API that archiver's ZIP engine calls. */
interface Crc32Module {
  buf(data: unknown, seed?: unknown): number;
}

const NATIVE = Symbol.for('orientdb-backup-conformance.nativeCrc32');

/**
 * `crc-32`'s `buf(data, seed)` computed by zlib's native code, with the same contract: the seed is
 * coerced exactly as `crc-32` does (`seed ^ 0`, so a missing seed or the 4-byte Buffer that
 * crc32-stream starts with both mean 0) and the result is a signed 32-bit integer. Anything but a
 * Uint8Array (crc-32 also takes plain arrays of numbers) goes to the original.
 */
export function nativeBuf(original: Crc32Module['buf']): Crc32Module['buf'] {
  const buf = (data: unknown, seed?: unknown): number =>
    data instanceof Uint8Array ? crc32(data, ((seed as number) ^ 0) >>> 0) | 0 : original(data, seed);
  return Object.assign(buf, { [NATIVE]: original });
}

function isCrc32Module(value: unknown): value is Crc32Module {
  return typeof value === 'object' && value !== null && typeof (value as { buf?: unknown }).buf === 'function';
}

/** The `crc-32` module instances archiver's ZIP engine uses (compress-commons and crc32-stream import it). */
export function archiverCrc32Modules(): Crc32Module[] {
  const fromArchiver = createRequire(createRequire(import.meta.url).resolve('archiver'));
  const zipStream = fromArchiver.resolve('zip-stream');
  const compressCommons = createRequire(zipStream).resolve('compress-commons');
  const crc32Stream = createRequire(compressCommons).resolve('crc32-stream');
  const modules = new Set<unknown>([createRequire(compressCommons)('crc-32'), createRequire(crc32Stream)('crc-32')]);
  return [...modules].filter(isCrc32Module);
}

let installed = false;

/**
 * Makes archiver compute its CRC-32s with zlib's native code (about 4 GB/s here) instead of the
 * `crc-32` package's JavaScript (about 1.3 GB/s), which runs on the main thread for every byte
 * archived and is the largest single cost of a STORED (level 0) archive.
 *
 * archiver offers no option for this, so the `buf` function of the `crc-32` module instances
 * that its ZIP engine imports is replaced, once, by {@link nativeBuf}: same inputs, same results,
 * only faster (a test checks the equivalence against the original on random data). Other users
 * of those module instances in the process get the same, faster function. If archiver's
 * dependencies are laid out differently than expected, nothing is changed and archiving works as
 * before, only slower.
 */
export function useNativeCrc32InArchiver(): void {
  if (installed) return;
  installed = true;
  let modules: Crc32Module[];
  try {
    modules = archiverCrc32Modules();
  } catch {
    return;
  }
  for (const module of modules) {
    if (!(NATIVE in module.buf)) module.buf = nativeBuf(module.buf.bind(module));
  }
}
