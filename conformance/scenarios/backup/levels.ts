/**
 * compressionLevel: every level and the invalid ones (BACKUP-015 to BACKUP-018).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { scenario, type Scenario } from '../../scenario.js';
import { expectCode } from '../../assertions.js';
import { ITEM, dataEntries, expectRestoresTo, fileOutput, fill, inspectArchive, text } from './_support/helpers.js';

/** Level 0 writes STORED entries. */
const levelZero = scenario({
  id: 'backup/level-0-stored',
  title: 'compressionLevel 0 writes every entry STORED, its compressed size equal to its size',
  requirements: ['BACKUP-015'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 30, 300);
    await conn.backup(fileOutput(ctx.path('b.zip')), null, null, null, 0);
    const archive = await inspectArchive(ctx.path('b.zip'));
    assert.ok(archive.entries.length > 1, 'the archive should hold entries');
    for (const entry of archive.entries) {
      assert.equal(entry.method, 0, `${entry.name} should be STORED (method 0)`);
      assert.equal(entry.compressedSize, entry.size, `${entry.name}: a STORED entry's compressed size equals its size`);
    }
  },
});

/** Levels 1 to 9 write DEFLATE entries, and each archive restores. */
const deflateLevels: Scenario[] = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((level) =>
  scenario({
    id: `backup/level-${level}-deflate`,
    title: `compressionLevel ${level} writes DEFLATE entries and restores to the dump`,
    requirements: ['BACKUP-016'],
    async run(ctx) {
      const conn = await ctx.newDatabase('db');
      await fill(conn, 20, 300, level);
      const atLock = await conn.dump();
      await conn.backup(fileOutput(ctx.path('b.zip')), null, null, null, level);
      const archive = await inspectArchive(ctx.path('b.zip'));
      for (const entry of archive.entries) {
        if (entry.size > 0) assert.equal(entry.method, 8, `level ${level}: ${entry.name} should be DEFLATE (method 8)`);
      }
      await expectRestoresTo(conn, ctx.path('b.zip'), atLock, `the level ${level} archive, restored,`);
    },
  }),
);

/** Higher levels give smaller archives. */
const smaller = scenario({
  id: 'backup/higher-levels-smaller',
  title: 'on 1 MiB of JSON text, level 9 is no larger than level 1, which is smaller than level 0',
  requirements: ['BACKUP-017'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await conn.createClass(ITEM);
    for (let i = 0; i < 64; i++) await conn.insert(ITEM, { n: i, text: text(16_384, i) });
    const size = async (level: number): Promise<number> => {
      const path = ctx.path(`level-${level}.zip`);
      await conn.backup(fileOutput(path), null, null, null, level);
      return (await inspectArchive(path)).size;
    };
    const [zero, one, nine] = [await size(0), await size(1), await size(9)];
    assert.ok(one < zero, `level 1 (${one} bytes) should be smaller than level 0 (${zero} bytes)`);
    assert.ok(nine <= one, `level 9 (${nine} bytes) should be no larger than level 1 (${one} bytes)`);
    const data = dataEntries(await inspectArchive(ctx.path('level-0.zip'))).reduce((sum, entry) => sum + entry.size, 0);
    assert.ok(data >= 1_048_576, `the database should hold at least 1 MiB (it holds ${data} bytes)`);
  },
});

/** Invalid levels are refused. */
const invalidLevels = scenario({
  id: 'backup/invalid-level-refused',
  title: 'compressionLevel -1, 10, 2.5, NaN, Infinity, "5", true and {} are refused with ERR_INVALID_COMPRESSION_LEVEL',
  requirements: ['BACKUP-018'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 3);
    for (const level of [-1, 10, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '5', true, {}]) {
      const label = typeof level === 'string' ? JSON.stringify(level) : typeof level === 'object' ? '{}' : String(level);
      await expectCode(conn.backup(fileOutput(ctx.path('b.zip')), null, null, null, level), 'ERR_INVALID_COMPRESSION_LEVEL', `compressionLevel ${label}`);
    }
  },
});

export default [levelZero, ...deflateLevels, smaller, invalidLevels];
