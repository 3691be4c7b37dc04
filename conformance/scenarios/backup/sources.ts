/**
 * Database files that change under the lock (BACKUP-057).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { readdir, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { codeOf } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { expectRestoresTo, fileOutput, fill, namesIn, outcomeOf, probeWrite, settlesIn, UNLOCKED_MS } from './_support/helpers.js';

/** The largest regular file of a directory, skipping lock and temporary files. */
async function largestFile(dir: string): Promise<{ path: string; size: number }> {
  let largest = { path: '', size: -1 };
  for (const name of await readdir(dir)) {
    if (name.endsWith('.lock') || name.endsWith('.tmp')) continue;
    const info = await stat(join(dir, name));
    if (info.isFile() && info.size > largest.size) largest = { path: join(dir, name), size: info.size };
  }
  assert.ok(largest.size > 0, `the database directory ${dir} should hold files`);
  return largest;
}

function sourceChangedScenario(damage: 'deleted' | 'truncated') {
  return scenario({
    id: `backup/source-${damage}-under-lock`,
    title: `the largest database file ${damage} while the backup holds the lock never gives a silent partial archive`,
    requirements: ['BACKUP-057'],
    async run(ctx) {
      const conn = await ctx.newDatabase('db');
      await fill(conn, 100, 500);
      const other = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
      let atLock = '';
      let damaged = '';
      const outcome = await outcomeOf(
        conn.backup(fileOutput(ctx.path('b.zip')), null, async () => {
          if (damaged !== '') return;
          atLock = await other.dump();
          const largest = await largestFile(ctx.path('db'));
          damaged = largest.path;
          if (damage === 'deleted') await unlink(largest.path);
          else await truncate(largest.path, Math.floor(largest.size / 2));
        }, null),
      );
      ctx.log(`${damage} ${damaged}`);
      if (outcome.ok) {
        await expectRestoresTo(conn, ctx.path('b.zip'), atLock, 'the archive, restored,');
        return;
      }
      assert.equal(codeOf(outcome.error), 'ERR_SOURCE_CHANGED', `a backup whose source ${damage} should reject with ERR_SOURCE_CHANGED, received ${codeOf(outcome.error) ?? 'no code'} (${String((outcome.error as Error).message)})`);
      assert.deepEqual(await namesIn(ctx.workdir), ['db'], 'nothing should be at the target');
      // The damaged database may refuse the write; it must not leave it waiting.
      assert.equal(await settlesIn(probeWrite(other, { probe: 'after the damage' }), UNLOCKED_MS), true, 'the database should be unlocked after the failed backup');
    },
  });
}

export default [sourceChangedScenario('deleted'), sourceChangedScenario('truncated')];
