/**
 * Closed connections, memory: and remote: databases (BACKUP-058 to BACKUP-060).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { codeOf, expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { fileOutput, fill, outcomeOf } from './_support/helpers.js';

const closed = scenario({
  id: 'backup/closed-connection-refused',
  title: 'a backup through a closed connection is refused with ERR_DATABASE_CLOSED',
  requirements: ['BACKUP-058'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 3);
    await conn.close();
    await expectCode(conn.backup(fileOutput(ctx.path('b.zip')), null, null, null), 'ERR_DATABASE_CLOSED', 'a closed connection');
  },
});

const memory = scenario({
  id: 'backup/memory-database-refused',
  title: 'a backup of a memory: database is refused with ERR_UNSUPPORTED_STORAGE',
  requirements: ['BACKUP-059'],
  features: ['memory-storage'],
  async run(ctx) {
    const conn = await ctx.impl.createDatabase(`memory:backup-${Date.now()}-${Math.random().toString(36).slice(2)}`);
    await fill(conn, 3);
    await expectCode(conn.backup(fileOutput(ctx.path('b.zip')), null, null, null), 'ERR_UNSUPPORTED_STORAGE', 'a memory database');
  },
});

const remote = scenario({
  id: 'backup/remote-database-refused',
  title: 'a remote: database cannot be backed up (ERR_REMOTE_NOT_SUPPORTED, at open or at backup)',
  requirements: ['BACKUP-060'],
  async run(ctx) {
    const url = 'remote:localhost/backup-conformance';
    for (const open of [() => ctx.impl.createDatabase(url), () => ctx.impl.openDatabase(url, 'admin', 'admin')]) {
      const opened = await outcomeOf(open());
      if (!opened.ok) {
        assert.equal(codeOf(opened.error), 'ERR_REMOTE_NOT_SUPPORTED', `opening ${url} should be refused with ERR_REMOTE_NOT_SUPPORTED, received ${codeOf(opened.error) ?? 'no code'}`);
        continue;
      }
      await expectCode(opened.value.backup(fileOutput(ctx.path('b.zip')), null, null, null), 'ERR_REMOTE_NOT_SUPPORTED', 'the backup of a remote database');
    }
  },
});

export default [closed, memory, remote];
