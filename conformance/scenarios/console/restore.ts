/**
 * Console scenarios: RESTORE DATABASE of an archive and of an incremental directory, and a failed
 * restore that says so (unlike OrientDB, #10319).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { scenario } from '../../scenario.js';
import { connect, describeRun, dumpOf, expectFailure, expectSuccess, lines, populated, runCommands } from './support.js';

const RESTORED = /^Database restored in \d+\.\d{2} seconds$/;

export default [
  scenario({
    id: 'console/restore-an-archive',
    title: 'RESTORE DATABASE <file> restores the archive into the connected database and says so',
    requirements: ['CONSOLE-037'],
    features: ['console'],
    async run(ctx) {
      const dump = await populated(ctx, 'restdb');
      const url = ctx.urlOf('restdb');
      expectSuccess(await runCommands(ctx, [connect(url), 'BACKUP DATABASE snap.zip']), 'the backup to restore');
      const conn = await ctx.impl.openDatabase(url, 'admin', 'admin');
      await conn.insert('Item', { after: 'the backup' });
      await conn.createClass('Later');
      await conn.close();

      const run = await runCommands(ctx, [connect(url), 'RESTORE DATABASE snap.zip']);
      expectSuccess(run, 'RESTORE DATABASE');
      const printed = lines(run.stdout);
      const restoring = printed.indexOf("Restoring database 'restdb' from full backup...");
      assert.ok(restoring >= 0, `no "Restoring database 'restdb' from full backup..." line: ${describeRun(run)}`);
      assert.ok(printed.slice(restoring + 1).some((line) => RESTORED.test(line)), `no "Database restored in <n.nn> seconds" line after it: ${describeRun(run)}`);
      assert.equal(await dumpOf(ctx, url), dump, 'the database is not the one backed up');
    },
  }),

  scenario({
    id: 'console/restore-an-incremental-directory',
    title: 'RESTORE DATABASE <directory> restores the chain of incremental files in it',
    requirements: ['CONSOLE-038'],
    features: ['console', 'incremental'],
    async run(ctx) {
      const conn = await ctx.newDatabase('chained');
      const dir = ctx.path('chain');
      await conn.createClass('Item');
      await conn.insert('Item', { n: 1 });
      await conn.incrementalBackup(dir);
      const second = await conn.insert('Item', { n: 2 });
      await conn.update(second.rid, { n: 2, updated: true });
      await conn.incrementalBackup(dir);
      const dump = await conn.dump();
      await conn.insert('Item', { n: 3, after: 'the chain' });
      await conn.close();

      const run = await runCommands(ctx, [connect(ctx.urlOf('chained')), `RESTORE DATABASE ${dir}`]);
      expectSuccess(run, 'RESTORE DATABASE <directory>');
      const printed = lines(run.stdout);
      const restoring = printed.indexOf("Restoring database 'chained' from incremental backup...");
      assert.ok(restoring >= 0, `no "Restoring database 'chained' from incremental backup..." line: ${describeRun(run)}`);
      assert.ok(printed.slice(restoring + 1).some((line) => RESTORED.test(line)), `no "Database restored in <n.nn> seconds" line after it: ${describeRun(run)}`);
      assert.equal(await dumpOf(ctx, ctx.urlOf('chained')), dump, 'the database is not the one of the chain');
    },
  }),

  scenario({
    id: 'console/failed-restore-says-so',
    title: 'a RESTORE of a missing file or of a file that is not a ZIP fails with its code, never says "Database restored", and changes nothing',
    requirements: ['CONSOLE-039'],
    features: ['console'],
    async run(ctx) {
      const dump = await populated(ctx, 'intact');
      const url = ctx.urlOf('intact');
      await writeFile(ctx.path('not-a-zip.zip'), 'this is plain text, not a ZIP archive\n'.repeat(10));
      const cases: Array<[string, string]> = [
        ['RESTORE DATABASE missing.zip', 'ERR_ARCHIVE_NOT_FOUND'],
        ['RESTORE DATABASE not-a-zip.zip', 'ERR_NOT_A_ZIP'],
      ];
      for (const [command, code] of cases) {
        const run = await runCommands(ctx, [connect(url), command]);
        expectFailure(run, code, command);
        for (const line of [...lines(run.stdout), ...lines(run.stderr)]) {
          assert.ok(!line.startsWith('Database restored'), `${command}: the console says the database was restored: ${describeRun(run)}`);
        }
      }
      assert.equal(await dumpOf(ctx, url), dump, 'a failed restore changed the database');
    },
  }),
];
