import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { chainByIndex } from './_support/chain.js';

const PATTERN = /^(.+)_(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})_(0|[1-9]\d*)(_full)?\.ibu$/;

export default scenario({
  id: 'incremental/file-names',
  title: 'files are named <dbName>_<yyyy-MM-dd-HH-mm-ss>_<index>[_full].ibu, UTC, _full exactly for index 0',
  requirements: ['INCR-003'],
  features: ['incremental'],
  async run(ctx) {
    const db = await ctx.newDatabase('names_db');
    await db.createClass('Item');
    const dir = ctx.path('chain');
    for (let index = 0; index < 3; index++) {
      await db.insert('Item', { index });
      const before = Math.floor(Date.now() / 1000);
      const name = await db.incrementalBackup(dir);
      const after = Math.ceil(Date.now() / 1000);
      const match = PATTERN.exec(name);
      assert.ok(match !== null, `${name} does not follow <dbName>_<yyyy-MM-dd-HH-mm-ss>_<index>[_full].ibu`);
      const [, dbName, year, month, day, hours, minutes, seconds, indexText, full] = match;
      assert.equal(dbName, 'names_db', `${name}: the database name`);
      assert.equal(Number(indexText), index, `${name}: the index`);
      assert.equal(full !== undefined, index === 0, `${name}: _full must appear exactly for index 0`);
      const stamp = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hours), Number(minutes), Number(seconds)) / 1000;
      assert.ok(stamp >= before && stamp <= after, `${name}: the timestamp must be a moment of the call in UTC (between ${new Date(before * 1000).toISOString()} and ${new Date(after * 1000).toISOString()})`);
    }
    const files = await chainByIndex(dir);
    assert.deepEqual(files.map((file) => file.manifest.index), [0, 1, 2], 'the index in each name is the index of its manifest');
    for (const file of files) assert.equal(Number(PATTERN.exec(file.name)?.[8]), file.manifest.index, `${file.name}: the name's index`);
  },
});
