import { writeFile } from 'node:fs/promises';
import { scenario } from '../../scenario.js';
import { expectChainRefused } from './_support/setup.js';

export default scenario({
  id: 'incremental/refuses-missing-directory',
  title: 'a directory restore from a path that does not exist, or is a file, is refused with ERR_BACKUP_DIR_NOT_FOUND',
  requirements: ['INCR-021'],
  features: ['incremental'],
  async run(ctx) {
    await expectChainRefused(ctx, ctx.path('no', 'such', 'directory'), 'ERR_BACKUP_DIR_NOT_FOUND', 'a missing directory');
    const file = ctx.path('a-file.ibu');
    await writeFile(file, 'not a directory\n');
    await expectChainRefused(ctx, file, 'ERR_BACKUP_DIR_NOT_FOUND', 'a file given as the directory');
  },
});
