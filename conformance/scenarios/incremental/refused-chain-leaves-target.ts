import assert from 'node:assert/strict';
import { copyFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { codeOf } from '../../assertions.js';
import type { ScenarioContext } from '../../scenario.js';
import { scenario } from '../../scenario.js';
import { directoryState, expectDirectoryUnchanged, rezipWithManifest } from './_support/chain.js';
import { expectIntact } from './_support/database.js';
import { buildChain, copyDirectory, restoreTarget } from './_support/setup.js';

/**
 * Chains with defects found only after some files could have been applied: a missing middle
 * file, a middle file of an unsupported format version, another database's last file. The codes
 * are the business of INCR-015, INCR-020 and INCR-016; here any refusal will do, as long as the
 * target is untouched.
 */
async function defectiveChains(ctx: ScenarioContext): Promise<Array<{ what: string; dir: string }>> {
  const chain = await buildChain(ctx, { files: 3 });
  const other = await buildChain(ctx, { files: 3, sourceName: 'other', dir: ctx.path('other-chain') });
  const gap = await copyDirectory(chain.dir, ctx.path('gap'));
  await rm(join(gap, chain.names[1]!));
  const version = await copyDirectory(chain.dir, ctx.path('version'));
  await rezipWithManifest(join(version, chain.names[1]!), (manifest) => void (manifest.formatVersion = 999));
  const foreign = await copyDirectory(chain.dir, ctx.path('foreign'));
  await rm(join(foreign, chain.names[2]!));
  await copyFile(join(other.dir, other.names[2]!), join(foreign, other.names[2]!));
  return [
    { what: 'a middle file deleted', dir: gap },
    { what: 'a middle file of format version 999', dir: version },
    { what: "the last file replaced by another database's", dir: foreign },
  ];
}

async function expectRefused(action: Promise<unknown>, what: string): Promise<void> {
  let code: string | undefined;
  try {
    await action;
  } catch (error) {
    code = codeOf(error) ?? 'no code';
  }
  assert.ok(code !== undefined, `${what}: the restore must be refused`);
  assert.ok(code.startsWith('ERR_'), `${what}: the refusal must carry a code, got ${code}`);
}

export default [
  scenario({
    id: 'incremental/refused-chain-leaves-database',
    title: 'a refused directory restore leaves the open database intact, its files byte-identical',
    requirements: ['INCR-025'],
    features: ['incremental'],
    async run(ctx) {
      let n = 0;
      for (const { what, dir } of await defectiveChains(ctx)) {
        const { target, dump, path } = await restoreTarget(ctx, `target-${++n}`);
        const before = await directoryState(path);
        await expectRefused(target.restore({ kind: 'directory', path: dir }, null, null, null), what);
        await expectDirectoryUnchanged(path, before, what);
        await expectIntact(target, dump, 'Target', what);
      }
    },
  }),
  scenario({
    id: 'incremental/refused-chain-creates-nothing',
    title: 'a refused restoreDatabase from a directory leaves nothing at the URL\'s path',
    requirements: ['INCR-025'],
    features: ['incremental', 'restore-to-new'],
    async run(ctx) {
      let n = 0;
      for (const { what, dir } of await defectiveChains(ctx)) {
        const name = `new-${++n}`;
        const before = (await readdir(ctx.workdir)).sort();
        await expectRefused(ctx.impl.restoreDatabase({ kind: 'directory', path: dir }, ctx.urlOf(name), null), what);
        assert.deepEqual((await readdir(ctx.workdir)).sort(), before, `${what}: nothing may be left in ${ctx.workdir}`);
      }
    },
  }),
];
