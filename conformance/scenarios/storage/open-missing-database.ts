import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default scenario({
  id: 'storage/open-missing-database',
  title: 'opening a plocal URL where no database exists (no directory, an empty one, a file) is refused and creates nothing',
  requirements: ['STORAGE-005'],
  async run(ctx) {
    await expectCode(ctx.impl.openDatabase(ctx.urlOf('missing'), 'admin', 'admin'), 'ERR_DATABASE_NOT_FOUND', 'missing directory');
    await expectCode(
      ctx.impl.openDatabase(`plocal:${ctx.path('no', 'such', 'parents', 'db')}`, 'admin', 'admin'),
      'ERR_DATABASE_NOT_FOUND',
      'missing parents',
    );
    assert.deepEqual(await readdir(ctx.workdir), [], 'nothing was created for the missing databases');

    await mkdir(ctx.path('empty'));
    await expectCode(ctx.impl.openDatabase(ctx.urlOf('empty'), 'admin', 'admin'), 'ERR_DATABASE_NOT_FOUND', 'an empty directory');
    assert.deepEqual(await readdir(ctx.path('empty')), [], 'nothing was created in the empty directory');

    const file = ctx.path('plain-file');
    await writeFile(file, 'not a database');
    await expectCode(ctx.impl.openDatabase(`plocal:${file}`, 'admin', 'admin'), 'ERR_DATABASE_NOT_FOUND', 'a regular file');
    await expectCode(ctx.impl.openDatabase(`plocal:${file}/db`, 'admin', 'admin'), 'ERR_DATABASE_NOT_FOUND', 'a path through a regular file');
    assert.equal(await readFile(file, 'utf8'), 'not a database', 'the regular file is unchanged');
  },
});
