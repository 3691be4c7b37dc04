/**
 * Console scenarios: BACKUP DATABASE as the manual writes it, its options, its output and every
 * refusal, which leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { scenario, type ScenarioContext } from '../../scenario.js';
import {
  BACKUP_EXECUTED,
  BACKUP_SYNTAX,
  NO_DATABASE_MESSAGE,
  connect,
  describeRun,
  dumpOf,
  exists,
  expectFailure,
  expectSuccess,
  lines,
  names,
  populated,
  restoredDump,
  runCommands,
  runInteractive,
  zipEntries,
} from './support.js';

/** Asserts that every entry of the archive is DEFLATE, empty ones excepted. */
async function expectDeflate(path: string): Promise<void> {
  const entries = await zipEntries(path);
  assert.ok(entries.length > 0, `${path} has no entries`);
  for (const entry of entries) {
    if (entry.size > 0) assert.equal(entry.method, 8, `${path}: entry ${entry.name} uses method ${entry.method}, not DEFLATE`);
  }
}

/** Asserts that every entry of the archive is STORED. */
async function expectStored(path: string): Promise<void> {
  const entries = await zipEntries(path);
  assert.ok(entries.length > 0, `${path} has no entries`);
  for (const entry of entries) {
    assert.equal(entry.method, 0, `${path}: entry ${entry.name} uses method ${entry.method}, not STORED`);
    assert.equal(entry.compressedSize, entry.size, `${path}: STORED entry ${entry.name} has a compressed size unlike its size`);
  }
}

/** Runs a refused BACKUP line and checks its code, that the message holds `parts`, and that nothing is at `output`. */
async function expectRefusedBackup(ctx: ScenarioContext, url: string, backupLine: string, code: string, output: string, parts: readonly string[] = []): Promise<void> {
  const line = expectFailure(await runCommands(ctx, [connect(url), backupLine]), code, backupLine);
  for (const part of parts) assert.ok(line.includes(part), `${backupLine}: the error does not mention ${part}: ${line}`);
  assert.equal(await exists(output), false, `${backupLine}: a file was written at ${output}`);
}

export default [
  scenario({
    id: 'console/backup-writes-a-full-backup',
    title: 'BACKUP DATABASE <relative file> writes a DEFLATE archive in the working directory that restores to the dump',
    requirements: ['CONSOLE-021'],
    features: ['console'],
    async run(ctx) {
      const dump = await populated(ctx, 'full');
      expectSuccess(await runCommands(ctx, [connect(ctx.urlOf('full')), 'BACKUP DATABASE full.zip']), 'BACKUP DATABASE full.zip');
      await expectDeflate(ctx.path('full.zip'));
      assert.equal(await restoredDump(ctx, ctx.path('full.zip'), 'restored'), dump);
    },
  }),

  scenario({
    id: 'console/backup-prints-the-manual-lines',
    title: 'BACKUP DATABASE prints "Backing current database to: database <name>" then "Backup executed in <n.nn> seconds"',
    requirements: ['CONSOLE-022'],
    features: ['console'],
    async run(ctx) {
      await populated(ctx, 'printed');
      await mkdir(ctx.path('sub', 'dir'), { recursive: true });
      const run = await runCommands(ctx, [connect(ctx.urlOf('printed')), `BACKUP DATABASE ${ctx.path('sub', 'dir', 'named.zip')}`]);
      expectSuccess(run, 'BACKUP DATABASE');
      const printed = lines(run.stdout);
      const backing = printed.indexOf('Backing current database to: database named.zip');
      assert.ok(backing >= 0, `no line "Backing current database to: database named.zip": ${describeRun(run)}`);
      assert.ok(printed.slice(backing + 1).some((line) => BACKUP_EXECUTED.test(line)), `no "Backup executed in <n.nn> seconds" line after it: ${describeRun(run)}`);
    },
  }),

  scenario({
    id: 'console/compression-level-option',
    title: '-compressionLevel=0 writes STORED entries, 1 and 9 DEFLATE ones',
    requirements: ['CONSOLE-023'],
    features: ['console'],
    async run(ctx) {
      const dump = await populated(ctx, 'levels');
      const run = await runCommands(ctx, [
        connect(ctx.urlOf('levels')),
        'BACKUP DATABASE level0.zip -compressionLevel=0',
        'BACKUP DATABASE level1.zip -compressionLevel=1',
        'BACKUP DATABASE level9.zip -compressionLevel=9',
      ]);
      expectSuccess(run, 'three levels');
      await expectStored(ctx.path('level0.zip'));
      await expectDeflate(ctx.path('level1.zip'));
      await expectDeflate(ctx.path('level9.zip'));
      assert.equal(await restoredDump(ctx, ctx.path('level0.zip'), 'restored'), dump);
    },
  }),

  scenario({
    id: 'console/buffer-size-option',
    title: '-bufferSize from 1 to 1073741824 is accepted and gives a valid backup',
    requirements: ['CONSOLE-024'],
    features: ['console'],
    async run(ctx) {
      const conn = await ctx.newDatabase('buffers');
      await conn.createClass('Item');
      await conn.insert('Item', { a: 1 });
      const dump = await conn.dump();
      await conn.close();
      const run = await runCommands(ctx, [
        connect(ctx.urlOf('buffers')),
        'BACKUP DATABASE one.zip -bufferSize=1',
        'BACKUP DATABASE max.zip -bufferSize=1073741824',
        'BACKUP DATABASE mid.zip -bufferSize=4096',
      ]);
      expectSuccess(run, 'three buffer sizes');
      assert.equal(await restoredDump(ctx, ctx.path('one.zip'), 'restored-one'), dump);
      assert.equal(await restoredDump(ctx, ctx.path('max.zip'), 'restored-max'), dump);
      await expectDeflate(ctx.path('mid.zip'));
    },
  }),

  scenario({
    id: 'console/option-names-any-case-any-order',
    title: 'option names are case-insensitive and options may come before or after the output file',
    requirements: ['CONSOLE-025'],
    features: ['console'],
    async run(ctx) {
      await populated(ctx, 'anycase');
      const run = await runCommands(ctx, [
        connect(ctx.urlOf('anycase')),
        'BACKUP DATABASE -COMPRESSIONLEVEL=0 upper.zip',
        'BACKUP DATABASE -compressionlevel=0 -BufferSize=512 lower.zip',
        'BACKUP DATABASE after.zip -CompressionLevel=0 -BUFFERSIZE=2048',
      ]);
      expectSuccess(run, 'options in other cases and places');
      for (const name of ['upper.zip', 'lower.zip', 'after.zip']) await expectStored(ctx.path(name));
    },
  }),

  scenario({
    id: 'console/incremental-option-any-case',
    title: '-INCREMENTAL and -Incremental, before or after the directory, are -incremental',
    requirements: ['CONSOLE-025'],
    features: ['console', 'incremental'],
    async run(ctx) {
      await populated(ctx, 'anycase-incr');
      const dir = ctx.path('chain');
      const run = await runCommands(ctx, [connect(ctx.urlOf('anycase-incr')), `BACKUP DATABASE -INCREMENTAL ${dir}`, `BACKUP DATABASE ${dir} -Incremental`]);
      expectSuccess(run, '-incremental in other cases');
      assert.equal((await names(dir)).length, 2, `expected two files of the chain in ${dir}: ${(await names(dir)).join(', ')}`);
    },
  }),

  scenario({
    id: 'console/invalid-compression-level',
    title: 'an invalid -compressionLevel fails with ERR_INVALID_COMPRESSION_LEVEL naming the option and 0 to 9',
    requirements: ['CONSOLE-026'],
    features: ['console'],
    async run(ctx) {
      await populated(ctx, 'badlevel');
      for (const value of ['abc', '10', '-1', '2.5', '']) {
        await expectRefusedBackup(ctx, ctx.urlOf('badlevel'), `BACKUP DATABASE bad.zip -compressionLevel=${value}`, 'ERR_INVALID_COMPRESSION_LEVEL', ctx.path('bad.zip'), [
          '-compressionLevel',
          '0 to 9',
        ]);
      }
    },
  }),

  scenario({
    id: 'console/invalid-buffer-size',
    title: 'an invalid -bufferSize fails with ERR_INVALID_BUFFER_SIZE naming the option and 1 to 1073741824',
    requirements: ['CONSOLE-027'],
    features: ['console'],
    async run(ctx) {
      await populated(ctx, 'badbuffer');
      for (const value of ['abc', '0', '-5', '1.5', '', '1073741825']) {
        await expectRefusedBackup(ctx, ctx.urlOf('badbuffer'), `BACKUP DATABASE bad.zip -bufferSize=${value}`, 'ERR_INVALID_BUFFER_SIZE', ctx.path('bad.zip'), [
          '-bufferSize',
          '1 to 1073741824',
        ]);
      }
    },
  }),

  scenario({
    id: 'console/unknown-option',
    title: 'an unknown option fails with ERR_CONSOLE_UNKNOWN_OPTION naming it and listing the valid ones',
    requirements: ['CONSOLE-028'],
    features: ['console'],
    async run(ctx) {
      await populated(ctx, 'badoption');
      for (const option of ['-compresionLevel=5', '-foo']) {
        await expectRefusedBackup(ctx, ctx.urlOf('badoption'), `BACKUP DATABASE bad.zip ${option}`, 'ERR_CONSOLE_UNKNOWN_OPTION', ctx.path('bad.zip'), [
          option.split('=')[0]!,
          '-incremental',
          '-compressionLevel',
          '-bufferSize',
        ]);
      }
    },
  }),

  scenario({
    id: 'console/missing-output-file',
    title: 'BACKUP DATABASE without an output file fails with ERR_CONSOLE_SYNTAX giving the syntax line',
    requirements: ['CONSOLE-029'],
    features: ['console'],
    async run(ctx) {
      await populated(ctx, 'nofile');
      for (const command of ['BACKUP DATABASE', 'BACKUP DATABASE -compressionLevel=5']) {
        const line = expectFailure(await runCommands(ctx, [connect(ctx.urlOf('nofile')), command]), 'ERR_CONSOLE_SYNTAX', command);
        assert.ok(line.includes(BACKUP_SYNTAX), `${command}: the error does not give the syntax line: ${line}`);
      }
    },
  }),

  scenario({
    id: 'console/no-database-selected',
    title: "commands that need a database give OrientDB's \"Database not selected\" message without one",
    requirements: ['CONSOLE-030'],
    features: ['console'],
    async run(ctx) {
      const commands = [
        'BACKUP DATABASE x.zip',
        'RESTORE DATABASE x.zip',
        'EXPORT DATABASE x.json.gz',
        'IMPORT DATABASE x.json.gz',
        'INFO',
        'LIST CLASSES',
        'DROP DATABASE',
        'CREATE CLASS Item',
        'INSERT INTO Item CONTENT {"a": 1}',
        'SELECT FROM Item',
        'SELECT COUNT(*) FROM Item',
        'UPDATE #1:0 CONTENT {"a": 2}',
        'DELETE FROM Item WHERE @rid = #1:0',
        'CREATE USER u IDENTIFIED BY p ROLE reader',
      ];
      for (const command of commands) {
        const line = expectFailure(await runCommands(ctx, [command]), 'ERR_CONSOLE_NO_DATABASE', command);
        assert.ok(line.includes(NO_DATABASE_MESSAGE), `${command}: the error does not give OrientDB's message: ${line}`);
      }
      assert.equal(await exists(ctx.path('x.zip')), false, 'BACKUP without a database wrote a file');
    },
  }),

  scenario({
    id: 'console/incremental-backup',
    title: 'BACKUP DATABASE <dir> -incremental writes the next file of the chain and names it',
    requirements: ['CONSOLE-031'],
    features: ['console', 'incremental'],
    async run(ctx) {
      await populated(ctx, 'incdb');
      const dir = ctx.path('increments');
      const url = ctx.urlOf('incdb');
      const written: string[] = [];
      for (const round of [1, 2]) {
        if (round === 2) {
          const conn = await ctx.impl.openDatabase(url, 'admin', 'admin');
          await conn.insert('Item', { round });
          await conn.close();
        }
        const run = await runCommands(ctx, [connect(url), `BACKUP DATABASE ${dir} -incremental`]);
        expectSuccess(run, `incremental backup ${round}`);
        const printed = lines(run.stdout);
        const executing = printed.indexOf(`Executing incremental backup of database 'incdb' to: ${dir}...`);
        assert.ok(executing >= 0, `no "Executing incremental backup of database 'incdb' to: ${dir}..." line: ${describeRun(run)}`);
        const done = printed.slice(executing + 1).map((line) => /^Incremental Backup executed in \d+\.\d{2} seconds stored in file (.+)$/.exec(line)).find((m) => m !== null);
        assert.ok(done !== undefined && done !== null, `no "Incremental Backup executed in <n.nn> seconds stored in file <f>" line: ${describeRun(run)}`);
        assert.ok((await names(dir)).includes(done[1]!), `the file named, ${done[1]}, is not in ${dir}: ${(await names(dir)).join(', ')}`);
        assert.ok(!written.includes(done[1]!), `the second backup named the first file again: ${done[1]}`);
        written.push(done[1]!);
      }
      const expected = await dumpOf(ctx, url);
      const fresh = await ctx.newDatabase('from-chain');
      await fresh.restore({ kind: 'directory', path: dir }, null, null, null);
      assert.equal(await fresh.dump(), expected, 'the chain does not restore to the dump');
      await fresh.close();
    },
  }),

  scenario({
    id: 'console/incremental-refuses-level-and-buffer',
    title: '-incremental with -compressionLevel or -bufferSize fails with ERR_CONSOLE_SYNTAX and writes nothing',
    requirements: ['CONSOLE-032'],
    features: ['console', 'incremental'],
    async run(ctx) {
      await populated(ctx, 'incmix');
      for (const options of ['-incremental -compressionLevel=5', '-bufferSize=4096 -incremental']) {
        const dir = ctx.path('mixed');
        expectFailure(await runCommands(ctx, [connect(ctx.urlOf('incmix')), `BACKUP DATABASE ${dir} ${options}`]), 'ERR_CONSOLE_SYNTAX', options);
        assert.deepEqual(await names(dir), [], `${options}: something was written in ${dir}`);
      }
    },
  }),

  scenario({
    id: 'console/failed-backup-leaves-nothing',
    title: 'a refused or failed BACKUP leaves nothing at the output path and nothing new in its directory',
    requirements: ['CONSOLE-033'],
    features: ['console'],
    async run(ctx) {
      await populated(ctx, 'leaves');
      const url = ctx.urlOf('leaves');
      const out = ctx.path('out');
      await mkdir(out);
      const cases: Array<[string, string, string]> = [
        [`BACKUP DATABASE ${out}/x.zip -compressionLevel=abc`, 'ERR_INVALID_COMPRESSION_LEVEL', `${out}/x.zip`],
        [`BACKUP DATABASE ${out}/x.zip -bufferSize=0`, 'ERR_INVALID_BUFFER_SIZE', `${out}/x.zip`],
        [`BACKUP DATABASE ${out}/x.zip -foo`, 'ERR_CONSOLE_UNKNOWN_OPTION', `${out}/x.zip`],
        [`BACKUP DATABASE ${out}/missing-dir/x.zip`, 'ERR_INVALID_OUTPUT', `${out}/missing-dir/x.zip`],
      ];
      for (const [command, code, output] of cases) {
        const before = await names(out);
        expectFailure(await runCommands(ctx, [connect(url), command]), code, command);
        assert.equal(await exists(output), false, `${command}: something is at ${output}`);
        assert.deepEqual(await names(out), before, `${command}: the output directory changed`);
      }
    },
  }),

  scenario({
    id: 'console/reader-cannot-backup-or-restore',
    title: 'a reader gets ERR_PERMISSION_DENIED for BACKUP and RESTORE; no file is written and the database is intact',
    requirements: ['CONSOLE-034'],
    features: ['console', 'permissions'],
    async run(ctx) {
      const conn = await ctx.newDatabase('guarded');
      await conn.createClass('Item');
      await conn.insert('Item', { before: true });
      await conn.createUser('reader1', 'r3ad', 'reader');
      await conn.close();
      const url = ctx.urlOf('guarded');
      expectSuccess(await runCommands(ctx, [connect(url), 'BACKUP DATABASE good.zip']), 'the admin backup');
      const later = await ctx.impl.openDatabase(url, 'admin', 'admin');
      await later.insert('Item', { after: true });
      const dump = await later.dump();
      await later.close();

      expectFailure(await runCommands(ctx, [connect(url, 'reader1', 'r3ad'), 'BACKUP DATABASE denied.zip']), 'ERR_PERMISSION_DENIED', 'BACKUP as a reader');
      assert.equal(await exists(ctx.path('denied.zip')), false, 'the reader wrote a backup');
      expectFailure(await runCommands(ctx, [connect(url, 'reader1', 'r3ad'), 'RESTORE DATABASE good.zip']), 'ERR_PERMISSION_DENIED', 'RESTORE as a reader');
      assert.equal(await dumpOf(ctx, url), dump, 'the database changed');
    },
  }),

  scenario({
    id: 'console/remote-database-refused',
    title: "CONNECT remote:... then BACKUP fails with ERR_REMOTE_NOT_SUPPORTED and OrientDB's message",
    requirements: ['CONSOLE-035'],
    features: ['console'],
    async run(ctx) {
      const run = await runCommands(ctx, ['CONNECT remote:localhost/demo admin admin', 'BACKUP DATABASE remote.zip']);
      const line = expectFailure(run, 'ERR_REMOTE_NOT_SUPPORTED', 'a remote database');
      assert.ok(line.includes('backup is not supported against remote storage'), `the error does not give OrientDB's message: ${line}`);
      assert.equal(await exists(ctx.path('remote.zip')), false, 'a file was written');
    },
  }),

  scenario({
    id: 'console/plain-output-off-a-terminal',
    title: 'off a terminal the console prints no carriage return and no escape sequence',
    requirements: ['CONSOLE-036'],
    features: ['console'],
    async run(ctx) {
      await populated(ctx, 'plain');
      const commands = [
        connect(ctx.urlOf('plain')),
        'INSERT INTO Item CONTENT {"plain": true}',
        'BACKUP DATABASE plain.zip',
        'RESTORE DATABASE plain.zip',
        'SELECT FROM Item LIMIT 1',
        'BACKUP DATABASE plain2.zip -compressionLevel=x',
      ];
      for (const run of [await runCommands(ctx, commands), await runInteractive(ctx, `${commands.join('\n')}\n`)]) {
        for (const [stream, text] of [['stdout', run.stdout], ['stderr', run.stderr]] as const) {
          assert.ok(!text.includes('\r'), `${stream} holds a carriage return: ${JSON.stringify(text)}`);
          assert.ok(!text.includes('\u001b'), `${stream} holds an escape character: ${JSON.stringify(text)}`);
        }
      }
    },
  }),

  scenario({
    id: 'console/quoted-paths-with-spaces',
    title: 'an output file in double or single quotes is taken whole, spaces included',
    requirements: ['CONSOLE-047'],
    features: ['console'],
    async run(ctx) {
      await populated(ctx, 'spaced');
      await mkdir(ctx.path('my backups'));
      const run = await runCommands(ctx, [connect(ctx.urlOf('spaced')), 'BACKUP DATABASE "my backups/db.zip"', "BACKUP DATABASE 'my backups/single quoted.zip'"]);
      expectSuccess(run, 'quoted paths');
      assert.deepEqual(await names(ctx.path('my backups')), ['db.zip', 'single quoted.zip']);
    },
  }),
];
