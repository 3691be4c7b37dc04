/**
 * The negative controls of the console area (spec/console.md), declared apart from their test
 * (test/negative-controls/console.test.ts) so that the coverage check
 * (test/negative-controls/coverage.test.ts) can enumerate them without running them. See the
 * test file for how they are run (with cheap password hashing, which its `vi.mock` sets up).
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ConsoleRun, Implementation } from '../../../conformance/adapter.js';
import { codeOf } from '../../../conformance/assertions.js';
import { BACKUP_SYNTAX, NO_DATABASE_MESSAGE } from '../../../conformance/scenarios/console/support.js';
import { negativeControl, type NegativeControl } from '../../../conformance/self-test/negative-control.js';
import { wrapFactory } from '../../../conformance/self-test/wrap.js';

type ConsoleOptions = Parameters<Implementation['console']>[1];
type ConsoleCall = (args: readonly string[], options?: ConsoleOptions) => Promise<ConsoleRun>;

/** A control that replaces the implementation's `console`. */
function consoleControl(name: string, breaks: string[], description: string, wrap: (inner: ConsoleCall, impl: Implementation) => ConsoleCall): NegativeControl {
  return negativeControl({
    name,
    breaks,
    description,
    wrap: (factory) => wrapFactory(factory, { implementation: (inner) => ({ console: wrap(inner.console.bind(inner), inner) }) }),
  });
}

/** How the console was given its commands. */
type Mode = 'c' | 'script' | 'stdin';

function modeOf(args: readonly string[]): Mode {
  if (args[0] === '-c') return 'c';
  return args.length === 0 ? 'stdin' : 'script';
}

/** The `-c` commands (joined with `; ` by the scenarios). */
function pieces(args: readonly string[]): string[] {
  return args[0] === '-c' ? (args[1] ?? '').split('; ') : [];
}

/** A control that rewrites the `-c` commands before the console runs them. */
function commandsControl(name: string, breaks: string[], description: string, rewrite: (commands: string[]) => string[]): NegativeControl {
  return consoleControl(name, breaks, description, (inner) => (args, options) => (args[0] === '-c' ? inner(['-c', rewrite(pieces(args)).join('; ')], options) : inner(args, options)));
}

/** A control that rewrites what the console printed. */
function outputControl(name: string, breaks: string[], description: string, rewrite: (run: ConsoleRun, args: readonly string[]) => Partial<ConsoleRun>): NegativeControl {
  return consoleControl(name, breaks, description, (inner) => async (args, options) => {
    const run = await inner(args, options);
    return { ...run, ...rewrite(run, args) };
  });
}

/** The output path of a BACKUP DATABASE command: its first word that is not an option, unquoted. */
function backupOutput(command: string): string | undefined {
  const words = command.replace(/^BACKUP DATABASE\s*/i, '').match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
  const output = words.find((w) => !w.startsWith('-'));
  return output?.replace(/^["']|["']$/g, '');
}

const KNOWN_FIRST_WORDS = new Set(['CREATE', 'CONNECT', 'DISCONNECT', 'DROP', 'INFO', 'LIST', 'HELP', 'EXIT', 'INSERT', 'SELECT', 'UPDATE', 'DELETE', 'BACKUP', 'RESTORE', 'EXPORT', 'IMPORT']);

/** The negative controls of the console area. */
export const consoleControls: readonly NegativeControl[] = [
  commandsControl('dash-c-drops-commands-after-the-tenth', ['CONSOLE-001'], '-c runs only its first ten commands', (commands) => commands.slice(0, 10)),

  consoleControl('script-stops-at-an-empty-line', ['CONSOLE-002'], 'a script file ends at its first empty line', (inner) => async (args, options) => {
    if (modeOf(args) !== 'script') return inner(args, options);
    const path = resolve(options?.cwd ?? process.cwd(), args[0]!);
    const text = await readFile(path, 'utf8');
    const cut = text.split('\n');
    const blank = cut.findIndex((line) => line.trim() === '');
    await writeFile(`${path}.cut`, (blank < 0 ? cut : cut.slice(0, blank)).join('\n'));
    return inner([`${path}.cut`], options);
  }),

  consoleControl('goes-on-after-a-failing-command', ['CONSOLE-003'], '-c and script mode run every command, as the interactive mode does', (inner) => async (args, options) => {
    const mode = modeOf(args);
    if (mode === 'stdin') return inner(args, options);
    const text = mode === 'c' ? args[1]! : await readFile(resolve(options?.cwd ?? process.cwd(), args[0]!), 'utf8');
    return inner([], { ...options, stdin: text });
  }),

  outputControl('prints-a-stack-trace-after-errors', ['CONSOLE-004', 'CONSOLE-045'], 'prints a stack trace after each error', (run) =>
    run.exitCode === 1 ? { stderr: `${run.stderr}    at Console.execute (console.js:1:1)\n` } : {},
  ),

  consoleControl('interactive-stops-at-the-first-failure', ['CONSOLE-005'], 'standard input is run as -c: no prompt, stops at the first failure', (inner) => (args, options) =>
    modeOf(args) === 'stdin' ? inner(['-c', options?.stdin ?? ''], { ...(options?.cwd === undefined ? {} : { cwd: options.cwd }) }) : inner(args, options),
  ),

  consoleControl('drops-semicolons-inside-quotes', ['CONSOLE-006'], 'loses a ";" inside quotes and JSON strings', (inner) => async (args, options) => {
    const strip = (text: string): string => {
      let quote: string | null = null;
      let out = '';
      for (const char of text) {
        if (quote === null && (char === '"' || char === "'")) quote = char;
        else if (char === quote) quote = null;
        if (!(quote !== null && char === ';')) out += char;
      }
      return out;
    };
    const mode = modeOf(args);
    if (mode === 'c') return inner(['-c', strip(args[1]!)], options);
    if (mode === 'stdin') return inner(args, { ...options, stdin: strip(options?.stdin ?? '') });
    const path = resolve(options?.cwd ?? process.cwd(), args[0]!);
    await writeFile(`${path}.stripped`, strip(await readFile(path, 'utf8')));
    return inner([`${path}.stripped`], options);
  }),

  commandsControl('keywords-only-in-capitals', ['CONSOLE-007'], 'a command whose first keyword is not in capitals is unknown', (commands) =>
    commands.map((command) => {
      const first = /^([A-Za-z]+)\s/.exec(command)?.[1];
      return first !== undefined && first !== first.toUpperCase() ? `Unrecognised${command}` : command;
    }),
  ),

  consoleControl('ignores-an-unknown-command', ['CONSOLE-008'], 'an unknown command alone on -c does nothing', (inner) => async (args, options) => {
    const text = args[0] === '-c' ? args[1]! : '';
    const first = /^\S+/.exec(text)?.[0]?.toUpperCase();
    if (args[0] === '-c' && !text.includes(';') && first !== undefined && !KNOWN_FIRST_WORDS.has(first)) return { exitCode: 0, stdout: '', stderr: '' };
    return inner(args, options);
  }),

  commandsControl('create-database-does-not-connect', ['CONSOLE-009'], 'CREATE DATABASE leaves no database selected', (commands) =>
    commands.flatMap((command) => (command.startsWith('CREATE DATABASE') ? [command, 'DISCONNECT'] : [command])),
  ),

  consoleControl(
    'resolves-relative-paths-against-the-wrong-directory',
    ['CONSOLE-010', 'CONSOLE-046'],
    'resolves a relative plocal: path against the parent of the working directory',
    (inner) => (args, options) => {
      const wrong = dirname(options?.cwd ?? process.cwd());
      const fix = (text: string): string => text.replace(/plocal:(?!\/)(\S+)/g, (_match, path: string) => `plocal:${resolve(wrong, path)}`);
      if (args[0] === '-c') return inner(['-c', fix(args[1]!)], options);
      if (args.length === 0) return inner(args, { ...options, stdin: fix(options?.stdin ?? '') });
      return inner(args, options);
    },
  ),

  outputControl('wrong-password-reported-as-a-missing-database', ['CONSOLE-011'], 'reports ERR_AUTH as ERR_DATABASE_NOT_FOUND', (run) => ({
    stderr: run.stderr.replaceAll('ERR_AUTH', 'ERR_DATABASE_NOT_FOUND'),
  })),

  commandsControl('disconnect-does-nothing', ['CONSOLE-012'], 'DISCONNECT keeps the database selected', (commands) => commands.filter((command) => command !== 'DISCONNECT')),

  commandsControl('drop-database-only-disconnects', ['CONSOLE-013'], 'DROP DATABASE leaves the database in place', (commands) =>
    commands.map((command) => (command === 'DROP DATABASE' ? 'DISCONNECT' : command)),
  ),

  outputControl('info-omits-the-role', ['CONSOLE-014'], "INFO does not print the user's role", (run) => ({
    stdout: run.stdout.split('\n').filter((line) => !line.startsWith('Role:')).join('\n'),
  })),

  commandsControl('list-classes-lists-nothing', ['CONSOLE-015'], 'LIST CLASSES prints the database summary instead', (commands) =>
    commands.map((command) => (command === 'LIST CLASSES' ? 'INFO' : command)),
  ),

  outputControl('help-omits-backup', ['CONSOLE-016'], 'HELP has no BACKUP DATABASE line', (run) => ({
    stdout: run.stdout.split('\n').filter((line) => !line.startsWith('BACKUP DATABASE <')).join('\n'),
  })),

  consoleControl('exit-is-ignored', ['CONSOLE-017'], 'EXIT does not end the console', (inner) => (args, options) => {
    if (args[0] === '-c') return inner(['-c', pieces(args).filter((command) => command !== 'EXIT').join('; ')], options);
    if (args.length === 0) return inner(args, { ...options, stdin: (options?.stdin ?? '').split('\n').filter((line) => line !== 'EXIT').join('\n') });
    return inner(args, options);
  }),

  commandsControl('update-applied-twice', ['CONSOLE-018'], 'UPDATE replaces the content twice (the version grows by two)', (commands) =>
    commands.flatMap((command) => (command.startsWith('UPDATE ') ? [command, command] : [command])),
  ),

  commandsControl('select-ignores-limit', ['CONSOLE-019'], 'SELECT prints every record whatever the LIMIT', (commands) =>
    commands.map((command) => (command.startsWith('SELECT ') ? command.replace(/ LIMIT \d+$/, '') : command)),
  ),

  consoleControl('a-bulk-script-loses-its-last-insert', ['CONSOLE-020'], 'a script of more than 100 INSERTs loses the last one', (inner) => async (args, options) => {
    if (modeOf(args) !== 'script') return inner(args, options);
    const path = resolve(options?.cwd ?? process.cwd(), args[0]!);
    const script = (await readFile(path, 'utf8')).split('\n');
    const inserts = script.filter((line) => line.startsWith('INSERT INTO'));
    if (inserts.length <= 100) return inner(args, options);
    const last = script.lastIndexOf(inserts[inserts.length - 1]!);
    await writeFile(`${path}.short`, script.filter((_, index) => index !== last).join('\n'));
    return inner([`${path}.short`], options);
  }),

  commandsControl('backs-up-uncompressed-by-default', ['CONSOLE-021'], 'BACKUP DATABASE without options writes level 0', (commands) =>
    commands.map((command) => (command.startsWith('BACKUP DATABASE ') && !/\s-/.test(command) ? `${command} -compressionLevel=0` : command)),
  ),

  consoleControl('prints-seconds-with-one-decimal', ['CONSOLE-022'], '-c prints "Backup executed in 0.5 seconds"', (inner) => async (args, options) => {
    const run = await inner(args, options);
    return args[0] === '-c' ? { ...run, stdout: run.stdout.replace(/^Backup executed in (\d+\.\d)\d seconds$/gm, 'Backup executed in $1 seconds') } : run;
  }),

  commandsControl('ignores-compression-level', ['CONSOLE-023'], '-compressionLevel (in its usual case) has no effect on a full backup', (commands) =>
    commands.map((command) => (command.includes('-incremental') ? command : command.replace(/ -compressionLevel=[0-9](?=\s|$)/g, ''))),
  ),

  commandsControl('refuses-large-buffer-sizes', ['CONSOLE-024'], '-bufferSize above 65536 is refused', (commands) =>
    commands.map((command) => command.replace(/-bufferSize=(\d+)/gi, (option, value: string) => (Number(value) > 65536 ? '-bufferSize=0' : option))),
  ),

  commandsControl('ignores-options-before-the-file', ['CONSOLE-025'], 'options before the output file are ignored', (commands) =>
    commands.map((command) => {
      const match = /^BACKUP DATABASE ((?:-\S+ )+)(?=[^-\s])/.exec(command);
      return match === null ? command : `BACKUP DATABASE ${command.slice(match[0].length)}`;
    }),
  ),

  commandsControl('clamps-invalid-compression-levels', ['CONSOLE-026', 'CONSOLE-033'], 'an invalid -compressionLevel becomes 9', (commands) =>
    commands.map((command) => command.replace(/-compressionLevel=(\S*)/g, (option, value: string) => (/^[0-9]$/.test(value) ? option : '-compressionLevel=9'))),
  ),

  commandsControl('clamps-invalid-buffer-sizes', ['CONSOLE-027', 'CONSOLE-033'], 'an invalid -bufferSize becomes 1048576', (commands) =>
    commands.map((command) =>
      command.replace(/-bufferSize=(\S*)/g, (option, value: string) => (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 1073741824 ? option : '-bufferSize=1048576')),
    ),
  ),

  commandsControl('ignores-unknown-options', ['CONSOLE-028', 'CONSOLE-033'], 'BACKUP DATABASE drops the options it does not know, as OrientDB does', (commands) =>
    commands.map((command) =>
      command.startsWith('BACKUP DATABASE ')
        ? command
            .split(' ')
            .filter((word) => !word.startsWith('-') || /^-(incremental|compressionlevel=|buffersize=)/i.test(word))
            .join(' ')
        : command,
    ),
  ),

  outputControl('syntax-error-without-the-syntax-line', ['CONSOLE-029'], 'the missing-file error does not give the syntax line', (run) => ({
    stderr: run.stderr.replaceAll(BACKUP_SYNTAX, 'BACKUP DATABASE <file>'),
  })),

  outputControl('no-database-message-reworded', ['CONSOLE-030'], "gives its own message instead of OrientDB's", (run) => ({
    stderr: run.stderr.replaceAll(NO_DATABASE_MESSAGE, 'No database is open.'),
  })),

  outputControl('incremental-names-a-file-it-did-not-write', ['CONSOLE-031'], 'the incremental line names a file that is not in the directory', (run) => ({
    stdout: run.stdout.replace(/stored in file .+$/gm, 'stored in file backup.ibu'),
  })),

  consoleControl('failed-backup-leaves-a-partial-file', ['CONSOLE-033'], 'a failed BACKUP leaves <output>.partial beside its output', (inner) => async (args, options) => {
    const run = await inner(args, options);
    if (run.exitCode !== 1) return run;
    for (const command of pieces(args).filter((c) => c.startsWith('BACKUP DATABASE'))) {
      const output = backupOutput(command);
      if (output === undefined) continue;
      const path = resolve(options?.cwd ?? process.cwd(), output);
      if (!existsSync(path) && existsSync(dirname(path))) await writeFile(`${path}.partial`, 'PK partial');
    }
    return run;
  }),

  commandsControl('backup-and-restore-run-as-admin', ['CONSOLE-034'], "BACKUP and RESTORE run with the admin's rights whoever is connected", (commands) => {
    let url: string | undefined;
    return commands.flatMap((command) => {
      const connect = /^CONNECT (\S+) /.exec(command);
      if (connect !== null) url = connect[1];
      return url !== undefined && /^(BACKUP|RESTORE) DATABASE/.test(command) ? [`CONNECT ${url} admin admin`, command] : [command];
    });
  }),

  outputControl('remote-message-reworded', ['CONSOLE-035'], "refuses remote: databases without OrientDB's message", (run) => ({
    stderr: run.stderr.replaceAll('backup is not supported against remote storage', 'remote storage is not supported'),
  })),

  outputControl('prints-a-carriage-return-progress-line', ['CONSOLE-036'], 'prints a progress bar even off a terminal', (run) =>
    run.stdout.includes('Backup executed') ? { stdout: `${run.stdout}\r[##########] 100%\n` } : {},
  ),

  outputControl('restore-names-no-kind-of-backup', ['CONSOLE-037'], 'says "from backup..." for an archive', (run) => ({
    stdout: run.stdout.replaceAll('from full backup...', 'from backup...'),
  })),

  outputControl('restore-of-a-directory-says-full', ['CONSOLE-038'], 'says "from full backup..." for an incremental directory', (run) => ({
    stdout: run.stdout.replaceAll('from incremental backup...', 'from full backup...'),
  })),

  outputControl('says-restored-even-when-the-restore-failed', ['CONSOLE-039'], 'prints "Database restored" after a failed RESTORE, as OrientDB does (#10319)', (run, args) =>
    run.exitCode === 1 && pieces(args).some((command) => command.startsWith('RESTORE DATABASE')) ? { stdout: `${run.stdout}Database restored in 0.00 seconds\n` } : {},
  ),

  consoleControl('export-starts-with-a-byte-order-mark', ['CONSOLE-040'], 'EXPORT writes a byte order mark before the JSON', (inner) => async (args, options) => {
    const run = await inner(args, options);
    for (const command of pieces(args).filter((c) => c.startsWith('EXPORT DATABASE '))) {
      const path = resolve(options?.cwd ?? process.cwd(), command.slice('EXPORT DATABASE '.length));
      if (existsSync(path)) await writeFile(path, gzipSync(Buffer.concat([Buffer.from('\uFEFF'), gunzipSync(await readFile(path))])));
    }
    return run;
  }),

  consoleControl('import-drops-a-record', ['CONSOLE-041'], 'IMPORT loses the last record of the first class that has one', (inner) => async (args, options) => {
    for (const command of pieces(args).filter((c) => c.startsWith('IMPORT DATABASE '))) {
      const path = resolve(options?.cwd ?? process.cwd(), command.slice('IMPORT DATABASE '.length));
      if (!existsSync(path)) continue;
      const document = JSON.parse(gunzipSync(await readFile(path)).toString('utf8')) as { classes: { records: unknown[] }[] };
      document.classes.find((c) => c.records.length > 0)?.records.pop();
      await writeFile(path, gzipSync(JSON.stringify(document)));
    }
    return inner(args, options);
  }),

  negativeControl({
    name: 'export-loses-user-passwords',
    breaks: ['CONSOLE-042'],
    description: "the export gives every user the admin's password hash",
    wrap: (factory) =>
      wrapFactory(factory, {
        connection: (inner) => ({
          exportDatabase: async (path) => {
            await inner.exportDatabase(path);
            const document = JSON.parse(gunzipSync(await readFile(path)).toString('utf8')) as { users: { name: string; salt: string; hash: string }[] };
            const admin = document.users.find((user) => user.name === 'admin')!;
            for (const user of document.users) Object.assign(user, { salt: admin.salt, hash: admin.hash });
            await writeFile(path, gzipSync(JSON.stringify(document)));
          },
        }),
      }),
  }),

  negativeControl({
    name: 'import-into-a-non-empty-database-is-silently-skipped',
    breaks: ['CONSOLE-043'],
    description: 'importing into a database that is not empty resolves without doing anything',
    wrap: (factory) =>
      wrapFactory(factory, {
        connection: (inner) => ({
          importDatabase: async (path) => {
            try {
              await inner.importDatabase(path);
            } catch (error) {
              if (codeOf(error) !== 'ERR_DATABASE_NOT_EMPTY') throw error;
            }
          },
        }),
      }),
  }),

  negativeControl({
    name: 'backup-sees-a-class-the-export-did-not',
    breaks: ['CONSOLE-044'],
    description: 'the backup holds a class created after the export',
    wrap: (factory) =>
      wrapFactory(factory, {
        connection: (inner) => ({
          backup: async (...args) => {
            await inner.createClass('Spurious').catch(() => undefined);
            return inner.backup(...args);
          },
        }),
      }),
  }),

  consoleControl('crashes-on-a-backslash', ['CONSOLE-045'], 'crashes with a stack trace on input holding a backslash', (inner) => async (args, options) => {
    const input = args[0] === '-c' ? args[1]! : args.length === 0 ? options?.stdin ?? '' : '';
    if (input.includes('\\')) return { exitCode: 134, stdout: '', stderr: "TypeError: Cannot read properties of undefined (reading 'value')\n    at lex (console.js:1:1)\n" };
    return inner(args, options);
  }),

  consoleControl('interactive-prints-orientdb-3-wording', ['CONSOLE-046'], "the interactive console prints OrientDB 3.x's first line, not the manual's", (inner) => async (args, options) => {
    const run = await inner(args, options);
    if (args.length !== 0) return run;
    return { ...run, stdout: run.stdout.replace(/^Backing current database to: database (.+)$/gm, "Executing full backup of database 'db' to: $1...") };
  }),
];
