/**
 * Console scenarios: the ways of running it (`-c`, a script file, standard input), how commands
 * are separated and recognised, how errors are reported, and EXIT.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { scenario } from '../../scenario.js';
import {
  connect,
  describeRun,
  dumpOf,
  errorLines,
  exists,
  expectFailure,
  expectSuccess,
  jsonLines,
  lines,
  runCommands,
  runInteractive,
} from './support.js';

/** The class names of a dump. */
function classNames(dump: string): string[] {
  return (JSON.parse(dump) as { classes: { name: string }[] }).classes.map((c) => c.name);
}

/** The record contents of one class of a dump, in record id order. */
function contents(dump: string, className: string): unknown[] {
  const found = (JSON.parse(dump) as { classes: { name: string; records: { content: unknown }[] }[] }).classes.find((c) => c.name === className);
  return found === undefined ? [] : found.records.map((record) => record.content);
}

export default [
  scenario({
    id: 'console/dash-c-runs-commands-in-order',
    title: '-c runs twelve commands in order in one session and exits 0',
    requirements: ['CONSOLE-001'],
    features: ['console'],
    async run(ctx) {
      await (await ctx.newDatabase('ordered')).close();
      const run = await runCommands(ctx, [
        connect(ctx.urlOf('ordered')),
        'CREATE CLASS First',
        'INSERT INTO First CONTENT {"step": 1}',
        'CREATE CLASS Second',
        'INSERT INTO Second CONTENT {"step": 2}',
        'INSERT INTO First CONTENT {"step": 3}',
        'SELECT COUNT(*) FROM First',
        'INSERT INTO Second CONTENT {"step": 4}',
        'CREATE CLASS Third',
        'INSERT INTO Third CONTENT {"step": 5}',
        'SELECT FROM Third',
        'SELECT COUNT(*) FROM Second',
      ]);
      expectSuccess(run, 'the twelve commands');
      const printed = jsonLines(run).map((line) => {
        const value = JSON.parse(line) as { count?: number; content?: { step: number } };
        return value.count === undefined ? `step ${value.content?.step}` : `count ${value.count}`;
      });
      assert.deepEqual(printed, ['step 1', 'step 2', 'step 3', 'count 2', 'step 4', 'step 5', 'step 5', 'count 2'], describeRun(run));
      const dump = await dumpOf(ctx, ctx.urlOf('ordered'));
      assert.deepEqual(contents(dump, 'First'), [{ step: 1 }, { step: 3 }]);
      assert.deepEqual(contents(dump, 'Second'), [{ step: 2 }, { step: 4 }]);
      assert.deepEqual(contents(dump, 'Third'), [{ step: 5 }]);
    },
  }),

  scenario({
    id: 'console/script-file-runs-commands',
    title: 'a script file runs its commands, separated by ";" and line breaks, skipping empty lines',
    requirements: ['CONSOLE-002'],
    features: ['console'],
    async run(ctx) {
      await (await ctx.newDatabase('scripted')).close();
      const script = ctx.path('setup.osql');
      await writeFile(script, `${connect(ctx.urlOf('scripted'))}\nCREATE CLASS Alpha; CREATE CLASS Beta\n\n   \n\t\nCREATE CLASS Gamma;\n`);
      const run = await ctx.impl.console([script], { cwd: ctx.workdir });
      expectSuccess(run, 'the script');
      assert.deepEqual(classNames(await dumpOf(ctx, ctx.urlOf('scripted'))), ['Alpha', 'Beta', 'Gamma']);
    },
  }),

  scenario({
    id: 'console/stops-at-first-failing-command',
    title: '-c and a script file stop at the first failing command and exit 1',
    requirements: ['CONSOLE-003'],
    features: ['console'],
    async run(ctx) {
      await (await ctx.newDatabase('stopper')).close();
      const failing = 'INSERT INTO NoSuchClass CONTENT {"a": 1}';
      const byDashC = await runCommands(ctx, [connect(ctx.urlOf('stopper')), failing, 'BACKUP DATABASE after-c.zip']);
      assert.ok(byDashC.exitCode === 1 && errorLines(byDashC).length === 1, `-c: ${describeRun(byDashC)}`);
      assert.equal(await exists(ctx.path('after-c.zip')), false, '-c: the BACKUP after the failing command ran');

      const script = ctx.path('stops.osql');
      await writeFile(script, `${connect(ctx.urlOf('stopper'))}\n${failing}\nBACKUP DATABASE after-script.zip\n`);
      const byScript = await ctx.impl.console([script], { cwd: ctx.workdir });
      assert.ok(byScript.exitCode === 1 && errorLines(byScript).length === 1, `script: ${describeRun(byScript)}`);
      assert.equal(await exists(ctx.path('after-script.zip')), false, 'script: the BACKUP after the failing command ran');
    },
  }),

  scenario({
    id: 'console/errors-have-codes-and-no-stack-traces',
    title: 'each failing command prints one "Error: " line with a code and a message, and no stack trace',
    requirements: ['CONSOLE-004'],
    features: ['console'],
    async run(ctx) {
      const conn = await ctx.newDatabase('errs');
      await conn.createClass('Item');
      await conn.close();
      const url = ctx.urlOf('errs');
      const failing: string[][] = [
        [connect(ctx.urlOf('missing-database'))],
        [connect(url, 'admin', 'wrong-password')],
        [connect(url), 'INSERT INTO Item CONTENT {"broken": }'],
        [connect(url), `BACKUP DATABASE ${ctx.path('no-such-dir', 'x.zip')}`],
        ['RESTORE DATABASE x.zip'],
        [connect(url), 'SELECT FROM #not-a-rid'],
      ];
      for (const commands of failing) {
        const run = await runCommands(ctx, commands);
        const what = commands.join('; ');
        const errors = errorLines(run);
        assert.ok(run.exitCode === 1 && errors.length === 1, `${what}: expected exit 1 and one "Error: " line, got ${describeRun(run)}`);
        const match = /\b(ERR_[A-Z0-9_]+)\b/.exec(errors[0]!);
        assert.ok(match !== null, `${what}: the error line names no code: ${errors[0]}`);
        const message = errors[0]!.slice('Error: '.length).replace(match[1]!, '').replace(/[\s:.-]/g, '');
        assert.ok(message.length >= 10, `${what}: the error line says nothing beyond its code: ${errors[0]}`);
        for (const line of [...lines(run.stdout), ...lines(run.stderr)]) {
          assert.ok(!/^\s+at\s/.test(line), `${what}: a line looks like a stack trace: ${line}`);
        }
      }
    },
  }),

  scenario({
    id: 'console/interactive-mode',
    title: 'without -c or a script the console prompts, reads standard input line by line and goes on after errors',
    requirements: ['CONSOLE-005'],
    features: ['console'],
    async run(ctx) {
      await (await ctx.newDatabase('interactive')).close();
      const commands = [connect(ctx.urlOf('interactive')), 'INSERT INTO NoSuchClass CONTENT {"a": 1}', 'CREATE CLASS AfterError', 'SELECT COUNT(*) FROM AfterError'];
      const run = await runInteractive(ctx, `${commands.join('\n')}\n`);
      assert.equal(run.exitCode, 1, `a command failed, so the exit code is 1: ${describeRun(run)}`);
      assert.equal(errorLines(run).length, 1, describeRun(run));
      const prompts = run.stdout.split('orientdb> ').length - 1;
      assert.ok(prompts >= commands.length, `expected a prompt before each of the ${commands.length} commands, saw ${prompts}: ${describeRun(run)}`);
      assert.ok(run.stdout.indexOf('orientdb> ') < run.stdout.indexOf('{"count":0}'), `the prompt comes before the output: ${describeRun(run)}`);
      assert.deepEqual(classNames(await dumpOf(ctx, ctx.urlOf('interactive'))), ['AfterError'], 'the command after the failing one ran');

      const clean = await runInteractive(ctx, `${connect(ctx.urlOf('interactive'))}\nSELECT COUNT(*) FROM AfterError\n`);
      expectSuccess(clean, 'standard input whose commands all succeed');
    },
  }),

  scenario({
    id: 'console/separators-inside-quotes-and-json',
    title: 'a ";" or a line break inside quotes or a JSON value does not end a command',
    requirements: ['CONSOLE-006'],
    features: ['console'],
    async run(ctx) {
      const conn = await ctx.newDatabase('quotes');
      await conn.createClass('Notes');
      await conn.close();
      const run = await runCommands(ctx, [
        connect(ctx.urlOf('quotes')),
        'INSERT INTO Notes CONTENT {"text": "a;b", "more": "c; d"}',
        'BACKUP DATABASE "double;quoted.zip"',
        "BACKUP DATABASE 'single;quoted.zip'",
      ]);
      expectSuccess(run, '";" inside quotes and JSON');
      assert.ok(await exists(ctx.path('double;quoted.zip')), 'the double-quoted file name was cut at its ";"');
      assert.ok(await exists(ctx.path('single;quoted.zip')), 'the single-quoted file name was cut at its ";"');

      const script = ctx.path('multiline.osql');
      await writeFile(script, `${connect(ctx.urlOf('quotes'))}\nINSERT INTO Notes CONTENT {"lines": [1,\n  2],\n  "end": "x;\\ny"}\n`);
      expectSuccess(await ctx.impl.console([script], { cwd: ctx.workdir }), 'a JSON value across lines');
      assert.deepEqual(contents(await dumpOf(ctx, ctx.urlOf('quotes')), 'Notes'), [
        { text: 'a;b', more: 'c; d' },
        { lines: [1, 2], end: 'x;\ny' },
      ]);
    },
  }),

  scenario({
    id: 'console/keywords-in-any-case',
    title: 'command keywords are recognised in any case; names and paths keep theirs',
    requirements: ['CONSOLE-007'],
    features: ['console'],
    async run(ctx) {
      await (await ctx.newDatabase('cases')).close();
      const run = await runCommands(ctx, [
        `connect ${ctx.urlOf('cases')} admin admin`,
        'Create Class MixedCase',
        'insert into MixedCase content {"n": 1}',
        'backup database lower.zip',
        'Backup Database Mixed.zip',
        'select count(*) from MixedCase',
      ]);
      expectSuccess(run, 'lower- and mixed-case keywords');
      assert.ok(await exists(ctx.path('lower.zip')), 'backup database lower.zip wrote nothing');
      assert.ok(await exists(ctx.path('Mixed.zip')), 'Backup Database Mixed.zip wrote nothing at Mixed.zip');
      assert.deepEqual(jsonLines(run).slice(-1), ['{"count":1}']);
      const dump = await dumpOf(ctx, ctx.urlOf('cases'));
      assert.deepEqual(classNames(dump), ['MixedCase']);
      assert.deepEqual(contents(dump, 'MixedCase'), [{ n: 1 }]);
    },
  }),

  scenario({
    id: 'console/unknown-command',
    title: 'a command the console does not know fails with ERR_CONSOLE_UNKNOWN_COMMAND',
    requirements: ['CONSOLE-008'],
    features: ['console'],
    async run(ctx) {
      for (const command of ['FROBNICATE', 'SHOW DATABASES', 'BACKUPDATABASE x.zip', 'ROLLBACK']) {
        expectFailure(await runCommands(ctx, [command]), 'ERR_CONSOLE_UNKNOWN_COMMAND', command);
      }
    },
  }),

  scenario({
    id: 'console/exit-ends-the-session',
    title: 'EXIT ends the console; the exit code is that of the session so far',
    requirements: ['CONSOLE-017'],
    features: ['console'],
    async run(ctx) {
      await (await ctx.newDatabase('exiting')).close();
      const url = ctx.urlOf('exiting');
      const byDashC = await runCommands(ctx, [connect(url), 'CREATE CLASS Before', 'EXIT', 'CREATE CLASS After']);
      expectSuccess(byDashC, '-c with EXIT');
      assert.deepEqual(classNames(await dumpOf(ctx, url)), ['Before'], 'a command after EXIT ran');

      const afterError = await runInteractive(ctx, `${connect(url)}\nINSERT INTO NoSuchClass CONTENT {}\nEXIT\nCREATE CLASS AfterExit\n`);
      assert.equal(afterError.exitCode, 1, `EXIT after a failing command exits 1: ${describeRun(afterError)}`);
      assert.deepEqual(classNames(await dumpOf(ctx, url)), ['Before'], 'a command after EXIT ran');
    },
  }),
];
