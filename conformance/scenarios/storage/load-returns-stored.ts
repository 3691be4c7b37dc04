import assert from 'node:assert/strict';
import type { JsonObject } from '../../adapter.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/load-returns-stored',
  title: 'load resolves the RID, version and content last stored, as JSON values',
  requirements: ['STORAGE-014'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    const content: JsonObject = {
      text: 'héllo "wörld"\n\t\\ 𝄞 \u0001',
      numbers: [0, -5, 0.1, 1e21, 123456789.125, -2.5e-7],
      flags: { yes: true, no: false, none: null },
      nested: { deeper: { deepest: [[], {}, ['x']] } },
      '': 'empty key',
      $: 'dollar key',
      'key with spaces': 1,
    };
    const inserted = await db.insert('Item', content);
    assert.deepEqual(await db.load(inserted.rid), { rid: inserted.rid, version: 1, content });
    const other = await db.insert('Item', { other: true });
    const changed: JsonObject = { replaced: ['entirely'] };
    await db.update(inserted.rid, changed);
    assert.deepEqual(await db.load(inserted.rid), { rid: inserted.rid, version: 2, content: changed }, 'load after update');
    assert.deepEqual(await db.load(other.rid), other, 'the other record is untouched');
  },
});
