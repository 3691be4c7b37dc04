import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/plocal-url-directory',
  title: 'plocal:<path> creates the database in that directory, missing parents included, and opens it again',
  requirements: ['STORAGE-001'],
  async run(ctx) {
    const directory = ctx.path('nested', 'parents', 'shop');
    const url = `plocal:${directory}`;
    const created = await ctx.impl.createDatabase(url);
    assert.equal(created.url, url, 'the connection keeps the URL it was opened with');
    assert.ok((await stat(directory)).isDirectory(), `${directory} is a directory`);
    assert.ok((await readdir(directory)).length > 0, 'the database directory holds the database files');
    await created.createClass('Item');
    const record = await created.insert('Item', { name: 'first' });

    const opened = await ctx.impl.openDatabase(url, 'admin', 'admin');
    assert.equal(opened.url, url);
    assert.deepEqual(await opened.load(record.rid), record, 'openDatabase with the same URL opens the same database');
    assert.deepEqual(await readdir(ctx.workdir), ['nested'], 'nothing is created beside the named directory');
  },
});
