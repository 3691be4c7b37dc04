/**
 * Console scenarios: creating, connecting to, leaving and dropping databases, and the commands that
 * describe the session (INFO, LIST CLASSES, HELP).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import {
  BACKUP_SYNTAX,
  connect,
  describeRun,
  dumpOf,
  exists,
  expectFailure,
  expectSuccess,
  lines,
  runCommands,
} from './support.js';

function classNames(dump: string): string[] {
  return (JSON.parse(dump) as { classes: { name: string }[] }).classes.map((c) => c.name);
}

/** The first keywords of every command of `spec/console.md`. */
const COMMAND_KEYWORDS = [
  'CREATE DATABASE',
  'CONNECT',
  'DISCONNECT',
  'DROP DATABASE',
  'INFO',
  'LIST CLASSES',
  'HELP',
  'EXIT',
  'CREATE CLASS',
  'INSERT INTO',
  'SELECT FROM',
  'SELECT COUNT(*) FROM',
  'UPDATE',
  'DELETE FROM',
  'CREATE USER',
  'BACKUP DATABASE',
  'RESTORE DATABASE',
  'EXPORT DATABASE',
  'IMPORT DATABASE',
];

export default [
  scenario({
    id: 'console/create-database-connects',
    title: 'CREATE DATABASE creates a database, with admin/admin or the given user, and connects to it',
    requirements: ['CONSOLE-009'],
    features: ['console'],
    async run(ctx) {
      const plain = ctx.urlOf('created');
      expectSuccess(await runCommands(ctx, [`CREATE DATABASE ${plain}`, 'CREATE CLASS Made']), 'CREATE DATABASE then CREATE CLASS');
      assert.deepEqual(classNames(await dumpOf(ctx, plain)), ['Made']);

      const withUser = ctx.urlOf('created-root');
      expectSuccess(await runCommands(ctx, [`CREATE DATABASE ${withUser} root s3cret`, 'CREATE CLASS Rooted']), 'CREATE DATABASE with a user');
      const asRoot = await ctx.impl.openDatabase(withUser, 'root', 's3cret');
      try {
        const dump = JSON.parse(await asRoot.dump()) as { classes: { name: string }[]; users: { name: string; role: string }[] };
        assert.deepEqual(dump.classes.map((c) => c.name), ['Rooted']);
        assert.ok(dump.users.some((user) => user.name === 'root' && user.role === 'admin'), `root is not an admin: ${JSON.stringify(dump.users)}`);
      } finally {
        await asRoot.close();
      }

      expectFailure(await runCommands(ctx, [`CREATE DATABASE ${plain}`]), 'ERR_DATABASE_EXISTS', 'CREATE DATABASE over an existing one');
      assert.deepEqual(classNames(await dumpOf(ctx, plain)), ['Made'], 'the existing database changed');
    },
  }),

  scenario({
    id: 'console/connect-opens-and-replaces',
    title: 'CONNECT resolves a relative plocal: path against the working directory and replaces the previous connection',
    requirements: ['CONSOLE-010'],
    features: ['console'],
    async run(ctx) {
      await (await ctx.newDatabase('first')).close();
      await (await ctx.newDatabase('second')).close();
      const cwd = ctx.path('work');
      await mkdir(cwd);
      const run = await runCommands(
        ctx,
        ['CONNECT plocal:../first admin admin', 'CREATE CLASS InFirst', 'CONNECT plocal:../second admin admin', 'CREATE CLASS InSecond'],
        cwd,
      );
      expectSuccess(run, 'two relative CONNECTs');
      assert.deepEqual(classNames(await dumpOf(ctx, ctx.urlOf('first'))), ['InFirst']);
      assert.deepEqual(classNames(await dumpOf(ctx, ctx.urlOf('second'))), ['InSecond']);
    },
  }),

  scenario({
    id: 'console/connect-refusals',
    title: 'CONNECT fails with ERR_AUTH, ERR_DATABASE_NOT_FOUND or ERR_CONSOLE_SYNTAX',
    requirements: ['CONSOLE-011'],
    features: ['console'],
    async run(ctx) {
      await (await ctx.newDatabase('guarded')).close();
      const url = ctx.urlOf('guarded');
      expectFailure(await runCommands(ctx, [connect(url, 'admin', 'wrong')]), 'ERR_AUTH', 'a wrong password');
      expectFailure(await runCommands(ctx, [connect(url, 'nobody', 'admin')]), 'ERR_AUTH', 'an unknown user');
      expectFailure(await runCommands(ctx, [connect(ctx.urlOf('nothing-here'))]), 'ERR_DATABASE_NOT_FOUND', 'no database at the URL');
      for (const command of [`CONNECT ${url} admin`, `CONNECT ${url}`, 'CONNECT']) {
        expectFailure(await runCommands(ctx, [command]), 'ERR_CONSOLE_SYNTAX', command);
      }
    },
  }),

  scenario({
    id: 'console/disconnect',
    title: 'after DISCONNECT (and for DISCONNECT itself without a database) a command that needs a database fails with ERR_CONSOLE_NO_DATABASE',
    requirements: ['CONSOLE-012'],
    features: ['console'],
    async run(ctx) {
      await (await ctx.newDatabase('left')).close();
      const url = ctx.urlOf('left');
      expectSuccess(await runCommands(ctx, [connect(url), 'DISCONNECT']), 'CONNECT then DISCONNECT');
      expectFailure(await runCommands(ctx, [connect(url), 'DISCONNECT', 'LIST CLASSES']), 'ERR_CONSOLE_NO_DATABASE', 'LIST CLASSES after DISCONNECT');
      expectFailure(await runCommands(ctx, ['DISCONNECT']), 'ERR_CONSOLE_NO_DATABASE', 'DISCONNECT without a database');
    },
  }),

  scenario({
    id: 'console/drop-database',
    title: 'DROP DATABASE deletes the connected database and leaves none selected',
    requirements: ['CONSOLE-013'],
    features: ['console'],
    async run(ctx) {
      const conn = await ctx.newDatabase('doomed');
      await conn.createClass('Item');
      await conn.insert('Item', { a: 1 });
      await conn.close();
      const url = ctx.urlOf('doomed');
      expectSuccess(await runCommands(ctx, [connect(url), 'DROP DATABASE']), 'DROP DATABASE');
      assert.equal(await exists(ctx.path('doomed')), false, 'the database directory is still there');
      expectFailure(await runCommands(ctx, [connect(url)]), 'ERR_DATABASE_NOT_FOUND', 'CONNECT to the dropped database');
      await expectCode(ctx.impl.openDatabase(url, 'admin', 'admin'), 'ERR_DATABASE_NOT_FOUND', 'opening the dropped database');

      await (await ctx.newDatabase('doomed-too')).close();
      expectFailure(
        await runCommands(ctx, [connect(ctx.urlOf('doomed-too')), 'DROP DATABASE', 'LIST CLASSES']),
        'ERR_CONSOLE_NO_DATABASE',
        'LIST CLASSES after DROP DATABASE',
      );
    },
  }),

  scenario({
    id: 'console/info',
    title: "INFO prints the database's name and URL and the user's name and role",
    requirements: ['CONSOLE-014'],
    features: ['console'],
    async run(ctx) {
      const url = ctx.urlOf('infodb');
      await (await ctx.impl.createDatabase(url, { user: 'zelda', password: 'z3lda' })).close();
      const run = await runCommands(ctx, [connect(url, 'zelda', 'z3lda'), 'INFO']);
      expectSuccess(run, 'INFO');
      for (const fact of ['infodb', url, 'zelda', 'admin']) assert.ok(run.stdout.includes(fact), `INFO does not mention ${fact}: ${describeRun(run)}`);
    },
  }),

  scenario({
    id: 'console/list-classes',
    title: 'LIST CLASSES prints a line per class with its name and number of records',
    requirements: ['CONSOLE-015'],
    features: ['console'],
    async run(ctx) {
      const conn = await ctx.newDatabase('listed');
      const counts: Record<string, number> = { Alpha: 0, Beta: 3, Gamma: 12 };
      for (const [name, count] of Object.entries(counts)) {
        await conn.createClass(name);
        for (let i = 0; i < count; i++) await conn.insert(name, { i });
      }
      await conn.close();
      const run = await runCommands(ctx, [connect(ctx.urlOf('listed')), 'LIST CLASSES']);
      expectSuccess(run, 'LIST CLASSES');
      for (const [name, count] of Object.entries(counts)) {
        const found = lines(run.stdout).filter((line) => new RegExp(`\\b${name}\\b`).test(line));
        assert.equal(found.length, 1, `expected one line for ${name}: ${describeRun(run)}`);
        assert.ok(new RegExp(`(^|[^\\w.])${count}([^\\w.]|$)`).test(found[0]!.replace(name, ' ')), `the line of ${name} does not hold ${count}: ${found[0]}`);
      }
    },
  }),

  scenario({
    id: 'console/help',
    title: "HELP lists every command, the BACKUP line being the manual's syntax line",
    requirements: ['CONSOLE-016'],
    features: ['console'],
    async run(ctx) {
      const run = await runCommands(ctx, ['HELP']);
      expectSuccess(run, 'HELP');
      const printed = lines(run.stdout);
      for (const keywords of COMMAND_KEYWORDS) {
        assert.ok(printed.some((line) => line.startsWith(keywords)), `HELP has no line beginning with ${keywords}: ${describeRun(run)}`);
      }
      assert.ok(printed.includes(BACKUP_SYNTAX), `HELP does not print the manual's syntax line: ${describeRun(run)}`);
    },
  }),
];
