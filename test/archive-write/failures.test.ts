import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeZip, type WriteZipOptions, type ZipSource } from '../../src/archive/write/index.js';
import { BackupConformanceError, fail } from '../../src/errors.js';
import { bufferSource, chunksOf, documentText, randomBytes } from './_helpers/data.js';
import { RecordingOutput } from './_helpers/recording-output.js';

const BASE: WriteZipOptions = { compressionLevel: 1, bufferSize: 4096, stallTimeoutMs: 5000 };

async function rejection(promise: Promise<unknown>, code: string): Promise<BackupConformanceError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome, 'expected a rejection').toBeInstanceOf(BackupConformanceError);
  expect((outcome as BackupConformanceError).code, (outcome as Error).message).toBe(code);
  return outcome as BackupConformanceError;
}

/** A source that yields `total` bytes slowly and records whether it was closed. */
function trackedSource(name: string, total = 2_000_000): { source: ZipSource; closed: () => boolean; read: () => number } {
  let closed = false;
  let read = 0;
  async function* generate(): AsyncGenerator<Uint8Array> {
    try {
      const chunk = randomBytes(32 * 1024);
      while (read < total) {
        read += chunk.length;
        yield chunk;
        await sleep(0);
      }
    } finally {
      closed = true;
    }
  }
  return { source: { name, open: () => generate() }, closed: () => closed, read: () => read };
}

/** An output that fails once it has received `limit` bytes, in the way `how` says. */
class FailingOutput extends Writable {
  received = 0;
  constructor(
    private readonly limit: number,
    private readonly how: 'callback' | 'emit',
  ) {
    super({ highWaterMark: 8192 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.received += chunk.length;
    if (this.received < this.limit) {
      callback();
      return;
    }
    const error = Object.assign(new Error('disk full'), { code: 'ENOSPC' });
    if (this.how === 'callback') callback(error);
    else {
      this.emit('error', error);
    }
  }
}

/** Active timers and handles, by type, to check that a failed write leaves nothing behind. */
function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

describe('output failures', () => {
  it.each(['callback', 'emit'] as const)(
    'an output failing mid-archive (%s) gives ERR_OUTPUT_FAILED with the cause, and the source is closed',
    async (how) => {
      const tracked = trackedSource('big');
      const out = new FailingOutput(100_000, how);
      const error = await rejection(writeZip(out, [tracked.source, bufferSource('next', Buffer.from('n'))], BASE), 'ERR_OUTPUT_FAILED');
      expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
      expect(tracked.closed()).toBe(true);
      expect(tracked.read()).toBeLessThan(2_000_000);
      expect(out.destroyed).toBe(true);
    },
  );

  it('a source Readable is destroyed when the output fails', async () => {
    const readable = Readable.from(chunksOf(randomBytes(3_000_000), 16 * 1024), { objectMode: false });
    const out = new FailingOutput(50_000, 'emit');
    await rejection(writeZip(out, [{ name: 'r', open: () => readable }], BASE), 'ERR_OUTPUT_FAILED');
    expect(readable.destroyed).toBe(true);
  });

  it('an output that is not a Node stream and only reports failure through the write callback', async () => {
    class CallbackOnly extends EventEmitter {
      written = 0;
      write(chunk: Uint8Array, callback?: (error?: Error | null) => void): boolean {
        this.written += chunk.length;
        const error = this.written > 20_000 ? new Error('remote end refused') : null;
        queueMicrotask(() => callback?.(error));
        return true;
      }
      end(): void {
        queueMicrotask(() => this.emit('finish'));
      }
    }
    const out = new CallbackOnly();
    const error = await rejection(writeZip(out as unknown as NodeJS.WritableStream, [bufferSource('x', randomBytes(100_000))], BASE), 'ERR_OUTPUT_FAILED');
    expect((error.cause as Error).message).toBe('remote end refused');
  });

  it('an output closed before the end gives ERR_OUTPUT_FAILED', async () => {
    const tracked = trackedSource('big');
    const out = new RecordingOutput();
    setTimeout(() => out.destroy(), 20);
    await rejection(writeZip(out, [tracked.source], BASE), 'ERR_OUTPUT_FAILED');
    expect(tracked.closed()).toBe(true);
  });

  it('an output that stops accepting data gives ERR_OUTPUT_FAILED after stallTimeoutMs', async () => {
    const stalled = new Writable({ highWaterMark: 1024, write() {} });
    const tracked = trackedSource('big');
    const started = Date.now();
    const error = await rejection(writeZip(stalled, [tracked.source], { ...BASE, stallTimeoutMs: 150 }), 'ERR_OUTPUT_FAILED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(error.details).toMatchObject({ stallTimeoutMs: 150 });
    expect(tracked.closed()).toBe(true);
  });

  it('an output that never finishes gives ERR_OUTPUT_FAILED after stallTimeoutMs', async () => {
    const neverFinishes = new Writable({
      write(_chunk, _encoding, callback) {
        callback();
      },
      final() {},
    });
    await rejection(writeZip(neverFinishes, [bufferSource('a', Buffer.from('a'))], { ...BASE, stallTimeoutMs: 100 }), 'ERR_OUTPUT_FAILED');
  });

  it('leaves no timer or handle behind, on success and on failure', async () => {
    const before = activeResources();
    await writeZip(new RecordingOutput({ delayMs: 1 }), [bufferSource('a', randomBytes(50_000))], { ...BASE, stallTimeoutMs: 600_000 });
    await rejection(writeZip(new FailingOutput(10_000, 'callback'), [trackedSource('b').source], { ...BASE, stallTimeoutMs: 600_000 }), 'ERR_OUTPUT_FAILED');
    // Short-lived work (a source's last timer tick, a pending close) may need a moment to finish;
    // a leaked 10-minute stall timer would still be there after this.
    await expect.poll(() => activeResources(), { timeout: 2000, interval: 20 }).toEqual(before);
  });
});

describe('source failures', () => {
  function failingSource(name: string, error: unknown, after = 10_000): ZipSource {
    async function* generate(): AsyncGenerator<Uint8Array> {
      yield randomBytes(after);
      throw error;
    }
    return { name, open: () => generate() };
  }

  it.each([
    ['ENOENT (the file vanished)', Object.assign(new Error('gone'), { code: 'ENOENT' }), 'ERR_SOURCE_CHANGED'],
    ['EIO', Object.assign(new Error('bad sector'), { code: 'EIO' }), 'ERR_IO'],
    ['a plain Error', new Error('boom'), 'ERR_IO'],
    ['a coded error (passes through)', fail('ERR_CORRUPT_PAGE', 'page 3 of a.pcl'), 'ERR_CORRUPT_PAGE'],
  ])('a source stream failing with %s gives %s', async (_label, cause, code) => {
    const out = new RecordingOutput();
    const error = await rejection(writeZip(out, [bufferSource('ok', Buffer.from('ok')), failingSource('bad.pcl', cause)], BASE), code);
    if (code !== 'ERR_CORRUPT_PAGE') {
      expect(error.cause).toBe(cause);
      expect(error.details).toMatchObject({ entry: 'bad.pcl' });
    } else expect(error).toBe(cause);
    expect(out.destroyed).toBe(true);
    expect(out.writableFinished).toBe(false);
  });

  it('open() throwing ENOENT gives ERR_SOURCE_CHANGED', async () => {
    const source: ZipSource = {
      name: 'wal/0001.wal',
      open: () => {
        throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      },
    };
    await rejection(writeZip(new RecordingOutput(), [source], BASE), 'ERR_SOURCE_CHANGED');
  });

  it('a real file deleted before its turn gives ERR_SOURCE_CHANGED, not a silently missing entry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zip-write-'));
    try {
      const path = join(dir, 'vanishing.pcl');
      await writeFile(path, 'data');
      const sources: ZipSource[] = [
        { name: 'first', open: () => Buffer.from('first') },
        { name: 'vanishing.pcl', open: () => createReadStream(path) },
      ];
      await rm(path);
      const error = await rejection(writeZip(new RecordingOutput(), sources, BASE), 'ERR_SOURCE_CHANGED');
      expect(error.details).toMatchObject({ entry: 'vanishing.pcl', errno: 'ENOENT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['grew', 1000, 1500],
    ['shrank', 1000, 600],
  ])('a source that %s against its declared size gives ERR_SOURCE_CHANGED', async (_label, declared, actual) => {
    const source: ZipSource = { name: 'db.pcl', size: declared, open: () => chunksOf(randomBytes(actual), 100) };
    const error = await rejection(writeZip(new RecordingOutput(), [source], BASE), 'ERR_SOURCE_CHANGED');
    expect(error.details).toMatchObject({ entry: 'db.pcl', declaredSize: declared });
  });

  it('stops reading a source that grows as soon as it passes its declared size', async () => {
    let read = 0;
    function* endless(): Generator<Uint8Array> {
      for (;;) {
        read += 1000;
        yield randomBytes(1000);
      }
    }
    await rejection(writeZip(new RecordingOutput(), [{ name: 'grows', size: 5000, open: () => endless() }], BASE), 'ERR_SOURCE_CHANGED');
    // The chunk that passed the limit, plus the stream buffers' read-ahead of a chunk or two.
    expect(read).toBeLessThanOrEqual(5000 + 3 * 1000);
  });

  it('a source that reuses the memory of a chunk it already yielded gives ERR_SOURCE_CHANGED', async () => {
    async function* reusing(): AsyncGenerator<Uint8Array> {
      const buffer = Buffer.alloc(1000);
      for (let i = 0; i < 600; i++) {
        buffer.fill(i & 0xff);
        yield buffer;
      }
    }
    await rejection(writeZip(new RecordingOutput(), [{ name: 'reuse', open: () => reusing() }], BASE), 'ERR_SOURCE_CHANGED');
  });

  it.each([
    ['a string', () => 'text'],
    ['a number', () => 42],
    ['an iterable of strings', () => ['a', 'b']],
  ])('open() returning %s gives ERR_INVALID_ARGUMENT', async (_label, open) => {
    await rejection(writeZip(new RecordingOutput(), [{ name: 'x', open } as unknown as ZipSource], BASE), 'ERR_INVALID_ARGUMENT');
  });

  it('the list of sources failing gives ERR_IO', async () => {
    async function* list(): AsyncGenerator<ZipSource> {
      yield bufferSource('a', Buffer.from('a'));
      throw Object.assign(new Error('readdir failed'), { code: 'EACCES' });
    }
    const error = await rejection(writeZip(new RecordingOutput(), list(), BASE), 'ERR_IO');
    expect(error.details).toMatchObject({ errno: 'EACCES' });
  });
});

describe('listeners that throw, and cancellation', () => {
  it.each([
    ['onEntryStart throws', { onEntryStart: () => { throw new Error('log full'); } }],
    ['onEntry throws', { onEntry: () => { throw new Error('log full'); } }],
    ['onEntry rejects', { onEntry: async () => { throw new Error('log full'); } }],
    ['finalEntries throws', { finalEntries: () => { throw new Error('log full'); } }],
  ])('%s: the write is aborted with ERR_LISTENER_FAILED and the output discarded', async (_label, listener) => {
    const out = new RecordingOutput();
    const error = await rejection(writeZip(out, [bufferSource('a', documentText(10_000))], { ...BASE, ...listener }), 'ERR_LISTENER_FAILED');
    expect((error.cause as Error).message).toBe('log full');
    expect(out.destroyed).toBe(true);
    expect(out.writableFinished).toBe(false);
  });

  it('finalEntries returning something else than entries gives ERR_INVALID_ARGUMENT', async () => {
    await rejection(
      writeZip(new RecordingOutput(), [bufferSource('a', Buffer.from('a'))], { ...BASE, finalEntries: () => [{ name: 'm.json', data: 'text' }] as never }),
      'ERR_INVALID_ARGUMENT',
    );
    await rejection(
      writeZip(new RecordingOutput(), [bufferSource('a', Buffer.from('a'))], { ...BASE, finalEntries: () => [{ name: 'a', data: Buffer.from('dup') }] }),
      'ERR_INVALID_ARGUMENT',
    );
  });

  it('an already aborted signal writes nothing', async () => {
    const out = new RecordingOutput();
    await rejection(writeZip(out, [bufferSource('a', Buffer.from('a'))], { ...BASE, signal: AbortSignal.abort() }), 'ERR_ABORTED');
    expect(out.chunks).toEqual([]);
    expect(out.destroyed).toBe(false);
  });

  it('aborting mid-write gives ERR_ABORTED, closes the source and discards the output', async () => {
    const controller = new AbortController();
    const tracked = trackedSource('big', 50_000_000);
    const out = new RecordingOutput();
    setTimeout(() => controller.abort(new Error('user cancelled')), 30);
    const error = await rejection(writeZip(out, [tracked.source], { ...BASE, signal: controller.signal }), 'ERR_ABORTED');
    expect((error.cause as Error).message).toBe('user cancelled');
    expect(tracked.closed()).toBe(true);
    expect(out.destroyed).toBe(true);
  });

  it('a source that never yields does not hold a failed write for ever', async () => {
    const controller = new AbortController();
    const source: ZipSource = { name: 'stuck', open: () => new Readable({ read() {} }) };
    setTimeout(() => controller.abort(), 20);
    await rejection(writeZip(new RecordingOutput(), [source], { ...BASE, signal: controller.signal }), 'ERR_ABORTED');
  });
});
