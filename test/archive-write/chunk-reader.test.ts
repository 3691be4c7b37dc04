import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { writeZip, writeZipToFile, type ZipChunkReader, type ZipSource } from '../../src/archive/write/index.js';
import { BackupConformanceError } from '../../src/errors.js';
import { documentText, randomBytes } from './_helpers/data.js';
import { RecordingOutput } from './_helpers/recording-output.js';
import { readZip, sha256Hex } from './_helpers/zip-contents.js';

/**
 * Sources that read into the writer's buffers (`ZipChunkReader`, what a backup's database files
 * are): the writer reuses two buffers for all of them, so what it archives must never be a
 * buffer it has since refilled, and the reader must be closed once, whatever happens.
 */

/** A reader over `data` that delivers at most `step` bytes per call and records its calls. */
function readerOver(data: Buffer, step = Number.POSITIVE_INFINITY): ZipChunkReader & { closes: number; lengths: number[]; buffers: Set<ArrayBufferLike> } {
  let position = 0;
  const reader = {
    closes: 0,
    lengths: [] as number[],
    buffers: new Set<ArrayBufferLike>(),
    async readInto(buffer: Buffer): Promise<number> {
      reader.lengths.push(buffer.length);
      reader.buffers.add(buffer.buffer);
      const count = Math.min(buffer.length, step, data.length - position);
      data.copy(buffer, 0, position, position + count);
      position += count;
      await new Promise((resolve) => setImmediate(resolve));
      return count;
    },
    close(): void {
      reader.closes++;
    },
  };
  return reader;
}

async function rejection(promise: Promise<unknown>, code: string): Promise<BackupConformanceError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(BackupConformanceError);
  expect((outcome as BackupConformanceError).code, (outcome as Error).message).toBe(code);
  return outcome as BackupConformanceError;
}

describe('ZipChunkReader sources', () => {
  const big = Buffer.concat([documentText(2_600_000), randomBytes(900_000, 4)]);

  it.each([0, 1, 6])('level %i: archives every byte, reusing two buffers for all the sources, and closes each reader once', async (level) => {
    const readers = [readerOver(big), readerOver(documentText(70_000, 2), 3000), readerOver(Buffer.alloc(0))];
    const sources: ZipSource[] = [
      { name: 'f0', size: big.length, open: () => readers[0]! },
      { name: 'f1', open: () => readers[1]! },
      { name: 'f2', size: 0, open: () => readers[2]! },
    ];
    const out = new RecordingOutput();
    const result = await writeZip(out, sources, { compressionLevel: level, bufferSize: 100_000 });
    const archive = await readZip(out.bytes);
    expect(archive.entries[0]!.data.equals(big)).toBe(true);
    expect(archive.entries[1]!.data.equals(documentText(70_000, 2))).toBe(true);
    expect(archive.entries[2]!.data.length).toBe(0);
    expect(result.entries[0]!.sha256).toBe(sha256Hex(big));
    for (const reader of readers) expect(reader.closes).toBe(1);
    const buffers = new Set(readers.flatMap((reader) => [...reader.buffers]));
    expect(buffers.size).toBeLessThanOrEqual(2);
    expect(readers[0]!.lengths.every((length) => length === 1024 * 1024)).toBe(true);
  });

  it('writes a multi-MiB STORED archive to a file exactly, with the output buffers reused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chunk-reader-'));
    try {
      const path = join(dir, 'a.zip');
      const result = await writeZipToFile(path, [{ name: 'big', size: big.length, open: () => readerOver(big, 200_000) }], { compressionLevel: 0, bufferSize: 65_536 });
      const bytes = await readFile(path);
      expect(bytes.length).toBe(result.bytes);
      expect((await readZip(bytes)).entries[0]!.data.equals(big)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a reader that delivers more or fewer bytes than declared gives ERR_SOURCE_CHANGED, and is closed', async () => {
    for (const declared of [big.length - 1, big.length + 1]) {
      const reader = readerOver(big);
      const error = await rejection(writeZip(new RecordingOutput(), [{ name: 'db.pcl', size: declared, open: () => reader }], { compressionLevel: 1, bufferSize: 4096 }), 'ERR_SOURCE_CHANGED');
      expect(error.details).toMatchObject({ entry: 'db.pcl', declaredSize: declared });
      expect(reader.closes).toBe(1);
    }
  });

  it.each([
    ['ENOENT (a file vanished)', Object.assign(new Error('gone'), { code: 'ENOENT' }), 'ERR_SOURCE_CHANGED'],
    ['EIO', Object.assign(new Error('bad sector'), { code: 'EIO' }), 'ERR_IO'],
  ])('readInto rejecting with %s gives %s, and the reader is closed', async (_label, cause, code) => {
    let calls = 0;
    let closes = 0;
    const reader: ZipChunkReader = {
      readInto: async (buffer) => {
        if (++calls === 3) throw cause;
        buffer.fill(1);
        return buffer.length;
      },
      close: () => void closes++,
    };
    const error = await rejection(writeZip(new RecordingOutput(), [{ name: 'x.pcl', open: () => reader }], { compressionLevel: 6, bufferSize: 4096 }), code);
    expect(error.cause).toBe(cause);
    expect(closes).toBe(1);
  });

  it.each([
    ['more than the buffer holds', (buffer: Buffer) => buffer.length + 1],
    ['a fraction', () => 1.5],
    ['a negative count', () => -1],
    ['not a number', () => '10' as unknown as number],
  ])('readInto resolving %s gives ERR_INVALID_ARGUMENT', async (_label, count) => {
    const reader: ZipChunkReader = { readInto: async (buffer) => count(buffer) };
    await rejection(writeZip(new RecordingOutput(), [{ name: 'x', open: () => reader }], { compressionLevel: 1, bufferSize: 4096 }), 'ERR_INVALID_ARGUMENT');
  });

  it('an output failing mid-archive closes the reader, after its running read settled', async () => {
    let reading = false;
    let closedWhileReading = false;
    let closes = 0;
    const reader: ZipChunkReader = {
      readInto: async (buffer) => {
        reading = true;
        await new Promise((resolve) => setTimeout(resolve, 1));
        reading = false;
        buffer.set(randomBytes(buffer.length, 9));
        return buffer.length;
      },
      close: () => {
        closes++;
        closedWhileReading ||= reading;
      },
    };
    let received = 0;
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length;
        callback(received > 3_000_000 ? Object.assign(new Error('disk full'), { code: 'ENOSPC' }) : null);
      },
    });
    await rejection(writeZip(out, [{ name: 'endless', open: () => reader }], { compressionLevel: 0, bufferSize: 65_536 }), 'ERR_OUTPUT_FAILED');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closes).toBe(1);
    expect(closedWhileReading).toBe(false);
  });
});
