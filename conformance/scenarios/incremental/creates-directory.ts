import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

export default [
  scenario({
    id: 'incremental/creates-missing-directory',
    title: 'a missing backup directory is created, with its missing parents',
    requirements: ['INCR-002'],
    features: ['incremental'],
    async run(ctx) {
      const db = await ctx.newDatabase('source');
      const dir = ctx.path('not', 'yet', 'there');
      const name = await db.incrementalBackup(dir);
      assert.ok((await stat(dir)).isDirectory(), `${dir} must have been created`);
      assert.ok((await stat(join(dir, name))).isFile(), `${name} must be in ${dir}`);
    },
  }),
  scenario({
    id: 'incremental/refuses-file-as-directory',
    title: 'a backup directory that is an existing file is refused with ERR_INVALID_OUTPUT, the file unchanged',
    requirements: ['INCR-002'],
    features: ['incremental'],
    async run(ctx) {
      const db = await ctx.newDatabase('source');
      const file = ctx.path('plain-file');
      await writeFile(file, 'not a directory\n');
      await expectCode(db.incrementalBackup(file), 'ERR_INVALID_OUTPUT', 'a file as the backup directory');
      assert.equal(await readFile(file, 'utf8'), 'not a directory\n', 'the file must be unchanged');
    },
  }),
];
