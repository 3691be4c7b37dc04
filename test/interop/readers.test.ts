/**
 * Backups the reference writes are ordinary ZIP files for tools nobody here wrote: full backups
 * at every compression level 0-9 and the files of an incremental chain are accepted by Info-ZIP
 * `unzip -t`, 7-Zip `7z t`, libarchive's `bsdtar`, Python's `zipfile.testzip()` and Java's
 * `java.util.zip.ZipFile`, and each tool lists the same file names, sizes and CRC-32s (and
 * compressed sizes, where it reports them) as our own reader. A missing tool skips its tests with
 * the reason; under CI=true it fails them (see _support/tools.ts).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { damagedCopy, makeInteropBackups, readOurselves, type InteropArchive, type InteropBackups } from './_support/backups.js';
import { readWith7z, readWithBsdtar, readWithJava, readWithPython, readWithUnzip, type JavaReading, type ListedEntry, type ToolReading } from './_support/readers.js';
import { itWithTools, type ZipTool } from './_support/tools.js';

/** The labels of the archives made in `beforeAll` (known up front so that each gets its own test). */
const LABELS = [...Array.from({ length: 10 }, (_, level) => `level-${level}`), 'incremental-0', 'incremental-1', 'incremental-2'];

let backups: InteropBackups;
const ours = new Map<string, ListedEntry[]>();

beforeAll(async () => {
  backups = await makeInteropBackups();
  expect(backups.archives.map((archive) => archive.label)).toEqual(LABELS);
  for (const archive of backups.archives) ours.set(archive.label, await readOurselves(archive.path));
}, 120_000);

afterAll(async () => {
  await backups?.cleanup();
});

function archiveOf(label: string): InteropArchive {
  return backups.archives.find((archive) => archive.label === label)!;
}

/** Compares a tool's reading with ours: accepted, and the same entries with the same facts (those the tool reports). */
function expectAgreement(tool: string, label: string, reading: ToolReading): void {
  expect(reading.accepted, `${tool} refused ${label}:\n${reading.output}`).toBe(true);
  const expected = ours.get(label)!;
  expect(reading.entries.map((entry) => entry.name), `${tool} ${label}: names`).toEqual(expected.map((entry) => entry.name));
  for (const [index, entry] of reading.entries.entries()) {
    const mine = expected[index]!;
    expect(entry.size, `${tool} ${label} ${entry.name}: size`).toBe(mine.size);
    expect(entry.crc32, `${tool} ${label} ${entry.name}: CRC-32`).toBe(mine.crc32);
    if (entry.compressedSize !== undefined) expect(entry.compressedSize, `${tool} ${label} ${entry.name}: compressed size`).toBe(mine.compressedSize);
  }
  // The backups hold real content: a listing that agreed on nothing but emptiness would prove nothing.
  expect(expected.length, label).toBeGreaterThanOrEqual(3);
}

/** One test per archive for a tool whose reading is per archive. */
function perArchive(tool: ZipTool, name: string, read: (archive: InteropArchive) => Promise<ToolReading>): void {
  describe(name, () => {
    for (const label of LABELS) {
      itWithTools([tool], `${label}: accepted, names, sizes and CRC-32s agree with ours`, async () => {
        expectAgreement(tool, label, await read(archiveOf(label)));
      }, 60_000);
    }
    itWithTools([tool], 'refuses a level-0 backup with one byte of entry data flipped (the check can fail)', async () => {
      const damaged = await damagedCopy(archiveOf('level-0').path);
      expect((await read({ label: 'damaged', path: damaged })).accepted).toBe(false);
    }, 60_000);
  });
}

/** One test per archive for a tool that reads all archives in one process (memoised). */
function batched<T extends ToolReading>(tool: ZipTool, name: string, readAll: (paths: string[]) => Promise<Map<string, T>>, extra?: (label: string, reading: T) => void): void {
  let all: Promise<Map<string, T>> | undefined;
  describe(name, () => {
    itWithTools([tool], 'refuses a level-0 backup with one byte of entry data flipped (the check can fail)', async () => {
      const damaged = await damagedCopy(archiveOf('level-0').path);
      expect((await readAll([damaged])).get(damaged)?.accepted).toBe(false);
    }, 60_000);
    for (const label of LABELS) {
      itWithTools([tool], `${label}: accepted, names, sizes and CRC-32s agree with ours`, async () => {
        all ??= readAll(backups.archives.map((archive) => archive.path));
        const reading = (await all).get(archiveOf(label).path);
        expect(reading, `${tool} gave no reading of ${label}`).toBeDefined();
        expectAgreement(tool, label, reading!);
        extra?.(label, reading!);
      }, 120_000);
    }
  });
}

perArchive('unzip', 'Info-ZIP unzip -t, unzip -Z -v', (archive) => readWithUnzip(archive.path));
perArchive('7z', '7-Zip 7z t, 7z l -slt', (archive) => readWith7z(archive.path));
perArchive('bsdtar', 'libarchive bsdtar -tf, -tvf, -xf', (archive) => readWithBsdtar(archive.path, join(`${archive.path}.bsdtar`)));
batched('python3', "Python zipfile testzip(), infolist()", (paths) => readWithPython(paths));
batched('java', 'Java java.util.zip.ZipFile', (paths) => readWithJava(paths, join(paths[0]!, '..', 'java-classes')), (label, reading: JavaReading) => {
  // OrientDB's own restore reads with the streaming ZipInputStream, which refuses a STORED entry
  // followed by a data descriptor: a streaming writer cannot know a STORED entry's CRC before
  // its header. Level 0 backups carry that limitation (the writer's own interop test records it
  // too, test/archive-write/interop.test.ts); every other archive streams.
  if (label === 'level-0') expect(reading.zipInputStream).toMatch(/^error:.*only DEFLATED entries can have EXT descriptor/);
  else expect(reading.zipInputStream).toBe(`ok:${ours.get(label)!.length}`);
});
