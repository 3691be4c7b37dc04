import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildZip, deflateLiterals, zip64Extra } from '../../fixtures/scripts/zip-forge.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** The bound the issue sets; each case must stay well under it. */
const BOUND = 64 * MiB;
const HONEST_BYTES = 256 * MiB;

const root = fileURLToPath(new URL('../..', import.meta.url));
const reader = pathToFileURL(path.join(root, 'dist/src/archive/read/index.js')).href;

/**
 * Runs in a fresh Node (compiled reader from dist/, so the measurement is not disturbed by the
 * test runner): baseline RSS after loading, then inspectArchive, then the kernel's peak RSS.
 */
const CHILD = `
const { inspectArchive } = await import(process.env.READER);
globalThis.gc?.();
const baseline = process.memoryUsage().rss;
const limits = JSON.parse(process.env.LIMITS, (key, value) => (value === 'Infinity' ? Infinity : value));
let outcome;
const started = performance.now();
try {
  const entries = await inspectArchive(process.env.ARCHIVE, { limits });
  outcome = { ok: true, bytes: entries.reduce((sum, entry) => sum + entry.size, 0) };
} catch (error) {
  outcome = { ok: false, code: error.code, message: error.message };
}
const peak = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ baseline, peak, growth: peak - baseline, ms: Math.round(performance.now() - started), ...outcome }));
`;

interface Measurement {
  baseline: number;
  peak: number;
  growth: number;
  ms: number;
  ok: boolean;
  code?: string;
  bytes?: number;
}

function measure(archive: string, limits: Record<string, number | string> = {}): Measurement {
  const output = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD], {
    env: { ...process.env, READER: reader, ARCHIVE: archive, LIMITS: JSON.stringify(limits) },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(output.trim().split('\n').at(-1)!) as Measurement;
}

/** A raw DEFLATE stream of `bytes` zeros (about 1000:1), produced without holding the zeros. */
async function zeroBomb(bytes: number): Promise<{ compressed: Buffer; crc32: number }> {
  const deflate = zlib.createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => deflate.on('end', resolve));
  const zero = Buffer.alloc(MiB);
  let crc = 0;
  for (let written = 0; written < bytes; written += MiB) {
    crc = zlib.crc32(zero, crc);
    if (!deflate.write(zero)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await ended;
  return { compressed: Buffer.concat(chunks), crc32: crc };
}

/** One DEFLATE entry whose headers declare `declared` bytes (ZIP64 when needed) over `compressed`. */
function forged(compressed: Buffer, declared: number, crc32: number): Buffer {
  const zip64 = declared >= 0xffffffff;
  const sizes = zip64 ? { compressedSize: 0xffffffff, uncompressedSize: 0xffffffff } : { uncompressedSize: declared };
  return buildZip({
    entries: [
      {
        name: 'db/data.pcl',
        method: 8,
        compressed,
        extra: zip64 ? zip64Extra({ uncompressedSize: declared, compressedSize: compressed.length }) : undefined,
        local: { crc32, ...sizes },
        central: { crc32, ...sizes },
      },
    ],
  });
}

let work: string;
const archives: Record<string, string> = {};
beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'archive-read-memory-'));
  const save = (name: string, bytes: Buffer) => {
    archives[name] = path.join(work, `${name}.zip`);
    writeFileSync(archives[name], bytes);
  };
  const tiny = deflateLiterals(Buffer.alloc(100, 0x78));
  save('declares-4-gib', forged(tiny, 4 * GiB, 0));
  const bomb = await zeroBomb(HONEST_BYTES);
  save('inflates-past-1-mib', forged(bomb.compressed, MiB, 0));
  save('honest-256-mib', forged(bomb.compressed, HONEST_BYTES, bomb.crc32));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const rows: string[] = [];
afterAll(() => {
  console.log(['| case | outcome | RSS growth (MiB) | ms |', '|---|---|---|---|', ...rows].join('\n'));
});

function record(name: string, result: Measurement): void {
  rows.push(`| ${name} | ${result.ok ? `ok, ${result.bytes} bytes` : result.code} | ${(result.growth / MiB).toFixed(1)} | ${result.ms} |`);
}

describe('memory stays bounded whatever an archive declares (under 64 MiB of RSS growth)', () => {
  it('an entry declaring 4 GiB over 100 bytes is refused up front (ratio limit)', () => {
    const result = measure(archives['declares-4-gib']!);
    record('declares 4 GiB, default limits', result);
    expect(result.code).toBe('ERR_ARCHIVE_LIMIT_EXCEEDED');
    expect(result.growth).toBeLessThan(BOUND);
  });

  it('with the limits switched off, the same entry is read and stopped when its data runs out', () => {
    const result = measure(archives['declares-4-gib']!, { maxRatio: 'Infinity', maxEntryBytes: 'Infinity', maxTotalBytes: 'Infinity' });
    record('declares 4 GiB, limits off', result);
    expect(result.code).toBe('ERR_ARCHIVE_SIZE_MISMATCH');
    expect(result.growth).toBeLessThan(BOUND);
  });

  it('an entry declaring 1 MiB that inflates to 256 MiB is stopped just past 1 MiB', () => {
    const result = measure(archives['inflates-past-1-mib']!);
    record('declares 1 MiB, inflates to 256 MiB', result);
    expect(result.code).toBe('ERR_ARCHIVE_SIZE_MISMATCH');
    expect(result.growth).toBeLessThan(BOUND);
  });

  it('an honest 256 MiB entry (ratio ~1000:1) streams through in bounded memory', () => {
    const result = measure(archives['honest-256-mib']!, { maxRatio: 'Infinity' });
    record('honest 256 MiB of zeros, ratio limit off', result);
    expect(result).toMatchObject({ ok: true, bytes: HONEST_BYTES });
    expect(result.growth).toBeLessThan(BOUND);
  });
});
