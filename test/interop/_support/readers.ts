/**
 * Each third-party ZIP reader, run on an archive: does it accept it (its own integrity test, which
 * inflates every entry and checks its CRC-32), and what does it list (names, sizes, CRC-32s),
 * parsed from the tool's own listing format.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';

const run = promisify(execFile);

/** An entry as a tool reports it; fields the tool does not report are absent. */
export interface ListedEntry {
  readonly name: string;
  /** Uncompressed size. */
  readonly size: number;
  readonly compressedSize?: number;
  readonly crc32?: number;
}

/** A tool's verdict on one archive. */
export interface ToolReading {
  /** True when the tool's test of the archive passed. */
  readonly accepted: boolean;
  /** The tool's output (for failure messages). */
  readonly output: string;
  /** The entries it lists, in its order (files only: directory entries are left out). */
  readonly entries: readonly ListedEntry[];
}

/** Runs a command; resolves its stdout and stderr together with its exit status (never rejects on a non-zero status). */
async function capture(command: string, args: readonly string[], options: { cwd?: string } = {}): Promise<{ status: number; output: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
    return { status: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (typeof failed.code !== 'number') throw error;
    return { status: failed.code, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}${failed.message}` };
  }
}

/** The value of `  <label>:   <value>` in a block of `unzip -Z -v` output. */
function zipinfoField(block: string, label: string): string {
  const line = block.split('\n').find((text) => text.trimStart().startsWith(`${label}:`));
  if (line === undefined) throw new Error(`unzip -Z -v: no "${label}" in\n${block}`);
  return line.slice(line.indexOf(':') + 1).trim();
}

/**
 * Info-ZIP: `unzip -t` tests every entry; the listing is zipinfo's verbose form (`unzip -Z -v`),
 * one "Central directory entry #n" block per entry with the name on its own line before the
 * "offset of local header" field.
 */
export async function readWithUnzip(path: string): Promise<ToolReading> {
  const test = await capture('unzip', ['-t', path]);
  const listing = await capture('unzip', ['-Z', '-v', path]);
  const blocks = listing.output.split(/^Central directory entry #\d+:\n-+\n/m).slice(1);
  const entries = blocks.map((block): ListedEntry => {
    const head = block.slice(0, block.indexOf('  offset of local header'));
    const name = head
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('There are an extra'))
      .at(-1)!
      .slice(2);
    return {
      name,
      size: Number(zipinfoField(block, 'uncompressed size').replace(/ bytes$/, '')),
      compressedSize: Number(zipinfoField(block, 'compressed size').replace(/ bytes$/, '')),
      crc32: Number.parseInt(zipinfoField(block, '32-bit CRC value (hex)'), 16),
    };
  });
  return {
    accepted: test.status === 0 && /No errors detected/.test(test.output) && listing.status === 0,
    output: `${test.output}\n${listing.output}`,
    entries: entries.filter((entry) => !entry.name.endsWith('/')),
  };
}

/** 7-Zip: `7z t` tests every entry; `7z l -slt` lists `Key = value` blocks after a `----------` line. */
export async function readWith7z(path: string): Promise<ToolReading> {
  const test = await capture('7z', ['t', path]);
  const listing = await capture('7z', ['l', '-slt', path]);
  const body = listing.output.slice(listing.output.indexOf('\n----------\n') + 12);
  const entries: ListedEntry[] = [];
  for (const block of body.split(/\n\s*\n/)) {
    const fields = new Map(
      block
        .split('\n')
        .filter((line) => line.includes(' = ') || line.endsWith(' ='))
        .map((line) => [line.slice(0, line.indexOf(' =')), line.slice(line.indexOf(' =') + 2).trim()] as const),
    );
    if (!fields.has('Path') || fields.get('Folder') === '+') continue;
    entries.push({
      name: fields.get('Path')!,
      size: Number(fields.get('Size')),
      compressedSize: Number(fields.get('Packed Size')),
      crc32: Number.parseInt(fields.get('CRC') ?? 'NaN', 16),
    });
  }
  return { accepted: test.status === 0 && /Everything is Ok/.test(test.output) && listing.status === 0, output: `${test.output}\n${listing.output}`, entries };
}

/**
 * libarchive: `bsdtar -tf` must read the archive, `bsdtar -tvf` lists names and sizes, and
 * `bsdtar -xf` into `extractTo` (libarchive checks each entry's CRC-32 as it extracts) gives the
 * bytes whose CRC-32 is reported (bsdtar prints no CRC of its own).
 */
export async function readWithBsdtar(path: string, extractTo: string): Promise<ToolReading> {
  const test = await capture('bsdtar', ['-tf', path]);
  const listing = await capture('bsdtar', ['-tvf', path]);
  await mkdir(extractTo, { recursive: true });
  const extract = await capture('bsdtar', ['-xf', path, '-C', extractTo]);
  const entries: ListedEntry[] = [];
  for (const line of listing.output.split('\n')) {
    const match = /^[-d]\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\w{3}\s+\d+\s+(?:\d{1,2}:\d{2}|\d{4})\s(.+)$/.exec(line);
    if (match === null || line.startsWith('d')) continue;
    const name = match[2]!;
    const data = await readFile(join(extractTo, name)).catch(() => undefined);
    entries.push({ name, size: Number(match[1]), ...(data === undefined ? {} : { crc32: crc32(data) }) });
  }
  return {
    accepted: test.status === 0 && listing.status === 0 && extract.status === 0,
    output: `${test.output}\n${listing.output}\n${extract.output}`,
    entries,
  };
}

/** One archive as Python's zipfile reports it. */
interface PythonReport {
  readonly path: string;
  readonly bad: string | null;
  readonly error?: string;
  readonly entries: { name: string; size: number; compressed: number; crc: number }[];
}

const PYTHON_READER = `
import json, sys, zipfile
for path in sys.argv[1:]:
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
            entries = [{"name": i.filename, "size": i.file_size, "compressed": i.compress_size, "crc": i.CRC}
                       for i in z.infolist() if not i.is_dir()]
        print(json.dumps({"path": path, "bad": bad, "entries": entries}))
    except Exception as error:
        print(json.dumps({"path": path, "bad": None, "error": repr(error), "entries": []}))
`;

/** Python's zipfile: `testzip()` reads every entry and checks its CRC; `infolist()` lists. One process for all `paths`. */
export async function readWithPython(paths: readonly string[]): Promise<Map<string, ToolReading>> {
  const { status, output } = await capture('python3', ['-c', PYTHON_READER, ...paths]);
  if (status !== 0) throw new Error(`python3 failed: ${output}`);
  const readings = new Map<string, ToolReading>();
  for (const line of output.trim().split('\n')) {
    const report = JSON.parse(line) as PythonReport;
    readings.set(report.path, {
      accepted: report.error === undefined && report.bad === null,
      output: line,
      entries: report.entries.map((entry) => ({ name: entry.name, size: entry.size, compressedSize: entry.compressed, crc32: entry.crc })),
    });
  }
  return readings;
}

/** One archive as the Java checker reports it. */
interface JavaReport {
  readonly path: string;
  readonly entries: { name: string; method: number; size: number; read: number; crc: number; actualCrc: number }[];
  readonly zipInputStream: string;
}

/** The Java checker shared with the writer's tests: ZipFile and ZipInputStream over each archive, one JSON line per archive. */
const ZIP_CHECK_SOURCE = fileURLToPath(new URL('../../archive-write/_helpers/ZipCheck.java', import.meta.url));

/** A Java reading: also what the streaming `ZipInputStream` made of the archive (`ok:<entries>` or `error:<message>`). */
export interface JavaReading extends ToolReading {
  readonly zipInputStream: string;
}

/**
 * Java's java.util.zip.ZipFile: the checker (compiled into `workDir` with javac) reads every entry
 * of every archive, computing its CRC-32; an archive is accepted when ZipFile opened it and every
 * entry read back its declared size and CRC. One JVM for all `paths` (one per archive after a refusal).
 */
export async function readWithJava(paths: readonly string[], workDir: string): Promise<Map<string, JavaReading>> {
  await mkdir(workDir, { recursive: true });
  if (!(await readdir(workDir)).includes('ZipCheck.class')) {
    const compiled = await capture('javac', ['-d', workDir, ZIP_CHECK_SOURCE]);
    if (compiled.status !== 0) throw new Error(`javac failed: ${compiled.output}`);
  }
  const readings = new Map<string, JavaReading>();
  const record = (report: JavaReport, output: string): void => {
    const files = report.entries.filter((entry) => !entry.name.endsWith('/'));
    readings.set(report.path, {
      accepted: files.every((entry) => entry.read === entry.size && entry.actualCrc === entry.crc),
      output,
      entries: files.map((entry) => ({ name: entry.name, size: entry.size, crc32: entry.crc })),
      zipInputStream: report.zipInputStream,
    });
  };
  const all = await capture('java', ['-cp', workDir, 'ZipCheck', ...paths]);
  if (all.status === 0) {
    for (const line of all.output.trim().split('\n')) record(JSON.parse(line) as JavaReport, line);
    return readings;
  }
  // ZipFile refused some archive (the checker stops at the exception): one JVM per archive tells which.
  for (const path of paths) {
    const { status, output } = await capture('java', ['-cp', workDir, 'ZipCheck', path]);
    if (status === 0) record(JSON.parse(output.trim()) as JavaReport, output);
    else readings.set(path, { accepted: false, output, entries: [], zipInputStream: 'not run' });
  }
  return readings;
}
