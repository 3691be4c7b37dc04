import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ParallelDeflateEncoder, StoredEncoder } from '../../src/archive/write/_internals/entry-encoders.js';
import { readWriteZipOptions } from '../../src/archive/write/_internals/write-zip-settings.js';
import { writeZip, type ZipSource } from '../../src/archive/write/index.js';
import { writeZipWithSettings } from '../../src/archive/write/write-zip.js';
import { BackupConformanceError } from '../../src/errors.js';
import { chunksOf, documentText, randomBytes } from './_helpers/data.js';
import { RecordingOutput } from './_helpers/recording-output.js';
import { replayable } from './_helpers/seed.js';
import { readZip, sha256Hex } from './_helpers/zip-contents.js';

/** Runs an encoder over `data` in `chunk`-byte pushes; returns what it emitted and measured. */
async function encode(data: Buffer, chunk: number, options: { level: number; blockSize: number; concurrency: number }) {
  const pieces: Buffer[] = [];
  const encoder = new ParallelDeflateEncoder(options, async (piece) => {
    pieces.push(piece);
  });
  for (const piece of chunksOf(data, chunk)) await encoder.push(piece);
  const encoded = await encoder.end();
  return { stream: Buffer.concat(pieces), encoded, pieces: pieces.length };
}

/** Random bytes, runs and text, mixed: what database files look like to DEFLATE. */
const content = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 4000 }).map((bytes) => Buffer.from(bytes)),
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 9000 })).map(([byte, count]) => Buffer.alloc(count, byte)),
      fc.integer({ min: 1, max: 6000 }).map((length) => documentText(length, length)),
    ),
    { maxLength: 6 },
  )
  .map((parts) => Buffer.concat(parts));

describe('ParallelDeflateEncoder: blocks joined into one DEFLATE stream', () => {
  fcTest.prop(
    {
      data: content,
      level: fc.integer({ min: 1, max: 9 }),
      blockSize: fc.integer({ min: 300, max: 5000 }),
      chunk: fc.integer({ min: 1, max: 7000 }),
      concurrency: fc.integer({ min: 1, max: 6 }),
    },
    replayable(60),
  )('inflates back to the input, with its size and CRC-32, whatever the blocks, chunks and concurrency', async ({ data, level, blockSize, chunk, concurrency }) => {
    const { stream, encoded } = await encode(data, chunk, { level, blockSize, concurrency });
    expect(inflateRawSync(stream).equals(data)).toBe(true);
    expect(encoded).toEqual({ size: data.length, crc32: crc32(data), compressedSize: stream.length });
    // The bytes never depend on how many blocks run at once, nor on how the input was chunked.
    const serial = await encode(data, 997, { level, blockSize, concurrency: 1 });
    expect(serial.stream.equals(stream)).toBe(true);
  });

  it('an empty entry is a valid final block', async () => {
    const { stream, encoded } = await encode(Buffer.alloc(0), 1, { level: 6, blockSize: 1024, concurrency: 2 });
    expect(inflateRawSync(stream).length).toBe(0);
    expect(encoded).toEqual({ size: 0, crc32: 0, compressedSize: stream.length });
  });

  it('primes each block with the 32 KiB before it, so matches reach across blocks', async () => {
    // 20 KiB of noise repeated: compressible only by matches that reach back 20 KiB, across
    // the 16 KiB blocks. Without the dictionary nearly every block would stay incompressible.
    const noise = randomBytes(20 * 1024, 5);
    const data = Buffer.concat(Array.from({ length: 40 }, () => noise));
    const { stream } = await encode(data, 64 * 1024, { level: 6, blockSize: 16 * 1024, concurrency: 3 });
    const single = deflateRawSync(data, { level: 6 });
    expect(inflateRawSync(stream).equals(data)).toBe(true);
    expect(stream.length).toBeLessThan(2 * single.length);
    expect(stream.length).toBeLessThan(data.length / 10);
  });

  it('starts emitting while the entry is still being pushed (blocks start small)', async () => {
    const data = documentText(3 * 1024 * 1024);
    let emittedBeforeEnd = 0;
    let ended = false;
    const encoder = new ParallelDeflateEncoder({ level: 1, blockSize: 1024 * 1024, concurrency: 2 }, async (piece) => {
      if (!ended) emittedBeforeEnd += piece.length;
    });
    let pushed = 0;
    let pushedAtFirstEmit = -1;
    for (const piece of chunksOf(data, 32 * 1024)) {
      await encoder.push(piece);
      pushed += piece.length;
      if (emittedBeforeEnd > 0 && pushedAtFirstEmit < 0) pushedAtFirstEmit = pushed;
    }
    ended = true;
    await encoder.end();
    expect(emittedBeforeEnd).toBeGreaterThan(0);
    // The first block is 64 KiB: output comes long before a 1 MiB block could have filled.
    expect(pushedAtFirstEmit).toBeGreaterThan(0);
    expect(pushedAtFirstEmit).toBeLessThan(1024 * 1024);
  });

  it('copies what it is given: a chunk changed after push() does not change the archive', async () => {
    const data = documentText(200_000);
    const pieces: Buffer[] = [];
    const encoder = new ParallelDeflateEncoder({ level: 6, blockSize: 8192, concurrency: 3 }, async (piece) => {
      pieces.push(piece);
    });
    const reused = Buffer.alloc(1000);
    for (const piece of chunksOf(data, 1000)) {
      piece.copy(reused);
      await encoder.push(reused.subarray(0, piece.length));
      reused.fill(0x55);
    }
    const encoded = await encoder.end();
    expect(inflateRawSync(Buffer.concat(pieces)).equals(data)).toBe(true);
    expect(encoded.crc32).toBe(crc32(data));
  });

  it('StoredEncoder passes the bytes on as they are and measures them when it takes them', async () => {
    const pieces: Buffer[] = [];
    const encoder = new StoredEncoder(async (piece) => {
      pieces.push(Buffer.from(piece));
    });
    await encoder.push(Buffer.from('abc'));
    await encoder.push(new Uint8Array([100, 101, 102]));
    expect(Buffer.concat(pieces).toString()).toBe('abcdef');
    expect(await encoder.end()).toEqual({ size: 6, crc32: crc32(Buffer.from('abcdef')), compressedSize: 6 });
  });
});

describe('writeZip on every core', () => {
  const modifiedAt = new Date(Date.UTC(2024, 1, 2, 3, 4, 6));
  const big = Buffer.concat([documentText(2_500_000), randomBytes(700_000, 9), documentText(300_000, 3)]);

  it.each([1, 6, 9])('level %i: the archive is the same byte for byte with concurrency 1 and 5, and reads back', async (level) => {
    const sources = (): ZipSource[] => [
      { name: 'cluster.pcl', size: big.length, open: () => chunksOf(big, 256 * 1024) },
      { name: 'small.cpm', size: 10, open: () => [Buffer.from('0123456789')] },
    ];
    const one = new RecordingOutput();
    const five = new RecordingOutput();
    await writeZip(one, sources(), { compressionLevel: level, bufferSize: 65536, modifiedAt, concurrency: 1 });
    const result = await writeZip(five, sources(), { compressionLevel: level, bufferSize: 65536, modifiedAt, concurrency: 5 });
    expect(five.bytes.equals(one.bytes)).toBe(true);
    const archive = await readZip(five.bytes);
    expect(archive.entries[0]!.data.equals(big)).toBe(true);
    expect(archive.entries[0]!.actualCrc32).toBe(archive.entries[0]!.crc32);
    expect(result.entries[0]!.sha256).toBe(sha256Hex(big));
    expect(result.entries[0]!.compressedSize).toBe(archive.entries[0]!.compressedSize);
  });

  it('many tiny blocks (internal block size 1 KiB) still make one valid entry per source', async () => {
    const settings = { ...readWriteZipOptions({ compressionLevel: 4, bufferSize: 4096, modifiedAt }), deflateBlockSize: 1024 };
    const out = new RecordingOutput();
    const data = documentText(150_000);
    await writeZipWithSettings(out, [{ name: 'a', open: () => chunksOf(data, 777) }], settings);
    const archive = await readZip(out.bytes);
    expect(archive.entries[0]!.data.equals(data)).toBe(true);
  });

  it.each([
    ['zero', 0],
    ['too many', 65],
    ['a fraction', 1.5],
    ['a string', '2'],
  ])('refuses concurrency %s with ERR_INVALID_OPTIONS', async (_label, concurrency) => {
    const outcome = await writeZip(new RecordingOutput(), [], { compressionLevel: 1, bufferSize: 1024, concurrency: concurrency as number }).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(BackupConformanceError);
    expect((outcome as BackupConformanceError).code).toBe('ERR_INVALID_OPTIONS');
  });
});
