/**
 * Archive limits and memory (RESTORE-032 to RESTORE-034).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { scenario } from '../../scenario.js';
import { buildZip, deflateRun } from '../../support/zip-rewrite.js';
import { archiveEntries, backupFile, expectRefused, fixturesOf, restoreFrom, seededDatabase } from './support.js';

const MIB = 1024 * 1024;

/** Runs `action` while sampling this process's resident memory; resolves the largest growth seen, in bytes. */
async function peakGrowth(action: () => Promise<unknown>): Promise<number> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    await action();
  } finally {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  return peak - baseline;
}

/** One DEFLATE entry of `raw` bytes declaring `size` bytes (ZIP64 when needed). */
function declaring(name: string, raw: Buffer, size: number): Buffer {
  return buildZip([{ name, raw, method: 8, declare: { size, crc32: 0 }, zip64: size > 0xfffffffe }]);
}

export default [
  scenario({
    id: 'restore/limits-enforced',
    title: 'limits just below a backup’s own figures refuse it with ERR_ARCHIVE_LIMIT_EXCEEDED; limits at its figures restore it',
    requirements: ['RESTORE-032'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      await db.conn.insert('Item', { compressible: 'z'.repeat(20_000) });
      const archive = await backupFile(ctx, db.conn);
      const atLock = await db.conn.dump();
      const entries = await archiveEntries(archive);
      const figures = {
        maxEntries: entries.length,
        maxEntryBytes: Math.max(...entries.map((entry) => entry.size)),
        maxTotalBytes: entries.reduce((sum, entry) => sum + entry.size, 0),
        maxRatio: Math.max(...entries.filter((entry) => entry.method === 8).map((entry) => entry.size / Math.max(1, entry.compressedSize))),
      };
      ctx.log(`the backup's figures: ${JSON.stringify(figures)}`);
      for (const key of ['maxEntries', 'maxEntryBytes', 'maxTotalBytes', 'maxRatio'] as const) {
        if (key === 'maxRatio' && !(figures.maxRatio > 1.01)) continue;
        const below = key === 'maxRatio' ? figures.maxRatio * 0.999 : figures[key] - 1;
        await expectRefused(restoreFrom(db.conn, archive, 'file', { limits: { [key]: below } }), 'ERR_ARCHIVE_LIMIT_EXCEEDED', `${key} ${below}, just below the backup's ${figures[key]}`);
      }
      await db.conn.insert('Item', { after: 'the backup' });
      const limits = { ...figures, ...(figures.maxRatio > 1 ? {} : { maxRatio: 1 }) };
      await restoreFrom(db.conn, archive, 'file', { limits });
      assert.equal(await db.conn.dump(), atLock, 'a restore with limits at the backup’s own figures did not restore it');
    },
  }),

  scenario({
    id: 'restore/default-limits',
    title: 'by default an entry declaring over 1100 times its compressed size is refused; the implementation’s own backups restore',
    requirements: ['RESTORE-033'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      await db.conn.insert('Item', { run: 'a'.repeat(200_000) });
      const archive = await backupFile(ctx, db.conn, 'level9.zip', 9);
      const atLock = await db.conn.dump();
      const liar = ctx.path('liar.zip');
      await writeFile(liar, declaring('item.pcl', Buffer.alloc(1024, 0x55), 8 * 1024 * MIB));
      for (const path of [liar, ...fixturesOf('ERR_ARCHIVE_LIMIT_EXCEEDED').filter((file) => file.includes('ratio'))]) {
        await expectRefused(restoreFrom(db.conn, path), 'ERR_ARCHIVE_LIMIT_EXCEEDED', `${path}, whose entry declares an impossible ratio`);
      }
      await db.conn.insert('Item', { after: 'the backup' });
      await restoreFrom(db.conn, archive);
      assert.equal(await db.conn.dump(), atLock, 'the implementation’s own level-9 backup did not restore with the default limits');
    },
  }),

  scenario({
    id: 'restore/memory-bounded',
    title: 'archives declaring or producing gigabytes are refused with their codes, using less than 64 MiB',
    requirements: ['RESTORE-034'],
    timeoutMs: 60_000,
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const inflating = ctx.path('inflates-far-past.zip');
      await writeFile(inflating, buildZip([{ name: 'item.pcl', raw: deflateRun(0x61, 256 * MIB), method: 8, declare: { size: 1000 } }]));
      const declaringHuge = ctx.path('declares-8-gib.zip');
      await writeFile(declaringHuge, declaring('item.pcl', deflateRun(0x61, 1000), 8 * 1024 * MIB));
      const cases: [string, string][] = [
        [inflating, 'ERR_ARCHIVE_SIZE_MISMATCH'],
        [declaringHuge, 'ERR_ARCHIVE_LIMIT_EXCEEDED'],
        ...fixturesOf('ERR_ARCHIVE_OVERLAPPING_ENTRIES').filter((file) => file.includes('fifield')).map((file): [string, string] => [file, 'ERR_ARCHIVE_OVERLAPPING_ENTRIES']),
      ];
      for (const [path, code] of cases) {
        const growth = await peakGrowth(() => expectRefused(restoreFrom(db.conn, path), code, path));
        const shown = `${(growth / MIB).toFixed(1)} MiB`;
        ctx.log(`${path}: resident memory grew by ${shown}`);
        assert.ok(growth < 64 * MIB, `refusing ${path} made resident memory grow by ${shown}`);
      }
    },
  }),
];
