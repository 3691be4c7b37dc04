/**
 * Who may back up (BACKUP-061, BACKUP-062).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { fileOutput, fill, sizeOf } from './_support/helpers.js';

const reader = scenario({
  id: 'backup/reader-refused-admin-allowed',
  title: 'a reader is refused with ERR_PERMISSION_DENIED; another admin user backs up',
  requirements: ['BACKUP-061'],
  features: ['permissions'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 5);
    await conn.createUser('reader1', 'reader1-password', 'reader');
    await conn.createUser('admin2', 'admin2-password', 'admin');
    const asReader = await ctx.impl.openDatabase(ctx.urlOf('db'), 'reader1', 'reader1-password');
    await expectCode(asReader.backup(fileOutput(ctx.path('reader.zip')), null, null, null), 'ERR_PERMISSION_DENIED', 'a backup by a reader');
    const asAdmin = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin2', 'admin2-password');
    const result = await asAdmin.backup(fileOutput(ctx.path('admin.zip')), null, null, null);
    assert.equal(await sizeOf(ctx.path('admin.zip')), result.bytes, 'the backup by another admin should be written');
  },
});

const writer = scenario({
  id: 'backup/writer-refused',
  title: 'a writer is refused with ERR_PERMISSION_DENIED',
  requirements: ['BACKUP-062'],
  features: ['permissions'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 5);
    await conn.createUser('writer1', 'writer1-password', 'writer');
    const asWriter = await ctx.impl.openDatabase(ctx.urlOf('db'), 'writer1', 'writer1-password');
    await expectCode(asWriter.backup(fileOutput(ctx.path('writer.zip')), null, null, null), 'ERR_PERMISSION_DENIED', 'a backup by a writer');
  },
});

export default [reader, writer];
