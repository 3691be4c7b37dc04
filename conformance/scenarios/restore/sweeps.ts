/**
 * Sweeps over damaged copies of a small backup (RESTORE-062 to RESTORE-064): truncations, flipped
 * header bits and random mutations, each refused with a code (the database intact) or, where
 * the damage cannot matter, restored exactly. The sweeps sample: all the offsets and bits near
 * the structures, plus `ctx.runs`-scaled random ones from the seed (the reference's own tests
 * sweep every offset and every header bit).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { scenario, type ScenarioContext } from '../../scenario.js';
import { zipLayout } from '../../support/zip-rewrite.js';
import { Random } from './random.js';
import { MANIFEST, backupFile, restoreSettles, seededDatabase } from './support.js';

/** A small backup and a second database (other content) to restore its damaged copies into. */
async function setUp(ctx: ScenarioContext) {
  const source = await seededDatabase(ctx, 'source', 3);
  const archive = await backupFile(ctx, source.conn);
  const atLock = await source.conn.dump();
  const target = await seededDatabase(ctx, 'target', 1);
  return { bytes: await readFile(archive), atLock, target };
}

const END_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

export default [
  scenario({
    id: 'restore/truncation-sweep',
    title: 'every prefix of a backup is refused with ERR_ARCHIVE_EMPTY, ERR_NOT_A_ZIP or ERR_ARCHIVE_TRUNCATED, the database intact',
    requirements: ['RESTORE-062'],
    property: true,
    timeoutMs: 120_000,
    async run(ctx) {
      const { bytes, atLock, target } = await setUp(ctx);
      const expected = await target.conn.dump();
      const layout = zipLayout(bytes);
      const offsets = new Set<number>();
      // From 10 runs on (the default is 25): every prefix near the structures. Below: their edges.
      const thorough = ctx.runs >= 10;
      for (let at = 0; at < Math.min(thorough ? 64 : 8, bytes.length); at++) offsets.add(at);
      const tail = thorough ? layout.entries.at(-1)!.centralRecord[0] - 8 : layout.endRecord[0] - 4;
      for (let at = Math.max(0, tail); at < bytes.length; at += thorough ? 1 : 3) offsets.add(at);
      for (const entry of layout.entries) for (const edge of [entry.localHeader[0], entry.data[0], entry.data[1], entry.centralRecord[0]]) for (let d = thorough ? -2 : 0; d <= (thorough ? 2 : 0); d++) offsets.add(edge + d);
      const random = new Random(ctx.seed);
      for (let i = 0; i < ctx.runs * 8; i++) offsets.add(random.int(0, bytes.length - 1));
      const path = ctx.path('prefix.zip');
      ctx.log(`archive of ${bytes.length} bytes, ${offsets.size} prefixes (seed ${ctx.seed})`);
      for (const length of [...offsets].filter((n) => n >= 0 && n < bytes.length).sort((a, b) => a - b)) {
        if (ctx.signal.aborted) return;
        const prefix = bytes.subarray(0, length);
        await writeFile(path, prefix);
        const code = await restoreSettles(target, path, expected, atLock, `the prefix of ${length} bytes`);
        assert.ok(code !== undefined, `the prefix of ${length} bytes was restored`);
        const plausibleEnd = prefix.subarray(Math.max(0, length - 22 - 65_535)).includes(END_SIGNATURE);
        if (length === 0) assert.equal(code, 'ERR_ARCHIVE_EMPTY', 'the empty prefix');
        else if (length < 4) assert.ok(code === 'ERR_NOT_A_ZIP' || code === 'ERR_ARCHIVE_TRUNCATED', `the prefix of ${length} bytes gave ${code}`);
        else if (!plausibleEnd) assert.equal(code, 'ERR_ARCHIVE_TRUNCATED', `the prefix of ${length} bytes`);
      }
    },
  }),

  scenario({
    id: 'restore/header-bit-flips',
    title: 'a flipped bit in a header or in the manifest is refused with a code (database intact) or harmless (exact restore)',
    requirements: ['RESTORE-063'],
    property: true,
    timeoutMs: 120_000,
    async run(ctx) {
      const { bytes, atLock, target } = await setUp(ctx);
      const layout = zipLayout(bytes);
      const ranges: (readonly [number, number])[] = [layout.endRecord];
      for (const entry of layout.entries) {
        ranges.push(entry.localHeader, entry.centralRecord);
        if (entry.name === MANIFEST) ranges.push(entry.data);
      }
      const bits: number[] = [];
      for (const [start, end] of ranges) for (let bit = start * 8; bit < end * 8; bit++) bits.push(bit);
      const random = new Random(ctx.seed);
      const chosen = new Set<number>();
      // Every bit of the end record's fixed fields from 10 runs on (the default is 25), then a
      // seeded sample of the rest.
      if (ctx.runs >= 10) for (let bit = layout.endRecord[0] * 8; bit < (layout.endRecord[0] + 22) * 8; bit++) chosen.add(bit);
      for (let i = 0; i < ctx.runs * 16 && chosen.size < bits.length; i++) chosen.add(random.pick(bits));
      ctx.log(`${bits.length} header and manifest bits, ${chosen.size} flipped (seed ${ctx.seed})`);
      const path = ctx.path('flipped.zip');
      let expected = await target.conn.dump();
      let refused = 0;
      for (const bit of [...chosen].sort((a, b) => a - b)) {
        if (ctx.signal.aborted) return;
        const copy = Buffer.from(bytes);
        copy[bit >> 3] = copy[bit >> 3]! ^ (1 << (bit & 7));
        await writeFile(path, copy);
        const code = await restoreSettles(target, path, expected, atLock, `bit ${bit & 7} of byte ${bit >> 3} flipped`);
        if (code === undefined) expected = atLock;
        else refused++;
      }
      ctx.log(`${refused} refused, ${chosen.size - refused} harmless`);
    },
  }),

  scenario({
    id: 'restore/random-mutations',
    title: 'random changes, insertions and removals of bytes give an exact restore or a coded refusal, never a crash or a hang',
    requirements: ['RESTORE-064'],
    property: true,
    timeoutMs: 120_000,
    async run(ctx) {
      const { bytes, atLock, target } = await setUp(ctx);
      const random = new Random(ctx.seed ^ 0x5eed);
      const path = ctx.path('mutated.zip');
      let expected = await target.conn.dump();
      for (let run = 0; run < ctx.runs * 4; run++) {
        if (ctx.signal.aborted) return;
        let copy = Buffer.from(bytes);
        const steps: string[] = [];
        for (let n = random.int(1, 4); n > 0; n--) {
          const at = random.int(0, copy.length - 1);
          const kind = random.int(0, 2);
          if (kind === 0) {
            copy[at] = random.int(0, 255);
            steps.push(`set ${at}`);
          } else if (kind === 1) {
            const inserted = Buffer.from(Array.from({ length: random.int(1, 8) }, () => random.int(0, 255)));
            copy = Buffer.concat([copy.subarray(0, at), inserted, copy.subarray(at)]);
            steps.push(`insert ${inserted.length} at ${at}`);
          } else {
            const length = random.int(1, 8);
            copy = Buffer.concat([copy.subarray(0, at), copy.subarray(at + length)]);
            steps.push(`remove ${length} at ${at}`);
          }
        }
        await writeFile(path, copy);
        const code = await restoreSettles(target, path, expected, atLock, `mutation ${run} (${steps.join(', ')}; seed ${ctx.seed})`);
        if (code === undefined) expected = atLock;
      }
    },
  }),
];
