import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { writeZip, type ZipSource } from '../../src/archive/write/index.js';
import { BackupConformanceError } from '../../src/errors.js';
import { bufferSource, documentText, randomBytes } from './_helpers/data.js';
import { RecordingOutput } from './_helpers/recording-output.js';
import { readZip } from './_helpers/zip-contents.js';

/** Every chunk but the last is exactly `bufferSize` bytes; the last one is 1..bufferSize. */
function expectChunkedBy(chunks: readonly Buffer[], bufferSize: number): void {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  expect(chunks.length).toBe(Math.ceil(total / bufferSize));
  chunks.slice(0, -1).forEach((chunk, index) => expect(chunk.length, `chunk #${index}`).toBe(bufferSize));
  expect(chunks.at(-1)!.length).toBeGreaterThan(0);
  expect(chunks.at(-1)!.length).toBeLessThanOrEqual(bufferSize);
}

describe('bufferSize: how the archive reaches the output', () => {
  it.each([
    [1, 2_000],
    [512, 150_000],
    [2048, 150_000],
    [1048576, 150_000],
  ])('bufferSize %d: writes of exactly bufferSize bytes, the last one smaller', async (bufferSize, dataSize) => {
    const out = new RecordingOutput();
    const result = await writeZip(out, [bufferSource('docs', documentText(dataSize)), bufferSource('blob', randomBytes(dataSize / 2))], {
      compressionLevel: 1,
      bufferSize,
    });
    expectChunkedBy(out.chunks, bufferSize);
    expect(out.chunks.length).toBe(Math.ceil(result.bytes / bufferSize));
    const entries = (await readZip(out.bytes)).entries;
    expect(entries.map((e) => e.size)).toEqual([dataSize, dataSize / 2]);
  });

  it('writes a small archive in a single write when bufferSize exceeds it', async () => {
    const out = new RecordingOutput();
    const result = await writeZip(out, [bufferSource('a', Buffer.from('hello'))], { compressionLevel: 9, bufferSize: 1048576 });
    expect(out.chunks.map((c) => c.length)).toEqual([result.bytes]);
  });

  it('never writes again after write() returned false until the output drains', async () => {
    let violations = 0;
    let waitingForDrain = false;
    let writes = 0;
    const out = new Writable({
      highWaterMark: 1000,
      write(_chunk, _encoding, callback) {
        setTimeout(callback, 1);
      },
    });
    out.on('drain', () => {
      waitingForDrain = false;
    });
    const originalWrite = out.write.bind(out) as (chunk: unknown, callback?: () => void) => boolean;
    out.write = ((chunk: unknown, callback?: () => void) => {
      if (waitingForDrain) violations++;
      writes++;
      const accepted = originalWrite(chunk, callback);
      if (!accepted) waitingForDrain = true;
      return accepted;
    }) as typeof out.write;
    await writeZip(out, [bufferSource('a', randomBytes(40_000))], { compressionLevel: 0, bufferSize: 512 });
    expect(writes).toBeGreaterThan(50);
    expect(violations).toBe(0);
  });

  it('reads only about bufferSize plus bounded stream buffers ahead of a stalled output', async () => {
    const bufferSize = 64 * 1024;
    let produced = 0;
    const total = 256 * 1024 * 1024;
    async function* endless(): AsyncGenerator<Uint8Array> {
      const chunk = randomBytes(64 * 1024);
      while (produced < total) {
        produced += chunk.length;
        yield chunk;
      }
    }
    const source: ZipSource = { name: 'huge', open: () => endless() };
    const stalled = new Writable({ highWaterMark: 1024, write() {} });
    const rejected = await writeZip(stalled, [source], { compressionLevel: 0, bufferSize, stallTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(BackupConformanceError);
    expect((rejected as BackupConformanceError).code).toBe('ERR_OUTPUT_FAILED');
    // archiver's two 1 MiB stream buffers, our 256 KiB gathering, zlib/PassThrough buffers and bufferSize:
    // a few MiB at most, not the 256 MiB the source could deliver.
    expect(produced).toBeLessThan(8 * 1024 * 1024);
  });
});
