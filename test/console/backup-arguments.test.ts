/**
 * Parsing the words after `BACKUP DATABASE`: the output file and the three options of the
 * manual's syntax line, with a coded error for every mistake.
 */
import { describe, expect, it } from 'vitest';
import { BACKUP_SYNTAX, parseBackupArguments } from '../../src/console/backup-arguments.js';
import { splitCommands } from '../../src/console/command-lexer.js';
import { BackupConformanceError } from '../../src/errors.js';

/** The words after BACKUP DATABASE. */
function parse(rest: string) {
  const [command] = splitCommands(`BACKUP DATABASE ${rest}`);
  return parseBackupArguments(command!.words.slice(2));
}

function refusal(rest: string): BackupConformanceError {
  try {
    parse(rest);
  } catch (error) {
    expect(error).toBeInstanceOf(BackupConformanceError);
    return error as BackupConformanceError;
  }
  throw new Error(`BACKUP DATABASE ${rest} was accepted`);
}

describe('parseBackupArguments', () => {
  it('is the manual syntax line', () => {
    expect(BACKUP_SYNTAX).toBe('BACKUP DATABASE <output-file> [-incremental] [-compressionLevel=<compressionLevel>] [-bufferSize=<bufferSize>]');
  });

  it('takes the output file alone, with defaults left to the backup', () => {
    expect(parse('/backups/mydb.zip')).toEqual({ output: '/backups/mydb.zip', incremental: false });
  });

  it('takes options before or after the file, in any case', () => {
    expect(parse('-COMPRESSIONLEVEL=0 out.zip -BufferSize=2048')).toEqual({ output: 'out.zip', incremental: false, compressionLevel: 0, bufferSize: 2048 });
    expect(parse('out.zip -compressionlevel=9')).toMatchObject({ compressionLevel: 9 });
    expect(parse('-Incremental dir')).toEqual({ output: 'dir', incremental: true });
  });

  it('accepts the whole range of both numbers', () => {
    for (const level of [0, 1, 5, 9]) expect(parse(`x.zip -compressionLevel=${level}`).compressionLevel).toBe(level);
    for (const size of [1, 2048, 1073741824]) expect(parse(`x.zip -bufferSize=${size}`).bufferSize).toBe(size);
  });

  it('takes a quoted output file whole, even one that starts with a dash', () => {
    expect(parse('"my backups/db.zip"').output).toBe('my backups/db.zip');
    expect(parse("'-odd.zip'").output).toBe('-odd.zip');
  });

  it('refuses a bad level naming the option and its range', () => {
    for (const value of ['abc', '10', '-1', '2.5', '', ' 5', '+5', '1e1', '0x1']) {
      const error = refusal(`x.zip -compressionLevel="${value}"`);
      expect(error.code, value).toBe('ERR_INVALID_COMPRESSION_LEVEL');
      expect(error.message).toContain('-compressionLevel');
      expect(error.message).toContain('0 to 9');
    }
    expect(refusal('x.zip -compressionLevel').code).toBe('ERR_INVALID_COMPRESSION_LEVEL');
    expect(refusal('x.zip -compressionLevel 5').message).toContain('-compressionLevel=<');
  });

  it('refuses a bad buffer size naming the option and its range', () => {
    for (const value of ['abc', '0', '-5', '1.5', '', '1073741825', '99999999999999999999']) {
      const error = refusal(`x.zip -bufferSize=${value}`);
      expect(error.code, value).toBe('ERR_INVALID_BUFFER_SIZE');
      expect(error.message).toContain('-bufferSize');
      expect(error.message).toContain('1 to 1073741824');
    }
  });

  it('refuses an unknown option, naming it and listing the valid ones', () => {
    for (const option of ['-compresionLevel=5', '-foo', '-', '--incremental']) {
      const error = refusal(`x.zip ${option}`);
      expect(error.code, option).toBe('ERR_CONSOLE_UNKNOWN_OPTION');
      expect(error.message).toContain(option.split('=')[0]);
      for (const valid of ['-incremental', '-compressionLevel', '-bufferSize']) expect(error.message).toContain(valid);
    }
  });

  it('refuses a missing or second output file with the syntax line', () => {
    for (const rest of ['', '-compressionLevel=5', '-incremental', 'a.zip b.zip', 'x.zip -bufferSize=5 5']) {
      const error = refusal(rest);
      expect(error.code, rest).toBe('ERR_CONSOLE_SYNTAX');
      expect(error.message).toContain(BACKUP_SYNTAX);
    }
  });

  it('refuses an option given twice, a value on -incremental, and -incremental with a level or buffer size', () => {
    for (const rest of ['x.zip -compressionLevel=1 -compressionLevel=2', 'x -incremental=yes', 'x -incremental -compressionLevel=5', 'x -incremental -bufferSize=10']) {
      expect(refusal(rest).code, rest).toBe('ERR_CONSOLE_SYNTAX');
    }
  });

  it('checks option names first, then values, then the output file', () => {
    expect(refusal('-foo -compressionLevel=x').code).toBe('ERR_CONSOLE_UNKNOWN_OPTION');
    expect(refusal('-bufferSize=0 -compressionLevel=x').code).toBe('ERR_INVALID_COMPRESSION_LEVEL');
    expect(refusal('-bufferSize=0').code).toBe('ERR_INVALID_BUFFER_SIZE');
  });
});
