import { Readable } from 'node:stream';
import type { ZipSource } from '../../../src/archive/write/index.js';

/** Deterministic pseudo-random bytes (xorshift32), so tests need no fixtures. */
export function randomBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Compressible, JSON-like text of about `length` bytes. */
export function documentText(length: number, seed = 7): Buffer {
  const lines: string[] = [];
  let size = 0;
  let x = seed;
  for (let i = 0; size < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const line = `{"@rid":"#${x % 40}:${i}","name":"user${x % 5000}","age":${x % 90},"city":"${['Rome', 'Oslo', 'Lima'][x % 3]}"}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, length);
}

/** A source over an in-memory buffer, delivered as a Node Readable in `chunkSize` pieces. */
export function bufferSource(name: string, data: Buffer, options: { chunkSize?: number; declareSize?: boolean } = {}): ZipSource {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  return {
    name,
    ...(options.declareSize === false ? {} : { size: data.length }),
    open: () => Readable.from(chunksOf(data, chunkSize), { objectMode: false }),
  };
}

/** `data` cut into pieces of at most `size` bytes. */
export function chunksOf(data: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += size) pieces.push(data.subarray(offset, offset + size));
  return pieces;
}
