/**
 * Throughput of the ZIP writer against the baselines a user would compare it with, measured in
 * the same run over the same files:
 * - `writeZip` (this project: its own ZIP container, DEFLATE in blocks on every core, SHA-256 +
 *   CRC-32 per entry), its sources reading 1 MiB at a time (`--read-size` to change);
 * - archiver 8 as documented (default options, `append(fs.createReadStream(file))`);
 * - a raw `zlib.createDeflateRaw` stream per file, with default options (the issue's baseline)
 *   and with the same large chunks as our writer (the stricter baseline);
 * - Info-ZIP `zip -<level>` over the same files (output to /dev/null).
 *
 * Usage: `node dist/bench/zip-writer.js [--quick] [--size MiB] [--levels 0,1,6,9] [--runs N] [--read-size bytes] [--json path]`.
 * Each cell is the best of `--runs` runs (default 3; throughput on a shared machine is noisy
 * downwards only). Prints a Markdown table.
 *
 * @packageDocumentation
 */
import { ZipArchive } from 'archiver';
import { spawn } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw } from 'node:zlib';
import { validateCompressionLevel, writeZip, type ZipSource } from '../src/archive/write/index.js';

const MiB = 1024 * 1024;

interface Settings {
  sizeMiB: number;
  levels: number[];
  runs: number;
  readSize: number;
  json: string | undefined;
}

function parseArguments(argv: string[]): Settings {
  const settings: Settings = { sizeMiB: 200, levels: [0, 1, 6, 9], runs: 3, readSize: MiB, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--quick') {
      settings.sizeMiB = 4;
      settings.runs = 1;
    } else if (flag === '--size') settings.sizeMiB = Number(value());
    else if (flag === '--levels') settings.levels = value().split(',').map((level) => validateCompressionLevel(Number(level)));
    else if (flag === '--runs') settings.runs = Number(value());
    else if (flag === '--read-size') settings.readSize = Number(value());
    else if (flag === '--json') settings.json = value();
    else throw new Error(`unknown argument ${flag}; usage: zip-writer.js [--quick] [--size MiB] [--levels 0,1,6,9] [--runs N] [--read-size bytes] [--json path]`);
  }
  if (!(settings.sizeMiB > 0) || !(Number.isInteger(settings.runs) && settings.runs > 0) || !(Number.isInteger(settings.readSize) && settings.readSize > 0)) {
    throw new Error('--size, --runs and --read-size must be positive');
  }
  return settings;
}

/** Deterministic incompressible bytes: AES-128-CTR over zeros with a fixed key. */
function pseudoRandom(length: number, seed: number): Buffer {
  const key = Buffer.alloc(16, seed);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

/** Deterministic JSON-lines documents, compressible about 4:1 at level 6 like real records. */
function documents(length: number, seed: number): Buffer {
  const cities = ['Rome', 'Oslo', 'Lima', 'Kyoto', 'Accra', 'Quito', 'Perth', 'Turin'];
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < length; i++) {
    const note = Array.from({ length: 3 + (next() % 6) }, () => words[next() % words.length]).join(' ');
    const line = `{"@rid":"#${next() % 60}:${i}","@version":${next() % 9},"name":"user${next() % 100000}","email":"u${next() % 1000000}@example.org","age":${next() % 100},"city":"${cities[next() % cities.length]}","balance":${(next() % 10000000) / 100},"note":"${note}"}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, length);
}

interface DataFile {
  name: string;
  path: string;
  size: number;
}

/**
 * A database-like directory: a few large cluster files of documents, blobs of random bytes
 * (about a quarter of the bytes), and small metadata files.
 */
async function generateData(dir: string, totalMiB: number): Promise<DataFile[]> {
  const total = Math.round(totalMiB * MiB);
  const plan: { name: string; size: number; kind: 'docs' | 'blob' }[] = [];
  for (let i = 0; i < 16; i++) plan.push({ name: `meta-${i}.cpm`, size: 4096 + i * 2048, kind: 'docs' });
  const small = plan.reduce((sum, file) => sum + file.size, 0);
  const rest = Math.max(total - small, 0);
  const docs = Math.round(rest * 0.75);
  const blobs = rest - docs;
  for (let i = 0; i < 4; i++) plan.push({ name: `cluster-${i}.pcl`, size: Math.floor(docs / 4), kind: 'docs' });
  for (let i = 0; i < 2; i++) plan.push({ name: `blobs-${i}.pcl`, size: Math.floor(blobs / 2), kind: 'blob' });
  const files: DataFile[] = [];
  for (const [index, file] of plan.entries()) {
    const path = join(dir, file.name);
    await writeFile(path, file.kind === 'docs' ? documents(file.size, index + 1) : pseudoRandom(file.size, index + 1));
    files.push({ name: file.name, path, size: file.size });
  }
  return files;
}

/** A Writable that discards what it receives and counts it. */
function nullSink(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      sink.bytes += chunk.length;
      callback();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

interface Measure {
  seconds: number;
  outputBytes: number;
}

async function timed(action: () => Promise<number>): Promise<Measure> {
  const started = process.hrtime.bigint();
  const outputBytes = await action();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, outputBytes };
}

let readSize = MiB;

const contenders: Record<string, (files: DataFile[], level: number) => Promise<number>> = {
  async writeZip(files, level) {
    const sink = nullSink();
    const sources: ZipSource[] = files.map((file) => ({
      name: file.name,
      size: file.size,
      open: () => createReadStream(file.path, { highWaterMark: readSize }),
    }));
    const result = await writeZip(sink, sources, { compressionLevel: level, bufferSize: MiB, comment: 'bench' });
    return result.bytes;
  },
  async 'archiver (defaults)'(files, level) {
    const sink = nullSink();
    const archive = new ZipArchive({ zlib: { level } });
    const done = pipeline(archive, sink);
    for (const file of files) archive.append(createReadStream(file.path), { name: file.name });
    await archive.finalize();
    await done;
    return sink.bytes;
  },
  async 'raw zlib (defaults)'(files, level) {
    let bytes = 0;
    for (const file of files) {
      const sink = nullSink();
      await pipeline(createReadStream(file.path), createDeflateRaw({ level }), sink);
      bytes += sink.bytes;
    }
    return bytes;
  },
  async 'raw zlib (1 MiB reads, 256 KiB chunks)'(files, level) {
    let bytes = 0;
    for (const file of files) {
      const sink = nullSink();
      await pipeline(createReadStream(file.path, { highWaterMark: MiB }), createDeflateRaw({ level, chunkSize: 256 * 1024 }), sink);
      bytes += sink.bytes;
    }
    return bytes;
  },
  async 'Info-ZIP zip'(files, level) {
    const child = spawn('zip', ['-q', '-X', `-${level}`, '-', ...files.map((file) => file.name)], {
      cwd: join(files[0]!.path, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`zip exited with ${code}`);
    return bytes;
  },
};

async function zipAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('zip', ['-v'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

function format(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

async function main(): Promise<void> {
  const settings = parseArguments(process.argv.slice(2));
  readSize = settings.readSize;
  const loadBefore = loadavg()[0]!;
  const names = Object.keys(contenders).filter((name) => name !== 'Info-ZIP zip' || zipAvailableCache);
  const dir = await mkdtemp(join(tmpdir(), 'zip-writer-bench-'));
  try {
    const files = await generateData(dir, settings.sizeMiB);
    const inputBytes = files.reduce((sum, file) => sum + file.size, 0);
    const best = new Map<string, Measure>();
    for (let run = 0; run < settings.runs; run++) {
      for (const level of settings.levels) {
        for (const name of names) {
          const measure = await timed(() => contenders[name]!(files, level));
          const key = `${level}|${name}`;
          const previous = best.get(key);
          if (previous === undefined || measure.seconds < previous.seconds) best.set(key, measure);
        }
      }
    }

    const throughput = (level: number, name: string): number => inputBytes / MiB / best.get(`${level}|${name}`)!.seconds;
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    console.log(`ZIP writer throughput: ${format(inputBytes / MiB)} MiB input (${files.length} files, ~75% JSON-like documents, ~25% random), ` +
      `best of ${settings.runs} run(s), MiB/s of input; writeZip reads ${settings.readSize} bytes at a time. ${cpus().length} x ${cpu}, ` +
      `Node ${process.version}, ${new Date().toISOString()}, load average ${format(loadBefore, 2)} before, ${format(loadavg()[0]!, 2)} after.`);
    console.log('');
    console.log(`| level | ${names.join(' | ')} | writeZip / raw zlib (defaults) | writeZip / raw zlib (tuned) |${zipAvailableCache ? ' writeZip / zip |' : ''} archive % of input |`);
    console.log(`|---|${names.map(() => '---:').join('|')}|---:|---:|${zipAvailableCache ? '---:|' : ''}---:|`);
    const rows: Record<string, unknown>[] = [];
    for (const level of settings.levels) {
      const ours = throughput(level, 'writeZip');
      const cells = names.map((name) => format(throughput(level, name)));
      const rawDefault = ours / throughput(level, 'raw zlib (defaults)');
      const rawTuned = ours / throughput(level, 'raw zlib (1 MiB reads, 256 KiB chunks)');
      const versusZip = zipAvailableCache ? ours / throughput(level, 'Info-ZIP zip') : Number.NaN;
      const archivePercent = (100 * best.get(`${level}|writeZip`)!.outputBytes) / inputBytes;
      console.log(`| ${level} | ${cells.join(' | ')} | ${format(rawDefault, 2)}x | ${format(rawTuned, 2)}x |${zipAvailableCache ? ` ${format(versusZip, 2)}x |` : ''} ${format(archivePercent)} |`);
      rows.push({
        level,
        mibPerSecond: Object.fromEntries(names.map((name) => [name, throughput(level, name)])),
        ratios: { rawZlibDefaults: rawDefault, rawZlibTuned: rawTuned, infoZip: versusZip },
        archiveBytes: best.get(`${level}|writeZip`)!.outputBytes,
      });
    }
    if (settings.json !== undefined) {
      await writeFile(settings.json, `${JSON.stringify({ inputBytes, runs: settings.runs, date: new Date().toISOString(), cpu, node: process.version, rows }, null, 2)}\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

let zipAvailableCache = false;
zipAvailable()
  .then((available) => {
    zipAvailableCache = available;
    return main();
  })
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
