import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scenario } from '../../scenario.js';
import { readManifest } from './_support/chain.js';
import { restoreTarget } from './_support/setup.js';

export default scenario({
  id: 'incremental/first-file-is-full',
  title: 'in a directory without backup files the first file has index 0, is full, and restores the database',
  requirements: ['INCR-004'],
  features: ['incremental'],
  async run(ctx) {
    const db = await ctx.newDatabase('source');
    await db.createClass('Item');
    for (let n = 1; n <= 20; n++) await db.insert('Item', { n, text: `record ${n}` });
    const dir = ctx.path('chain');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'not a backup file\n');
    const name = await db.incrementalBackup(dir);
    const dump = await db.dump();
    const manifest = await readManifest(join(dir, name));
    assert.equal(manifest.index, 0, 'the first file has index 0');
    assert.equal(manifest.full, true, 'the first file is full');
    const { target } = await restoreTarget(ctx);
    await target.restore({ kind: 'directory', path: dir }, null, null, null);
    assert.equal(await target.dump(), dump, 'restoring the directory gives the dump at the backup');
  },
});
