import { describe, expect } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { writeZip, type ZipSource } from '../../src/archive/write/index.js';
import { chunksOf } from './_helpers/data.js';
import { RecordingOutput } from './_helpers/recording-output.js';
import { replayable } from './_helpers/seed.js';
import { readZip, sha256Hex } from './_helpers/zip-contents.js';

/** Entry contents: random bytes, runs (compressible) or a mix, up to a few KiB. */
const contents = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 800 })), { maxLength: 8 }).map((runs) =>
    Uint8Array.from(runs.flatMap(([byte, count]) => new Array<number>(count).fill(byte))),
  ),
);

const segment = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/).filter((s) => s !== '.' && s !== '..');
const name = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));

const entries = fc.uniqueArray(fc.record({ name, data: contents, chunk: fc.integer({ min: 1, max: 4096 }) }), {
  maxLength: 5,
  selector: (entry) => entry.name.toLowerCase(),
});

describe('writeZip round trip (property)', () => {
  fcTest.prop(
    {
      entries,
      level: fc.integer({ min: 0, max: 9 }),
      bufferSize: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 70_000 })),
    },
    replayable(100),
  )('any entries, level and bufferSize: the archive reads back exactly, in bufferSize writes', async ({ entries, level, bufferSize }) => {
    const sources: ZipSource[] = entries.map((entry) => ({
      name: entry.name,
      size: entry.data.length,
      open: () => chunksOf(Buffer.from(entry.data), entry.chunk),
    }));
    const out = new RecordingOutput();
    const result = await writeZip(out, sources, { compressionLevel: level, bufferSize });

    const sizes = out.chunks.map((chunk) => chunk.length);
    expect(sizes.slice(0, -1).every((size) => size === bufferSize)).toBe(true);
    expect(sizes.at(-1)!).toBeLessThanOrEqual(bufferSize);
    expect(result.bytes).toBe(out.bytes.length);

    const archive = await readZip(out.bytes);
    expect(archive.entries.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    archive.entries.forEach((read, index) => {
      const expected = Buffer.from(entries[index]!.data);
      expect(read.data.equals(expected)).toBe(true);
      expect(read.method).toBe(level === 0 ? 0 : 8);
      expect(read.actualCrc32).toBe(read.crc32);
      const stats = result.entries[index]!;
      expect(stats.sha256).toBe(sha256Hex(expected));
      expect(stats.crc32).toBe(read.crc32);
      expect(stats.compressedSize).toBe(read.compressedSize);
    });
  });
});
