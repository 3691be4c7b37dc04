/**
 * Splits the command line of `--impl "stdio:<command line>"` into a program and its arguments.
 *
 * @packageDocumentation
 */
import { HarnessError } from '../errors.js';

/**
 * Splits a command line the way a POSIX shell splits words, without running a shell: blanks
 * separate words; single quotes keep everything literally; double quotes keep everything except
 * that a backslash escapes `"`, `\`, `$` and `` ` ``; outside quotes a backslash escapes the next
 * character. No variables, globs, pipes or redirections. Throws `ERR_USAGE` for an unterminated
 * quote or an empty command.
 */
export function splitCommandLine(commandLine: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < commandLine.length; i++) {
    const c = commandLine[i] as string;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < commandLine.length && '"\\$`'.includes(commandLine[i + 1] as string)) word += commandLine[++i];
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < commandLine.length) {
      word += commandLine[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new HarnessError('ERR_USAGE', `unterminated ${quote} quote in command line: ${commandLine}`);
  if (inWord) words.push(word);
  if (words.length === 0) throw new HarnessError('ERR_USAGE', 'expected a command after "stdio:", received nothing');
  return words;
}
