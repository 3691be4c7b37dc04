import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { ridParts } from './support.js';

export default scenario({
  id: 'storage/load-missing-record',
  title: 'loading a well-formed RID without a record is refused with ERR_RECORD_NOT_FOUND',
  requirements: ['STORAGE-014'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    const { clusterId } = ridParts((await db.insert('Item', { n: 0 })).rid);
    await expectCode(db.load(`#${clusterId}:1`), 'ERR_RECORD_NOT_FOUND', 'the position after the last record');
    await expectCode(db.load(`#${clusterId}:100000`), 'ERR_RECORD_NOT_FOUND', 'a far position');
    await expectCode(db.load(`#${clusterId + 1000}:0`), 'ERR_RECORD_NOT_FOUND', 'a cluster no class has');
  },
});
