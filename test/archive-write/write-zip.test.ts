import { describe, expect, it } from 'vitest';
import { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeZip, type ZipEntryStats, type ZipSource } from '../../src/archive/write/index.js';
import { BackupConformanceError } from '../../src/errors.js';
import { bufferSource, chunksOf, documentText, randomBytes } from './_helpers/data.js';
import { RecordingOutput } from './_helpers/recording-output.js';
import { dosFieldsUtc, readZip, sha256Hex } from './_helpers/zip-contents.js';

const BASE = { compressionLevel: 6, bufferSize: 65536 } as const;

async function rejection(promise: Promise<unknown>): Promise<BackupConformanceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BackupConformanceError);
    return error as BackupConformanceError;
  }
  throw new Error('expected a rejection');
}

describe('writeZip: the archive', () => {
  const text = documentText(200_000);
  const blob = randomBytes(70_000);

  it('round-trips names, order and bytes, and reports exact stats', async () => {
    const out = new RecordingOutput();
    const result = await writeZip(
      out,
      [bufferSource('docs.json', text), bufferSource('données/blob.bin', blob), bufferSource('empty.wal', Buffer.alloc(0))],
      BASE,
    );
    const zip = out.bytes;
    expect(result.bytes).toBe(zip.length);
    expect(out.writableFinished).toBe(true);

    const archive = await readZip(zip);
    expect(archive.entries.map((e) => e.name)).toEqual(['docs.json', 'données/blob.bin', 'empty.wal']);
    // Non-ASCII names carry the UTF-8 flag (general purpose bit 11), so every reader decodes them alike.
    expect(archive.entries[1]!.generalPurposeBitFlag & 0x800).toBe(0x800);
    expect(archive.entries[0]!.data.equals(text)).toBe(true);
    expect(archive.entries[1]!.data.equals(blob)).toBe(true);
    expect(archive.entries[2]!.data.length).toBe(0);

    expect(result.entries.map((s) => s.name)).toEqual(archive.entries.map((e) => e.name));
    for (const [index, stats] of result.entries.entries()) {
      const read = archive.entries[index]!;
      expect(stats.size).toBe(read.data.length);
      expect(stats.compressedSize).toBe(read.compressedSize);
      expect(stats.crc32).toBe(read.actualCrc32);
      expect(stats.crc32).toBe(read.crc32);
      expect(stats.sha256).toBe(read.sha256);
      expect(stats.method).toBe(read.method);
      expect(stats.elapsedMs).toBeGreaterThanOrEqual(0);
      const expectedRatio = stats.size === 0 ? 0 : (1 - stats.compressedSize / stats.size) * 100;
      expect(stats.ratio).toBeCloseTo(expectedRatio, 10);
    }
    expect(result.entries[0]!.ratio).toBeGreaterThan(50);
  });

  it('writes STORED entries at level 0 and DEFLATE entries at levels 1 to 9', async () => {
    for (let level = 0; level <= 9; level++) {
      const out = new RecordingOutput();
      const result = await writeZip(out, [bufferSource('a.pcl', text.subarray(0, 20_000))], { ...BASE, compressionLevel: level });
      const [entry] = (await readZip(out.bytes)).entries;
      expect(entry!.method, `level ${level}`).toBe(level === 0 ? 0 : 8);
      expect(result.entries[0]!.method).toBe(entry!.method);
      if (level === 0) expect(entry!.compressedSize).toBe(20_000);
      expect(entry!.data.equals(text.subarray(0, 20_000))).toBe(true);
    }
  });

  it('writes the archive comment', async () => {
    const out = new RecordingOutput();
    const comment = 'OrientDB Backup executed on 2024-05-01T10:00:00.000Z';
    await writeZip(out, [bufferSource('a', Buffer.from('x'))], { ...BASE, comment });
    expect((await readZip(out.bytes)).comment).toBe(comment);
  });

  it('gives every entry the same fixed mtime and regular-file permissions 0644 on Unix', async () => {
    const modifiedAt = new Date(Date.UTC(2024, 4, 1, 10, 20, 31));
    const out = new RecordingOutput();
    await writeZip(out, [bufferSource('a', text.subarray(0, 10)), bufferSource('b/c', blob.subarray(0, 10))], { ...BASE, modifiedAt });
    const { dosDate, dosTime } = dosFieldsUtc(modifiedAt);
    for (const entry of (await readZip(out.bytes)).entries) {
      expect(entry.dosDate).toBe(dosDate);
      expect(entry.dosTime).toBe(dosTime);
      expect(entry.unixMode).toBe(0o100644);
      expect(entry.madeBy).toBe(3);
    }
  });

  it('uses the time of the call as the default mtime', async () => {
    const before = new Date(Math.floor(Date.now() / 2000) * 2000);
    const out = new RecordingOutput();
    await writeZip(out, [bufferSource('a', Buffer.from('x')), bufferSource('b', Buffer.from('y'))], BASE);
    const after = new Date();
    const entries = (await readZip(out.bytes)).entries;
    expect(entries[0]!.dosTime).toBe(entries[1]!.dosTime);
    const stamp = (d: Date): number => dosFieldsUtc(d).dosDate * 65536 + dosFieldsUtc(d).dosTime;
    const written = entries[0]!.dosDate * 65536 + entries[0]!.dosTime;
    expect(written).toBeGreaterThanOrEqual(stamp(before));
    expect(written).toBeLessThanOrEqual(stamp(after));
  });

  it('writes a valid empty archive when there are no sources', async () => {
    const out = new RecordingOutput();
    const result = await writeZip(out, [], { ...BASE, comment: 'empty' });
    expect(result.entries).toEqual([]);
    const archive = await readZip(out.bytes);
    expect(archive.entries).toEqual([]);
    expect(archive.comment).toBe('empty');
  });
});

describe('writeZip: sources', () => {
  const data = documentText(50_000);

  it('accepts a Uint8Array, an iterable and an async iterable of chunks, and a Node Readable', async () => {
    async function* generate(): AsyncGenerator<Uint8Array> {
      for (const piece of chunksOf(data, 1000)) {
        await sleep(0);
        yield new Uint8Array(piece);
      }
    }
    const sources: ZipSource[] = [
      { name: 'bytes', open: () => new Uint8Array(data) },
      { name: 'iterable', open: () => chunksOf(data, 777) },
      { name: 'async', size: data.length, open: () => generate() },
      { name: 'readable', open: () => Readable.from(chunksOf(data, 4096), { objectMode: false }) },
    ];
    const out = new RecordingOutput();
    await writeZip(out, sources, BASE);
    const entries = (await readZip(out.bytes)).entries;
    expect(entries.map((e) => e.name)).toEqual(['bytes', 'iterable', 'async', 'readable']);
    for (const entry of entries) expect(entry.sha256).toBe(sha256Hex(data));
  });

  it('accepts the sources themselves as an async iterable and opens each only when its turn comes', async () => {
    const opened: string[] = [];
    async function* sources(): AsyncGenerator<ZipSource> {
      for (const name of ['one', 'two', 'three']) {
        await sleep(1);
        yield {
          name,
          open: () => {
            opened.push(name);
            return Buffer.from(name);
          },
        };
      }
    }
    const started: string[] = [];
    const out = new RecordingOutput();
    await writeZip(out, sources(), {
      ...BASE,
      onEntryStart: (name) => {
        expect(opened).toEqual(started);
        started.push(name);
      },
    });
    expect(opened).toEqual(['one', 'two', 'three']);
    expect((await readZip(out.bytes)).entries.map((e) => e.data.toString())).toEqual(['one', 'two', 'three']);
  });

  it('reads each source once', async () => {
    let reads = 0;
    const source: ZipSource = {
      name: 'once',
      open: () => {
        reads++;
        return data;
      },
    };
    await writeZip(new RecordingOutput(), [source], BASE);
    expect(reads).toBe(1);
  });
});

describe('writeZip: listeners and final entries', () => {
  it('calls onEntryStart before and onEntry after each entry, in order, with the result stats', async () => {
    const events: string[] = [];
    const reported: ZipEntryStats[] = [];
    const result = await writeZip(
      new RecordingOutput(),
      [bufferSource('a', documentText(5000)), bufferSource('b', randomBytes(5000))],
      {
        ...BASE,
        onEntryStart: (name) => void events.push(`start ${name}`),
        onEntry: (stats) => {
          events.push(`done ${stats.name}`);
          reported.push(stats);
        },
      },
    );
    expect(events).toEqual(['start a', 'done a', 'start b', 'done b']);
    expect(reported).toEqual(result.entries);
  });

  it('waits for an async listener before going on', async () => {
    const events: string[] = [];
    await writeZip(new RecordingOutput(), [bufferSource('a', Buffer.from('1')), bufferSource('b', Buffer.from('2'))], {
      ...BASE,
      onEntryStart: (name) => void events.push(`start ${name}`),
      onEntry: async (stats) => {
        await sleep(20);
        events.push(`done ${stats.name}`);
      },
    });
    expect(events).toEqual(['start a', 'done a', 'start b', 'done b']);
  });

  it('appends the final entries last, computed from the stats of the written ones', async () => {
    const files = [bufferSource('x.pcl', documentText(3000)), bufferSource('y.pcl', randomBytes(3000))];
    let seen: readonly ZipEntryStats[] = [];
    const names: string[] = [];
    const out = new RecordingOutput();
    const result = await writeZip(out, files, {
      ...BASE,
      onEntry: (stats) => void names.push(stats.name),
      finalEntries: (written) => {
        seen = written;
        const manifest = { files: written.map((s) => ({ name: s.name, size: s.size, sha256: s.sha256 })) };
        return [{ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }];
      },
    });
    expect(seen.map((s) => s.name)).toEqual(['x.pcl', 'y.pcl']);
    const archive = await readZip(out.bytes);
    expect(archive.entries.map((e) => e.name)).toEqual(['x.pcl', 'y.pcl', 'manifest.json']);
    const manifest = JSON.parse(archive.entries[2]!.data.toString()) as { files: { name: string; sha256: string }[] };
    expect(manifest.files.map((f) => f.sha256)).toEqual([archive.entries[0]!.sha256, archive.entries[1]!.sha256]);
    expect(result.entries.map((s) => s.name)).toEqual(['x.pcl', 'y.pcl', 'manifest.json']);
    expect(names).toEqual(['x.pcl', 'y.pcl', 'manifest.json']);
  });
});

describe('writeZip: argument checks, before a byte is written', () => {
  const one = [bufferSource('a', Buffer.from('a'))];

  async function refusedBeforeWriting(sources: Iterable<ZipSource>, options: Record<string, unknown>, code: string, ...out: unknown[]): Promise<BackupConformanceError> {
    const output = new RecordingOutput();
    const target = out.length > 0 ? out[0] : output;
    const error = await rejection(writeZip(target as Writable, sources, options as never));
    expect(error.code).toBe(code);
    expect(output.chunks).toEqual([]);
    return error;
  }

  it.each([
    ['empty', ''],
    ['absolute', '/etc/passwd'],
    ['parent segment', '../x'],
    ['deep parent segment', 'a/../../x'],
    ['dot segment', './a'],
    ['backslash', 'a\\b'],
    ['drive letter', 'C:x'],
    ['a colon (archiver would strip "db:")', 'db:1.pcl'],
    ['an empty segment', 'a//b'],
    ['a trailing slash (directory)', 'dir/'],
    ['NUL', 'a\u0000b'],
    ['a control character', 'a\nb'],
    ['DEL', 'a\u007fb'],
    ['longer than 65535 UTF-8 bytes', 'é'.repeat(32768)],
  ])('refuses an entry name that is %s with ERR_INVALID_ARGUMENT', async (_label, name) => {
    const error = await refusedBeforeWriting([bufferSource(name, Buffer.from('x'))], BASE, 'ERR_INVALID_ARGUMENT');
    expect(error.details).toMatchObject({ name });
  });

  it.each([
    ['exact', 'data/a.pcl', 'data/a.pcl'],
    ['case-folded', 'data/A.pcl', 'data/a.PCL'],
    ['Unicode-normalised', 'caf\u00e9', 'cafe\u0301'],
  ])('refuses %s duplicate names with ERR_INVALID_ARGUMENT', async (_label, first, second) => {
    await refusedBeforeWriting(
      [bufferSource(first, Buffer.from('1')), bufferSource(second, Buffer.from('2'))],
      BASE,
      'ERR_INVALID_ARGUMENT',
    );
  });

  it.each([
    ['a negative size', { name: 'a', size: -1, open: () => Buffer.alloc(0) }],
    ['a fractional size', { name: 'a', size: 1.5, open: () => Buffer.alloc(0) }],
    ['a string size', { name: 'a', size: '1', open: () => Buffer.alloc(0) }],
    ['no open()', { name: 'a' }],
    ['a non-string name', { name: 5, open: () => Buffer.alloc(0) }],
    ['null', null],
  ])('refuses a source with %s with ERR_INVALID_ARGUMENT', async (_label, source) => {
    await refusedBeforeWriting([source as ZipSource], BASE, 'ERR_INVALID_ARGUMENT');
  });

  it('refuses sources that are not iterable', async () => {
    await refusedBeforeWriting(42 as unknown as ZipSource[], BASE, 'ERR_INVALID_ARGUMENT');
  });

  it.each([
    ['compressionLevel 10', { compressionLevel: 10 }, 'ERR_INVALID_COMPRESSION_LEVEL'],
    ['compressionLevel "5"', { compressionLevel: '5' }, 'ERR_INVALID_COMPRESSION_LEVEL'],
    ['no compressionLevel', { compressionLevel: undefined }, 'ERR_INVALID_COMPRESSION_LEVEL'],
    ['bufferSize 0', { bufferSize: 0 }, 'ERR_INVALID_BUFFER_SIZE'],
    ['bufferSize 2^31', { bufferSize: 2 ** 31 }, 'ERR_INVALID_BUFFER_SIZE'],
    ['an unknown option', { compresionLevel: 5 }, 'ERR_INVALID_OPTIONS'],
    ['a non-string comment', { comment: 5 }, 'ERR_INVALID_OPTIONS'],
    ['a comment over 65535 bytes', { comment: 'x'.repeat(65536) }, 'ERR_INVALID_OPTIONS'],
    ['a comment holding an end-of-central-directory signature', { comment: 'a PK\u0005\u0006 b' }, 'ERR_INVALID_OPTIONS'],
    ['an invalid date', { modifiedAt: new Date(Number.NaN) }, 'ERR_INVALID_OPTIONS'],
    ['a string date', { modifiedAt: '2024-01-01' }, 'ERR_INVALID_OPTIONS'],
    ['stallTimeoutMs 0', { stallTimeoutMs: 0 }, 'ERR_INVALID_OPTIONS'],
    ['stallTimeoutMs -5', { stallTimeoutMs: -5 }, 'ERR_INVALID_OPTIONS'],
    ['a non-function onEntry', { onEntry: 'log' }, 'ERR_INVALID_OPTIONS'],
    ['a non-signal signal', { signal: {} }, 'ERR_INVALID_OPTIONS'],
  ])('refuses %s', async (_label, patch, code) => {
    await refusedBeforeWriting(one, { ...BASE, ...patch }, code);
  });

  it.each([
    ['null options', null],
    ['a number as options', 5],
  ])('refuses %s with ERR_INVALID_OPTIONS', async (_label, options) => {
    const error = await rejection(writeZip(new RecordingOutput(), one, options as never));
    expect(error.code).toBe('ERR_INVALID_OPTIONS');
  });

  it.each([
    ['null', null],
    ['a string', 'out.zip'],
    ['an object without write()', { end() {} }],
  ])('refuses %s as the output with ERR_INVALID_OUTPUT', async (_label, out) => {
    await refusedBeforeWriting(one, BASE, 'ERR_INVALID_OUTPUT', out);
  });

  it('refuses an output that has already ended', async () => {
    const out = new RecordingOutput();
    out.end();
    const error = await rejection(writeZip(out, one, BASE));
    expect(error.code).toBe('ERR_INVALID_OUTPUT');
  });

  it('validates each source of an async list when it comes, and fails before reading a refused one', async () => {
    let openedBad = false;
    async function* sources(): AsyncGenerator<ZipSource> {
      yield bufferSource('good', Buffer.from('g'));
      yield {
        name: '../evil',
        open: () => {
          openedBad = true;
          return Buffer.from('e');
        },
      };
    }
    const out = new RecordingOutput();
    const error = await rejection(writeZip(out, sources(), BASE));
    expect(error.code).toBe('ERR_INVALID_ARGUMENT');
    expect(openedBad).toBe(false);
    expect(out.writableFinished).toBe(false);
    expect(out.destroyed).toBe(true);
  });
});
