/**
 * Option keys and values (BACKUP-049, BACKUP-050).
 *
 * @packageDocumentation
 */
import type { BackupOptions } from '../../adapter.js';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { fileOutput, fill } from './_support/helpers.js';

const unknownKeys = scenario({
  id: 'backup/unknown-option-keys-refused',
  title: 'options with a key other than mode and stallTimeoutMs are refused with ERR_INVALID_OPTIONS; {} is accepted',
  requirements: ['BACKUP-049'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 3);
    for (const options of [{ mdoe: 'snapshot' }, { compressionLevel: 5 }, { bufferSize: 512 }, { foo: 1 }, { mode: 'freeze', extra: true }] as BackupOptions[]) {
      await expectCode(conn.backup(fileOutput(ctx.path('b.zip')), options, null, null), 'ERR_INVALID_OPTIONS', `options ${JSON.stringify(options)}`);
    }
    await conn.backup(fileOutput(ctx.path('b.zip')), {}, null, null);
  },
});

const invalidValues = scenario({
  id: 'backup/invalid-option-values-refused',
  title: 'options that are not an object, and a mode other than freeze or snapshot, are refused with ERR_INVALID_OPTIONS',
  requirements: ['BACKUP-050'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 3);
    for (const options of [5, 'snapshot', [], true, { mode: 'fast' }, { mode: 5 }, { mode: 'FREEZE' }]) {
      await expectCode(conn.backup(fileOutput(ctx.path('b.zip')), options as never, null, null), 'ERR_INVALID_OPTIONS', `options ${JSON.stringify(options)}`);
    }
  },
});

export default [unknownKeys, invalidValues];
