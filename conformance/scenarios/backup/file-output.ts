/**
 * The file output: atomic, nothing left on failure, an older archive kept (BACKUP-054 to BACKUP-056).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { codeOf, expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { fileOutput, fill, inspectArchive, namesIn, outcomeOf, sizeOf } from './_support/helpers.js';

const appearsComplete = scenario({
  id: 'backup/file-appears-only-when-complete',
  title: 'nothing is at the target while the backup runs; then the complete archive is, and no other new file',
  requirements: ['BACKUP-054'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 20, 300);
    await mkdir(ctx.path('out'));
    await writeFile(ctx.path('out', 'unrelated.txt'), 'stays');
    const target = ctx.path('out', 'b.zip');
    let duringCallable: number | undefined | 'not called' = 'not called';
    await conn.backup(fileOutput(target), null, async () => void (duringCallable = await sizeOf(target)), null);
    assert.equal(duringCallable, undefined, 'nothing should be at the target while the backup holds the lock');
    const archive = await inspectArchive(target);
    assert.deepEqual(archive.problems, [], 'the archive at the target should be complete');
    assert.deepEqual(await namesIn(ctx.path('out')), ['b.zip', 'unrelated.txt'], "the target's directory should hold no other new file");
  },
});

const directoryAtTarget = scenario({
  id: 'backup/failed-file-backup-leaves-nothing',
  title: 'a file backup that cannot put its archive at the target (a directory appeared there) leaves nothing behind',
  requirements: ['BACKUP-055'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 20, 300);
    await mkdir(ctx.path('out'));
    const target = ctx.path('out', 'b.zip');
    await expectCode(conn.backup(fileOutput(target), null, () => mkdir(target).catch(() => undefined), null), 'ERR_OUTPUT_FAILED', 'a directory at the target');
    assert.deepEqual(await namesIn(target), [], 'the directory created at the target should still be empty');
    assert.deepEqual(await namesIn(ctx.path('out')), ['b.zip'], "the target's directory should hold nothing but that directory");
  },
});

const callableFailure = scenario({
  id: 'backup/aborted-file-backup-leaves-nothing',
  title: 'a file backup that rejects because its callable threw leaves nothing at or beside the target',
  requirements: ['BACKUP-055'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 20, 300);
    await mkdir(ctx.path('out'));
    const outcome = await outcomeOf(
      conn.backup(fileOutput(ctx.path('out', 'b.zip')), null, () => {
        throw new Error('the callable failed on purpose');
      }, null),
    );
    if (outcome.ok) {
      ctx.log('the backup went on after its callable failed (BACKUP-036): this case does not apply');
      return;
    }
    assert.deepEqual(await namesIn(ctx.path('out')), [], 'nothing should be at or beside the target');
  },
});

const YESTERDAY = 'yesterday\u0027s archive, which must survive a failed backup';

const keptOnRefusal = scenario({
  id: 'backup/existing-file-kept-on-refusal',
  title: 'an existing file at the target stays byte-identical when the backup is refused',
  requirements: ['BACKUP-056'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 5);
    await writeFile(ctx.path('b.zip'), YESTERDAY);
    await expectCode(conn.backup(fileOutput(ctx.path('b.zip')), null, null, null, 10), 'ERR_INVALID_COMPRESSION_LEVEL', 'an invalid level');
    assert.equal(await readFile(ctx.path('b.zip'), 'utf8'), YESTERDAY, 'the existing file should be byte-identical');
  },
});

const keptOnFailure = scenario({
  id: 'backup/existing-file-kept-on-failure',
  title: 'an existing file at the target stays byte-identical when the backup fails',
  requirements: ['BACKUP-056'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 20, 300);
    await writeFile(ctx.path('b.zip'), YESTERDAY);
    const outcome = await outcomeOf(
      conn.backup(fileOutput(ctx.path('b.zip')), null, () => {
        throw new Error('the callable failed on purpose');
      }, null),
    );
    if (outcome.ok) {
      ctx.log('the backup went on after its callable failed (BACKUP-036): only the refusal case applies');
      return;
    }
    assert.ok(codeOf(outcome.error) !== undefined, 'the failure should carry a code');
    assert.equal(await readFile(ctx.path('b.zip'), 'utf8'), YESTERDAY, 'the existing file should be byte-identical');
  },
});

const replacedOnSuccess = scenario({
  id: 'backup/existing-file-replaced-on-success',
  title: 'an existing file at the target is replaced by the archive of a successful backup',
  requirements: ['BACKUP-056'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 5);
    await writeFile(ctx.path('b.zip'), YESTERDAY);
    const result = await conn.backup(fileOutput(ctx.path('b.zip')), null, null, null);
    assert.equal(await sizeOf(ctx.path('b.zip')), result.bytes, 'the target should hold the new archive');
    const archive = await inspectArchive(ctx.path('b.zip'));
    assert.deepEqual(archive.problems, [], 'the new archive should be complete');
    assert.deepEqual(await namesIn(ctx.workdir), ['b.zip', 'db'], 'no temporary file should be left');
  },
});

export default [appearsComplete, directoryAtTarget, callableFailure, keptOnRefusal, keptOnFailure, replacedOnSuccess];
