import assert from 'node:assert/strict';
import type { JsonObject } from '../../adapter.js';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { ridParts } from './support.js';

export default scenario({
  id: 'storage/insert-non-object-refused',
  title: 'a content that is not a JSON object is refused with ERR_INVALID_DOCUMENT and uses up no position',
  requirements: ['STORAGE-013'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    const first = await db.insert('Item', { n: 0 });
    const before = await db.dump();
    for (const content of [[], [{ n: 1 }], 'text', null, 42, true]) {
      await expectCode(db.insert('Item', content as unknown as JsonObject), 'ERR_INVALID_DOCUMENT', `insert(${JSON.stringify(content)})`);
    }
    assert.equal(await db.dump(), before, 'the refused inserts stored nothing');
    const next = await db.insert('Item', { n: 1 });
    assert.equal(ridParts(next.rid).position, ridParts(first.rid).position + 1, 'the next insert takes the next position');
  },
});
