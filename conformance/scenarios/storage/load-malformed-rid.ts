import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/load-malformed-rid',
  title: 'loading a string that is not #<clusterId>:<position> is refused with ERR_INVALID_RID',
  requirements: ['STORAGE-014'],
  async run(ctx) {
    const db = await ctx.newDatabase();
    await db.createClass('Item');
    await db.insert('Item', { n: 0 });
    for (const rid of ['', 'abc', '#1', '1:0', '#1:', '#:0', '#a:b', '#-1:0', '#1:-1', '#1:0:0', ' #1:0', '#1.5:0']) {
      await expectCode(db.load(rid), 'ERR_INVALID_RID', `load(${JSON.stringify(rid)})`);
    }
  },
});
