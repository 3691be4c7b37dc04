/**
 * The words after `BACKUP DATABASE`, parsed as the manual's syntax line says, with a coded error
 * for each mistake OrientDB let through (unknown options are ignored there, bad numbers throw a
 * raw NumberFormatException).
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import type { Word } from './command-lexer.js';

/** The manual's syntax line, quoted exactly. */
export const BACKUP_SYNTAX =
  'BACKUP DATABASE <output-file> [-incremental] [-compressionLevel=<compressionLevel>] [-bufferSize=<bufferSize>]';

/** The largest `-bufferSize`: 1 GiB, as for the API (`BACKUP-021`). */
export const MAX_CONSOLE_BUFFER_SIZE = 1073741824;

/** What a `BACKUP DATABASE` line asks for. Omitted numbers are left to the backup's defaults. */
export interface BackupCommandArguments {
  /** The output file (or directory with `-incremental`) as typed, not yet resolved. */
  readonly output: string;
  readonly incremental: boolean;
  readonly compressionLevel?: number;
  readonly bufferSize?: number;
}

const VALID_OPTIONS = '-incremental, -compressionLevel=<0-9> and -bufferSize=<1-1073741824>';

interface OptionSpec {
  /** The name as the manual spells it, for messages. */
  readonly name: string;
  readonly takesValue: boolean;
}

const OPTIONS: ReadonlyMap<string, OptionSpec> = new Map([
  ['incremental', { name: '-incremental', takesValue: false }],
  ['compressionlevel', { name: '-compressionLevel', takesValue: true }],
  ['buffersize', { name: '-bufferSize', takesValue: true }],
]);

function syntaxError(why: string): never {
  throw fail('ERR_CONSOLE_SYNTAX', `${why}. Syntax: ${BACKUP_SYNTAX}`);
}

/** Parses a decimal integer from `min` to `max` written with digits only, or returns undefined. */
function integerIn(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

/** Says what value an option received; a missing `=` gets a hint. */
function described(value: string | undefined, option: string): string {
  return value === undefined ? `got no value (write ${option}=<n>)` : `got '${value}'`;
}

/**
 * Parses the words after `BACKUP DATABASE`. Checks, in this order: option names
 * (`ERR_CONSOLE_UNKNOWN_OPTION`), then option values (`ERR_INVALID_COMPRESSION_LEVEL`,
 * `ERR_INVALID_BUFFER_SIZE`), then the rest of the syntax (`ERR_CONSOLE_SYNTAX`: no output file,
 * two of them, an option given twice, a value on `-incremental`, `-incremental` with a level or a
 * buffer size). Option names are case-insensitive; a quoted word is never an option.
 */
export function parseBackupArguments(words: readonly Word[]): BackupCommandArguments {
  const given = new Map<string, { spec: OptionSpec; value: string | undefined; text: string }>();
  const positionals: string[] = [];
  const repeated: string[] = [];
  for (const word of words) {
    if (!word.option) {
      positionals.push(word.value);
      continue;
    }
    const equals = word.value.indexOf('=');
    const name = equals < 0 ? word.value : word.value.slice(0, equals);
    const spec = OPTIONS.get(name.slice(1).toLowerCase());
    if (spec === undefined) {
      throw fail('ERR_CONSOLE_UNKNOWN_OPTION', `Unknown option '${name}' for BACKUP DATABASE: the valid options are ${VALID_OPTIONS}`, {
        details: { option: name },
      });
    }
    if (given.has(spec.name)) repeated.push(spec.name);
    given.set(spec.name, { spec, value: equals < 0 ? undefined : word.value.slice(equals + 1), text: word.value });
  }

  const level = given.get('-compressionLevel');
  let compressionLevel: number | undefined;
  if (level !== undefined) {
    compressionLevel = integerIn(level.value ?? '', 0, 9);
    if (compressionLevel === undefined) {
      throw fail('ERR_INVALID_COMPRESSION_LEVEL', `-compressionLevel must be an integer from 0 to 9, ${described(level.value, '-compressionLevel')}`, {
        details: { received: level.value ?? '' },
      });
    }
  }
  const buffer = given.get('-bufferSize');
  let bufferSize: number | undefined;
  if (buffer !== undefined) {
    bufferSize = integerIn(buffer.value ?? '', 1, MAX_CONSOLE_BUFFER_SIZE);
    if (bufferSize === undefined) {
      throw fail('ERR_INVALID_BUFFER_SIZE', `-bufferSize must be an integer from 1 to ${MAX_CONSOLE_BUFFER_SIZE}, ${described(buffer.value, '-bufferSize')}`, {
        details: { received: buffer.value ?? '' },
      });
    }
  }

  if (positionals.length === 0) syntaxError('BACKUP DATABASE needs an output file');
  if (positionals.length > 1) {
    syntaxError(`BACKUP DATABASE takes one output file, got ${positionals.map((p) => `'${p}'`).join(' and ')} (an option takes its value after '=')`);
  }
  if (repeated.length > 0) syntaxError(`The option ${repeated[0]} is given twice`);
  const incremental = given.get('-incremental');
  if (incremental?.value !== undefined) syntaxError(`-incremental takes no value, got '${incremental.text}'`);
  if (incremental !== undefined && (level !== undefined || buffer !== undefined)) {
    syntaxError('-incremental takes neither -compressionLevel nor -bufferSize: an incremental backup has its own format');
  }
  return {
    output: positionals[0]!,
    incremental: incremental !== undefined,
    ...(compressionLevel === undefined ? {} : { compressionLevel }),
    ...(bufferSize === undefined ? {} : { bufferSize }),
  };
}
