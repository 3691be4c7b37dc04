import { describe, expect, it } from 'vitest';
import { extractArchive, openArchive } from '../../src/archive/read/index.js';
import { layoutZip } from '../../fixtures/scripts/zip-forge.js';
import { archiverZip } from './helpers/archiver-zip.js';
import { MemoryFileSystem } from './helpers/memory-fs.js';
import { outcome, within } from './helpers/outcome.js';

/** A small database-like content: one compressible file (deflated), one stored, one empty. */
const CONTENT = new Map<string, Buffer>([
  ['db/data.pcl', Buffer.from('{"@rid":"#9:0","name":"Ada","born":1815}\n'.repeat(8))],
  ['db/meta.json', Buffer.from('{"name":"demo","formatVersion":1}\n')],
  ['db/wal/empty.wal', Buffer.alloc(0)],
]);

const CASE_TIMEOUT_MS = 5_000;
const TARGET = '/out/target';

interface Tally {
  cases: number;
  correct: number;
  codes: Map<string, number>;
}

/**
 * Extracts `bytes` (in memory) and checks the outcome: either exactly CONTENT, or a coded
 * archive error; never an uncoded error (outcome() rethrows those), a hang, or a path created
 * outside the target.
 */
async function runCase(bytes: Buffer, what: string, tally: Tally): Promise<void> {
  const fs = new MemoryFileSystem();
  fs.putFile('/in/a.zip', bytes);
  fs.putDirectory('/out');
  const result = await within(CASE_TIMEOUT_MS, outcome(() => extractArchive('/in/a.zip', TARGET, { fs })), what);
  tally.cases += 1;
  const outside = fs.created.filter((created) => created !== TARGET && !created.startsWith(`${TARGET}/`));
  expect(outside, what).toEqual([]);
  if (result.ok) {
    tally.correct += 1;
    expect(result.value.map((entry) => entry.name).sort(), what).toEqual([...CONTENT.keys()].sort());
    for (const [name, data] of CONTENT) expect(fs.file(`${TARGET}/${name}`)?.equals(data), `${what}: ${name}`).toBe(true);
  } else {
    expect(result.code, what).toMatch(/^ERR_(NOT_A_ZIP|ARCHIVE_[A-Z0-9_]+)$/);
    expect(result.error.message, what).not.toMatch(/unrecognised failure/);
    tally.codes.set(result.code, (tally.codes.get(result.code) ?? 0) + 1);
  }
}

/** Byte ranges holding ZIP headers: local headers (and data descriptors), central directory, end records. */
async function headerRanges(bytes: Buffer): Promise<[number, number][]> {
  const archive = await openArchive(bytes);
  const entries = [...archive.index.entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  await archive.close();
  const endRecord = bytes.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
  const centralDirectory = bytes.readUInt32LE(endRecord + 16);
  const ranges: [number, number][] = [];
  entries.forEach((entry, i) => {
    ranges.push([entry.localHeaderOffset, entry.dataOffset]);
    const dataEnd = entry.dataOffset + entry.compressedSize;
    const next = entries[i + 1]?.localHeaderOffset ?? centralDirectory;
    if (next > dataEnd) ranges.push([dataEnd, next]); // data descriptor
  });
  ranges.push([centralDirectory, bytes.length]);
  return ranges;
}

async function sweep(bytes: Buffer, label: string): Promise<Tally> {
  const tally: Tally = { cases: 0, correct: 0, codes: new Map() };
  await runCase(bytes, `${label}: intact`, tally);
  expect(tally.correct).toBe(1);
  for (let length = 0; length < bytes.length; length += 1) {
    await runCase(bytes.subarray(0, length), `${label}: truncated to ${length} bytes`, tally);
  }
  // A prefix of an archive is never the archive: every cut must fail.
  expect(tally.correct, `${label}: a truncated archive was accepted`).toBe(1);
  let flips = 0;
  for (const [start, end] of await headerRanges(bytes)) {
    for (let offset = start; offset < end; offset += 1) {
      for (let bit = 0; bit < 8; bit += 1) {
        const flipped = Buffer.from(bytes);
        flipped[offset]! ^= 1 << bit;
        await runCase(flipped, `${label}: bit ${bit} of byte ${offset} flipped`, tally);
        flips += 1;
      }
    }
  }
  const codes = [...tally.codes.entries()].sort().map(([code, count]) => `${code}=${count}`).join(' ');
  console.log(`[sweep] ${label}: ${bytes.length} bytes, ${bytes.length} truncations + ${flips} bit flips; correct=${tally.correct} ${codes}`);
  return tally;
}

describe('truncation and bit-flip sweep', () => {
  it('archiver (DEFLATE, STORED, data descriptors): every cut and every header bit flip ends correct or coded', async () => {
    const bytes = await archiverZip(
      [...CONTENT].map(([name, data]) => ({ name, data, store: name.endsWith('.json') })),
      { level: 6 },
    );
    const tally = await sweep(bytes, 'archiver');
    expect(tally.cases).toBeGreaterThan(bytes.length * 5);
  });

  it('forged classic layout (CRC and sizes in local headers, archive comment): same guarantee', async () => {
    const { bytes } = layoutZip({
      entries: [...CONTENT].map(([name, data]) => ({ name, data, method: name.endsWith('.pcl') ? 8 : 0 })),
      comment: 'OrientDB Backup executed on 2024-01-01',
    });
    const tally = await sweep(bytes, 'forged');
    expect(tally.cases).toBeGreaterThan(bytes.length * 4);
  });
});
