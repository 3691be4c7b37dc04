import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { fileSize } from './_support/chain.js';
import { fillClass, randomText, seededRandom } from './_support/database.js';

const MB = 1_000_000;
const RECORD_TEXT = 1000;

async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) if (entry.isFile()) total += (await stat(join(dir, entry.name))).size;
  return total;
}

export default scenario({
  id: 'incremental/size-follows-change',
  title: 'after updating 1% of the records of a database of at least 50 MB, the next file is at most 5% of the full one',
  requirements: ['INCR-006'],
  features: ['incremental'],
  timeoutMs: 300_000,
  async run(ctx) {
    const db = await ctx.newDatabase('big');
    await db.createClass('Item');
    // 52 000 records of about 1 KiB (1000 characters of text and the member names): over 50 MB of content.
    const records = await fillClass(db, 'Item', 52_000, { size: RECORD_TEXT, seed: ctx.seed, concurrency: 64 });
    const databaseBytes = await directorySize(ctx.path('big'));
    const dir = ctx.path('chain');
    const full = await fileSize(join(dir, await db.incrementalBackup(dir)));
    // 1% of the records, a run of records inserted one after the other, new content of the same size.
    const count = Math.ceil(records.length / 100);
    const start = Math.floor(records.length / 3);
    const random = seededRandom(ctx.seed ^ 0x5eed);
    for (const record of records.slice(start, start + count)) {
      await db.update(record.rid, { n: record.content.n ?? 0, text: randomText(random, RECORD_TEXT) });
    }
    const next = await fileSize(join(dir, await db.incrementalBackup(dir)));
    ctx.log(`database directory ${(databaseBytes / MB).toFixed(1)} MB, ${records.length} records, ${count} updated; full file ${(full / MB).toFixed(2)} MB, next file ${(next / MB).toFixed(3)} MB (${((100 * next) / full).toFixed(2)}%)`);
    assert.ok(next <= 0.05 * full, `the file after changing 1% of the records is ${next} bytes, more than 5% of the full file's ${full} bytes`);
  },
});
