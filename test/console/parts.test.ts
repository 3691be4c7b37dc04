/**
 * The console's small parts: the progress bar, error lines, escaping, and the command table.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { splitCommands } from '../../src/console/command-lexer.js';
import { CONSOLE_COMMANDS, findCommand } from '../../src/console/command-table.js';
import { describeFailure, errorLine, printable } from '../../src/console/console-output.js';
import { ProgressBar, progressListener } from '../../src/console/progress-bar.js';
import { fail } from '../../src/errors.js';

function capture(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { out, text: () => text };
}

describe('ProgressBar and progressListener', () => {
  it('fills with the sizes of finished files and names the file being compressed', () => {
    const { out, text } = capture();
    const listen = progressListener(new ProgressBar(out, 1000, 60));
    listen('- Compressing file item.pcl...');
    expect(text()).toBe(`\r[${'.'.repeat(24)}]   0% item.pcl\u001b[K`);
    listen('ok size=500 compressedSize=20 ratio=96% elapsed=1ms');
    listen('- Compressing file database.ocf...');
    listen('ok size=500 compressedSize=100 ratio=80% elapsed=0ms');
    expect(text().endsWith(`\r[${'#'.repeat(24)}] 100% database.ocf\u001b[K`)).toBe(true);
  });

  it('redraws at most every 50 ms, except at 100%', () => {
    const { out, text } = capture();
    const bar = new ProgressBar(out, 100);
    bar.update(10, 'a', 1000);
    bar.update(20, 'b', 1010);
    expect(text().split('\r')).toHaveLength(2);
    bar.update(100, 'c', 1020);
    expect(text().split('\r')).toHaveLength(3);
  });

  it('shortens a long label to the terminal width, shows only the label without a total, and clears itself', () => {
    const { out, text } = capture();
    const bar = new ProgressBar(out, 0, 20);
    const label = 'a-very-long-file-name-that-does-not-fit.pcl';
    bar.update(5, label);
    expect(text()).toBe(`\r...${label.slice(-16)}\u001b[K`);
    bar.clear();
    expect(text().endsWith('\r\u001b[K')).toBe(true);
    const before = text();
    bar.clear();
    expect(text()).toBe(before);
  });

  it('ignores messages it does not know and never throws', () => {
    const bar = new ProgressBar(new PassThrough(), 10);
    const listen = progressListener(bar);
    expect(() => listen("Backup of database 'x' completed: 3 entries, 100 bytes in 2ms")).not.toThrow();
    bar.update = () => {
      throw new Error('broken terminal');
    };
    expect(() => listen('ok size=1')).not.toThrow();
  });
});

describe('error lines', () => {
  it('keep a known code, map an errno to ERR_IO and anything else to ERR_INTERNAL', () => {
    expect(describeFailure(fail('ERR_AUTH', 'no'))).toEqual({ code: 'ERR_AUTH', message: 'no' });
    expect(describeFailure(Object.assign(new Error('x'), { code: 'ERR_NOT_A_ZIP' }))).toEqual({ code: 'ERR_NOT_A_ZIP', message: 'x' });
    expect(describeFailure(Object.assign(new Error('disk full'), { code: 'ENOSPC' }))).toEqual({ code: 'ERR_IO', message: 'disk full' });
    expect(describeFailure(new TypeError('x is undefined'))).toEqual({ code: 'ERR_INTERNAL', message: 'Unexpected failure: x is undefined' });
    expect(describeFailure('thrown text').code).toBe('ERR_INTERNAL');
  });

  it('are one line, with control characters escaped and the location last', () => {
    expect(errorLine(fail('ERR_CONSOLE_SYNTAX', 'bad\n  thing\r\nhere \u001b[31m'), 'x.osql line 3')).toBe(
      'Error: ERR_CONSOLE_SYNTAX: bad thing here \\u001b[31m (x.osql line 3)',
    );
  });

  it('printable keeps tabs and line breaks and escapes other control characters', () => {
    expect(printable('a\tb\nc\u0000d\u007fe\rf')).toBe('a\tb\nc\\u0000d\\u007fe\\u000df');
  });
});

describe('the command table', () => {
  const find = (text: string) => findCommand(splitCommands(text)[0]!);

  it('takes the longest keyword match, in any case', () => {
    expect(find('create database x').keywords).toEqual(['CREATE', 'DATABASE']);
    expect(find('Create Class X').keywords).toEqual(['CREATE', 'CLASS']);
    expect(find('select count(*) from X').keywords).toEqual(['SELECT']);
  });

  it('refuses an unknown command, suggesting the forms of its first word', () => {
    expect(() => find('BACKUP TABLE x')).toThrow(/Unknown command 'BACKUP TABLE x'; did you mean BACKUP DATABASE <output-file>/);
    expect(() => find('FROBNICATE')).toThrow(/HELP lists the commands/);
    expect(() => find('"BACKUP" DATABASE x.zip')).toThrow(/Unknown command/);
  });

  it('has one HELP line per command form, each beginning with its keywords', () => {
    for (const command of CONSOLE_COMMANDS) {
      for (const syntax of command.syntax) expect(syntax.startsWith(command.keywords.join(' '))).toBe(true);
    }
  });
});
