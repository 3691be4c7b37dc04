/**
 * The exhaustive sweeps the conformance scenarios only sample (RESTORE-062, RESTORE-063), on the
 * reference: every proper prefix of a small backup, and every bit of its ZIP headers and of its
 * manifest's data flipped one at a time. Each gives a coded refusal that leaves the database
 * untouched, or (a flip without effect) a restore to exactly the backed-up dump; verify agrees
 * with the restore every time (VERIFY-003).
 *
 * The prefixes are all swept on every run. The bits take minutes (about 8 000 restores), so a
 * plain run flips every 11th bit (all eight positions of a byte get their turn); with
 * `RESTORE_SWEEP=full` every bit is flipped.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipLayout } from '../../conformance/support/zip-rewrite.js';
import { Database } from '../../src/engine/index.js';
import { ERROR_CODES, isCodedError } from '../../src/errors.js';
import { verifyBackup } from '../../src/verify/index.js';
import { backupToFile } from './_helpers/backup-file.js';
import { FAST, tempDir, treeState } from './_helpers/databases.js';

let work: { path: string; cleanup: () => Promise<void> };
let bytes: Buffer;
let backedUp: string;
let target: Database;
const input = (): string => join(work.path, 'damaged.zip');

beforeAll(async () => {
  work = await tempDir('restore-sweep-');
  const source = await Database.create(`plocal:${join(work.path, 'source')}`, FAST);
  await source.createClass('Item');
  await source.insert('Item', { n: 1 });
  await backupToFile(source, join(work.path, 'backup.zip'), { level: 9 });
  backedUp = await source.dump();
  await source.close();
  bytes = await readFile(join(work.path, 'backup.zip'));
  target = await Database.create(`plocal:${join(work.path, 'target')}`, FAST);
  await target.createClass('Other');
});
afterAll(async () => {
  await target.close();
  await work.cleanup();
});

/** Restores `candidate` into the target, whose dump is `expected`; resolves the code, or undefined after an exact restore. */
async function attempt(candidate: Buffer, expected: string, what: string): Promise<string | undefined> {
  await writeFile(input(), candidate);
  let code: string | undefined;
  try {
    await target.restore(input());
  } catch (error) {
    expect(isCodedError(error), `${what}: ${String(error)}`).toBe(true);
    code = (error as { code: string }).code;
    expect(Object.keys(ERROR_CODES), what).toContain(code);
  }
  expect(await target.dump(), what).toBe(code === undefined ? backedUp : expected);
  const report = await verifyBackup(input());
  expect({ valid: report.valid, code: report.code }, `${what}: verify disagrees with the restore`).toEqual(code === undefined ? { valid: true, code: undefined } : { valid: false, code });
  return code;
}

describe('exhaustive sweeps over a small backup', () => {
  it(`every proper prefix is refused: empty, not a ZIP or truncated (unless an end record shows up)`, async () => {
    const expected = await target.dump();
    const files = await treeState(join(work.path, 'target'));
    const codes = new Map<string, number>();
    for (let length = 0; length < bytes.length; length++) {
      const prefix = bytes.subarray(0, length);
      const code = await attempt(prefix, expected, `prefix of ${length} bytes`);
      expect(code, `prefix of ${length} bytes`).toBeDefined();
      if (length === 0) expect(code).toBe('ERR_ARCHIVE_EMPTY');
      else if (length < 4) expect(['ERR_NOT_A_ZIP', 'ERR_ARCHIVE_TRUNCATED']).toContain(code);
      else if (!prefix.includes(Buffer.from([0x50, 0x4b, 0x05, 0x06]))) expect(code, `prefix of ${length} bytes`).toBe('ERR_ARCHIVE_TRUNCATED');
      codes.set(code!, (codes.get(code!) ?? 0) + 1);
    }
    expect(await treeState(join(work.path, 'target'))).toEqual(files);
    console.log(`${bytes.length} prefixes: ${JSON.stringify(Object.fromEntries(codes))}`);
  }, 300_000);

  const stride = process.env.RESTORE_SWEEP === 'full' ? 1 : 11;
  it(`every ${stride === 1 ? '' : `${stride}th `}bit of every header and of the manifest flipped is refused with a code or restores exactly`, async () => {
    const layout = zipLayout(bytes);
    const ranges = [layout.endRecord, ...layout.entries.flatMap((entry) => [entry.localHeader, entry.centralRecord, ...(entry.name === 'backup-manifest.json' ? [entry.data] : [])])];
    let expected = await target.dump();
    const codes = new Map<string, number>();
    for (const [start, end] of ranges) {
      for (let bit = start * 8; bit < end * 8; bit++) {
        if (bit % stride !== 0) continue;
        const copy = Buffer.from(bytes);
        copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
        const code = await attempt(copy, expected, `bit ${bit & 7} of byte ${bit >> 3}`);
        if (code === undefined) expected = backedUp;
        codes.set(code ?? 'restored', (codes.get(code ?? 'restored') ?? 0) + 1);
      }
    }
    console.log(`${[...codes.values()].reduce((a, b) => a + b, 0)} flipped bits: ${JSON.stringify(Object.fromEntries(codes))}`);
  }, 600_000);
});
