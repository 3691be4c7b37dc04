import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectArchive } from '../../src/archive/read/index.js';
import { readWriteZipOptions } from '../../src/archive/write/_internals/write-zip-settings.js';
import { dosDateTime } from '../../src/archive/write/_internals/zip-records.js';
import { writeZipWithSettings } from '../../src/archive/write/write-zip.js';
import { chunksOf, documentText, randomBytes } from './_helpers/data.js';
import { RecordingOutput } from './_helpers/recording-output.js';
import { dosFieldsUtc, readZip, sha256Hex } from './_helpers/zip-contents.js';

/**
 * The ZIP64 records (APPNOTE 4.3.14, 4.3.15, 4.5.3) are written only past 4 GiB or 65 534
 * entries, which no test can afford; the writer's internal `forceZip64` setting writes every one
 * of them on small archives instead, so that the standard readers can check their layout. Also:
 * entries whose size is not declared, and the DOS date clamps. Missing tools skip their test
 * (the reason is in its name) unless CI=true.
 */

function available(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}
const inCi = process.env.CI === 'true';
const skipUnzip = !available('unzip', ['-v']) && !inCi;
const skipPython = !available('python3', ['--version']) && !inCi;
const skipJava = !(available('javac', ['-version']) && available('java', ['-version'])) && !inCi;

const LEVELS = [0, 1, 9];
const modifiedAt = new Date(Date.UTC(2025, 5, 30, 23, 59, 58));
const contents: Record<string, Buffer> = {
  'cluster.pcl': Buffer.concat([documentText(400_000), randomBytes(90_000, 3)]),
  'empty.wal': Buffer.alloc(0),
  'unsized/pages.bin': documentText(70_000, 11),
};

let dir = '';
const archives = new Map<string, string>();

async function write(level: number, forceZip64: boolean): Promise<Buffer> {
  const settings = { ...readWriteZipOptions({ compressionLevel: level, bufferSize: 3000, modifiedAt, comment: 'zip64 test' }), forceZip64 };
  const out = new RecordingOutput();
  const sources = Object.entries(contents).map(([name, data]) => ({
    name,
    ...(name.startsWith('unsized/') ? {} : { size: data.length }),
    open: () => chunksOf(data, 50_000),
  }));
  await writeZipWithSettings(out, sources, settings);
  return out.bytes;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zip64-'));
  for (const level of LEVELS) {
    for (const forced of [true, false]) {
      const path = join(dir, `level-${level}${forced ? '-zip64' : ''}.zip`);
      await writeFile(path, await write(level, forced));
      archives.set(`${level}${forced ? 'z' : ''}`, path);
    }
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const forcedPaths = (): string[] => LEVELS.map((level) => archives.get(`${level}z`)!);

describe('forced ZIP64 records', () => {
  it('carry the ZIP64 end record, its locator and 0xFFFF counts in the classic end record', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const path of forcedPaths()) {
      const bytes = await readFile(path);
      const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      expect(bytes.readUInt16LE(end + 10), path).toBe(0xffff);
      expect(bytes.readUInt32LE(end + 16)).toBe(0xffffffff);
      const locator = end - 20;
      expect(bytes.readUInt32LE(locator)).toBe(0x07064b50);
      const zip64End = Number(bytes.readBigUInt64LE(locator + 8));
      expect(bytes.readUInt32LE(zip64End)).toBe(0x06064b50);
      expect(Number(bytes.readBigUInt64LE(zip64End + 32))).toBe(Object.keys(contents).length);
    }
  });

  it('read back exactly with our safe reader and with yauzl', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const path of forcedPaths()) {
      const entries = await inspectArchive(path);
      expect(entries.map((entry) => entry.name)).toEqual(Object.keys(contents));
      for (const entry of entries) expect(entry.sha256).toBe(sha256Hex(contents[entry.name]!));
      const read = await readZip(await readFile(path));
      for (const entry of read.entries) expect(entry.data.equals(contents[entry.name]!)).toBe(true);
    }
  });

  it.skipIf(skipUnzip)(`pass unzip -t${skipUnzip ? ' (skipped: unzip not found)' : ''}`, () => {
    for (const path of [...archives.values()]) expect(execFileSync('unzip', ['-t', path], { encoding: 'utf8' }), path).toMatch(/No errors detected/);
  });

  it.skipIf(skipPython)(`pass Python's zipfile testzip(), with the right sizes${skipPython ? ' (skipped: python3 not found)' : ''}`, () => {
    const script = `
import json, sys, zipfile, hashlib
for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as z:
        print(json.dumps({"bad": z.testzip(), "sizes": {i.filename: i.file_size for i in z.infolist()},
                          "sha": {n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}}))
`;
    const lines = execFileSync('python3', ['-c', script, ...archives.values()], { encoding: 'utf8' }).trim().split('\n');
    for (const line of lines) {
      const report = JSON.parse(line) as { bad: string | null; sizes: Record<string, number>; sha: Record<string, string> };
      expect(report.bad).toBeNull();
      for (const [name, data] of Object.entries(contents)) {
        expect(report.sizes[name]).toBe(data.length);
        expect(report.sha[name]).toBe(sha256Hex(data));
      }
    }
  });

  it.skipIf(skipJava)(`are read by Java's ZipFile; ZipInputStream reads the plain archives at levels 1-9${skipJava ? ' (skipped: javac/java not found)' : ''}`, async () => {
    const javaDir = join(dir, 'java');
    await mkdir(javaDir, { recursive: true });
    const source = join(javaDir, 'ZipCheck.java');
    await copyFile(fileURLToPath(new URL('./_helpers/ZipCheck.java', import.meta.url)), source);
    execFileSync('javac', ['-d', javaDir, source]);
    const keys = [...archives.keys()];
    const lines = execFileSync('java', ['-cp', javaDir, 'ZipCheck', ...keys.map((key) => archives.get(key)!)], { encoding: 'utf8' }).trim().split('\n');
    for (const [index, line] of lines.entries()) {
      const key = keys[index]!;
      const report = JSON.parse(line) as { entries: { name: string; read: number; crc: number; actualCrc: number }[]; zipInputStream: string };
      expect(report.entries.map((entry) => entry.name)).toEqual(Object.keys(contents));
      for (const entry of report.entries) {
        expect(entry.read, key).toBe(contents[entry.name]!.length);
        expect(entry.actualCrc).toBe(entry.crc);
      }
      // Java 17's ZipInputStream reads 4-byte descriptor sizes below 4 GiB, so a forced ZIP64
      // descriptor (8-byte sizes, as APPNOTE 4.3.9.2 asks after a ZIP64 local header) is not for
      // it; archives past 4 GiB are, and so are the plain ones.
      if (!key.endsWith('z') && key !== '0') expect(report.zipInputStream, key).toBe(`ok:${Object.keys(contents).length}`);
    }
  });
});

describe('DOS date and time fields', () => {
  it('hold the UTC fields at 2-second resolution', () => {
    const date = new Date(Date.UTC(2031, 11, 24, 17, 45, 33));
    const { dosDate, dosTime } = dosFieldsUtc(date);
    expect(dosDateTime(date)).toEqual({ date: dosDate, time: dosTime });
  });

  it('clamp dates before 1980 and after 2107 to the range the fields hold', () => {
    expect(dosDateTime(new Date(Date.UTC(1970, 0, 1)))).toEqual({ date: (1 << 5) | 1, time: 0 });
    expect(dosDateTime(new Date(Date.UTC(2200, 5, 5)))).toEqual({ date: (127 << 9) | (12 << 5) | 31, time: (23 << 11) | (59 << 5) | 29 });
    const { dosDate } = dosFieldsUtc(new Date(Date.UTC(2107, 11, 31)));
    expect(dosDateTime(new Date(Date.UTC(2107, 11, 31))).date).toBe(dosDate);
  });
});
