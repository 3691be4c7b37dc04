import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/malformed-urls',
  title: 'URLs that are not plocal:, memory: or remote: are refused with ERR_INVALID_URL by create and open',
  requirements: ['STORAGE-007'],
  async run(ctx) {
    const urls = ['foo:bar', `foo:${ctx.path('db')}`, 'plocal:', ctx.path('bare'), ''];
    for (const url of urls) {
      await expectCode(ctx.impl.createDatabase(url), 'ERR_INVALID_URL', `createDatabase(${JSON.stringify(url)})`);
      await expectCode(ctx.impl.openDatabase(url, 'admin', 'admin'), 'ERR_INVALID_URL', `openDatabase(${JSON.stringify(url)})`);
    }
    assert.deepEqual(await readdir(ctx.workdir), [], 'nothing was created for the refused URLs');
  },
});
