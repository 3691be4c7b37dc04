/**
 * The console's lexer: cuts input into commands and commands into words in one pass.
 *
 * - A `;` or a line break ends a command, except inside a quoted string or a JSON value.
 * - Words are separated by blanks. A word may join unquoted text and quoted strings
 *   (`"my backups"/db.zip` is one word, as in a shell); inside quotes a backslash escapes only the
 *   quote character and the backslash itself, so Windows paths keep their backslashes.
 * - A word that starts with `{` or `[` is a JSON value and runs to its matching bracket, blanks,
 *   separators and line breaks included; brackets inside JSON strings do not count.
 * - A word that starts with an unquoted `-` is an option.
 *
 * The lexer is streaming so that the interactive console can feed it line by line and know when
 * a command continues on the next line.
 *
 * @packageDocumentation
 */
import { type BackupConformanceError, fail } from '../errors.js';

/** One word of a command. */
export interface Word {
  /** The word with its quotes removed and escapes resolved (a JSON value: its exact text). */
  readonly value: string;
  /** Offset of the word's first character in {@link LexedCommand.text}. */
  readonly start: number;
  /** Offset just after the word's last character in {@link LexedCommand.text}. */
  readonly end: number;
  /** True when any part of the word was quoted. */
  readonly quoted: boolean;
  /** True when the word is a JSON value (it starts with `{` or `[`). */
  readonly json: boolean;
  /** True when the word starts with an unquoted `-`. */
  readonly option: boolean;
}

/** A command as the lexer found it. */
export interface LexedCommand {
  /** The command's source text, from its first word to the end of its last word. */
  readonly text: string;
  /** The 1-based line of the input on which the command starts. */
  readonly line: number;
  readonly words: readonly Word[];
  /** Set when the command could not be cut into words (an unterminated quote or JSON value). */
  readonly error?: BackupConformanceError;
}

type Mode = 'blank' | 'word' | 'single' | 'double' | 'json';

interface WordBuilder {
  value: string;
  start: number;
  quoted: boolean;
  json: boolean;
  option: boolean;
  /** The line and column where the open quote or JSON value began, for error messages. */
  openedAt: { line: number; column: number } | null;
}

const BLANKS = new Set([' ', '\t', '\r', '\f', '\v']);

/**
 * Streaming lexer: {@link CommandLexer.push} text as it arrives and receive the commands it
 * completes; {@link CommandLexer.end} returns the last one.
 */
export class CommandLexer {
  private mode: Mode = 'blank';
  /** Source text of the command being read (from its first word on). */
  private source = '';
  private words: Word[] = [];
  private word: WordBuilder | null = null;
  private commandLine = 1;
  private line = 1;
  private column = 0;
  private escaped = false;
  private jsonDepth = 0;
  private jsonInString = false;

  /** True while a command has begun and not ended (the interactive console then shows no prompt). */
  get pending(): boolean {
    return this.source.length > 0;
  }

  /** Reads `text` and returns the commands it completes. */
  push(text: string): LexedCommand[] {
    const done: LexedCommand[] = [];
    for (const char of text) {
      this.step(char, done);
      if (char === '\n') {
        this.line++;
        this.column = 0;
      } else {
        this.column++;
      }
    }
    return done;
  }

  /** Ends the input: returns the command in progress, if any (with an error when a quote or JSON value is still open). */
  end(): LexedCommand[] {
    const done: LexedCommand[] = [];
    if (this.mode === 'single' || this.mode === 'double' || this.mode === 'json') {
      const opened = this.word?.openedAt ?? { line: this.line, column: this.column };
      const what = this.mode === 'json' ? 'JSON value' : 'quoted string';
      const error = fail('ERR_CONSOLE_SYNTAX', `Unterminated ${what} starting at line ${opened.line}, column ${opened.column + 1}`);
      done.push({ text: this.source.trim(), line: this.commandLine, words: [], error });
      this.reset();
      return done;
    }
    this.endCommand(done);
    return done;
  }

  private step(char: string, done: LexedCommand[]): void {
    switch (this.mode) {
      case 'blank':
        if (BLANKS.has(char)) return;
        if (char === ';' || char === '\n') return this.endCommand(done);
        this.beginWord(char);
        return;
      case 'word':
        if (BLANKS.has(char)) return this.endWord();
        if (char === ';' || char === '\n') {
          this.endWord();
          return this.endCommand(done);
        }
        this.source += char;
        if (char === '"' || char === "'") return this.openQuote(char);
        this.word!.value += char;
        return;
      case 'single':
      case 'double':
        return this.stepQuoted(char);
      case 'json':
        return this.stepJson(char);
    }
  }

  private beginWord(char: string): void {
    if (this.source.length === 0) this.commandLine = this.line;
    const start = this.source.length;
    this.source += char;
    this.word = { value: '', start, quoted: false, json: false, option: char === '-', openedAt: null };
    if (char === '"' || char === "'") {
      this.openQuote(char);
    } else if (char === '{' || char === '[') {
      this.word.json = true;
      this.word.value = char;
      this.word.openedAt = { line: this.line, column: this.column };
      this.jsonDepth = 1;
      this.jsonInString = false;
      this.escaped = false;
      this.mode = 'json';
    } else {
      this.word.value = char;
      this.mode = 'word';
    }
  }

  private openQuote(char: string): void {
    this.word!.quoted = true;
    this.word!.openedAt = { line: this.line, column: this.column };
    this.escaped = false;
    this.mode = char === '"' ? 'double' : 'single';
  }

  private stepQuoted(char: string): void {
    this.source += char;
    const quote = this.mode === 'double' ? '"' : "'";
    const word = this.word!;
    if (this.escaped) {
      this.escaped = false;
      word.value += char === quote || char === '\\' ? char : `\\${char}`;
      return;
    }
    if (char === '\\') {
      this.escaped = true;
      return;
    }
    if (char === quote) {
      word.openedAt = null;
      this.mode = 'word';
      return;
    }
    word.value += char;
  }

  private stepJson(char: string): void {
    this.source += char;
    const word = this.word!;
    word.value += char;
    if (this.jsonInString) {
      if (this.escaped) this.escaped = false;
      else if (char === '\\') this.escaped = true;
      else if (char === '"') this.jsonInString = false;
      return;
    }
    if (char === '"') this.jsonInString = true;
    else if (char === '{' || char === '[') this.jsonDepth++;
    else if (char === '}' || char === ']') {
      this.jsonDepth--;
      if (this.jsonDepth === 0) {
        word.openedAt = null;
        this.mode = 'word';
      }
    }
  }

  private endWord(): void {
    const word = this.word!;
    this.words.push({
      value: word.value,
      start: word.start,
      end: this.source.length,
      quoted: word.quoted,
      json: word.json,
      option: word.option,
    });
    this.word = null;
    this.source += ' ';
    this.mode = 'blank';
  }

  private endCommand(done: LexedCommand[]): void {
    if (this.mode === 'word') this.endWord();
    if (this.words.length > 0) {
      // The source may hold one trailing blank added after the last word.
      const last = this.words[this.words.length - 1]!;
      done.push({ text: this.source.slice(0, last.end), line: this.commandLine, words: this.words });
    }
    this.reset();
  }

  private reset(): void {
    this.source = '';
    this.words = [];
    this.word = null;
    this.mode = 'blank';
    this.escaped = false;
    this.jsonDepth = 0;
    this.jsonInString = false;
  }
}

/** Cuts a whole input (a `-c` argument, a script file) into commands. */
export function splitCommands(input: string): LexedCommand[] {
  const lexer = new CommandLexer();
  return [...lexer.push(input), ...lexer.end()];
}
