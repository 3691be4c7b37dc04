/**
 * The console's lexer: splitting input into commands (on `;` and line breaks, never inside quotes
 * or JSON) and commands into words.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandLexer, splitCommands, type LexedCommand } from '../../src/console/command-lexer.js';
import { BackupConformanceError } from '../../src/errors.js';

const texts = (commands: readonly LexedCommand[]): string[] => commands.map((command) => command.text);
const words = (command: LexedCommand | undefined): string[] => (command?.words ?? []).map((word) => word.value);

describe('splitCommands', () => {
  it('splits on semicolons and line breaks and skips empty commands', () => {
    expect(texts(splitCommands('CONNECT a b c; INFO\n\n  ;;\nLIST CLASSES\r\nEXIT'))).toEqual([
      'CONNECT a b c',
      'INFO',
      'LIST CLASSES',
      'EXIT',
    ]);
  });

  it('keeps a separator inside double or single quotes', () => {
    const commands = splitCommands(`BACKUP DATABASE "a;b.zip"; CREATE USER u IDENTIFIED BY 'p;\nw' ROLE reader`);
    expect(words(commands[0])).toEqual(['BACKUP', 'DATABASE', 'a;b.zip']);
    expect(words(commands[1])).toEqual(['CREATE', 'USER', 'u', 'IDENTIFIED', 'BY', 'p;\nw', 'ROLE', 'reader']);
    expect(commands).toHaveLength(2);
  });

  it('keeps a JSON value whole, across separators and lines, strings and nesting included', () => {
    const input = 'INSERT INTO C CONTENT {"text": "a;b}", "list": [1, {"x": "]"}],\n "q": "\\"}"}; SELECT FROM C';
    const commands = splitCommands(input);
    expect(commands).toHaveLength(2);
    const json = commands[0]!.words[4]!;
    expect(json.json).toBe(true);
    expect(JSON.parse(json.value)).toEqual({ text: 'a;b}', list: [1, { x: ']' }], q: '"}' });
    expect(texts(commands)[1]).toBe('SELECT FROM C');
  });

  it('numbers commands by the line they start on', () => {
    const commands = splitCommands('INFO\n\nINSERT INTO C CONTENT {\n"a": 1\n}\nEXIT');
    expect(commands.map((command) => command.line)).toEqual([1, 3, 6]);
  });

  it('joins quoted and unquoted parts of one word, as a shell does', () => {
    expect(words(splitCommands(`BACKUP DATABASE "my backups"/db.zip`)[0])).toEqual(['BACKUP', 'DATABASE', 'my backups/db.zip']);
  });

  it('unescapes only the quote character and the backslash inside quotes', () => {
    expect(words(splitCommands(`X "a\\"b" 'c\\'d' "e\\\\f" "C:\\dir"`)[0])).toEqual(['X', 'a"b', "c'd", 'e\\f', 'C:\\dir']);
  });

  it('marks options: words that start with an unquoted dash', () => {
    const [command] = splitCommands(`BACKUP DATABASE -compressionLevel=5 "-file.zip" -x`);
    expect(command!.words.map((word) => word.option)).toEqual([false, false, true, false, true]);
  });

  it('reports an unterminated quote or JSON value as a syntax error of its command', () => {
    for (const input of ['BACKUP DATABASE "x.zip', "CONNECT 'url admin admin", 'INSERT INTO C CONTENT {"a": [1, 2}']) {
      const commands = splitCommands(input);
      expect(commands).toHaveLength(1);
      expect(commands[0]!.error).toBeInstanceOf(BackupConformanceError);
      expect(commands[0]!.error!.code).toBe('ERR_CONSOLE_SYNTAX');
    }
  });

  it('gives word offsets into the command text', () => {
    const [command] = splitCommands('  UPDATE #1:0 CONTENT {"a": 1}  ');
    const content = command!.words[3]!;
    expect(command!.text.slice(content.start, content.end)).toBe('{"a": 1}');
  });
});

describe('CommandLexer (streaming)', () => {
  it('emits a command once its line ends and holds an open quote or JSON value across pushes', () => {
    const lexer = new CommandLexer();
    expect(texts(lexer.push('CONNECT a b c\n'))).toEqual(['CONNECT a b c']);
    expect(lexer.pending).toBe(false);
    expect(lexer.push('INSERT INTO C CONTENT {"a":\n')).toEqual([]);
    expect(lexer.pending).toBe(true);
    const done = lexer.push('1}\n');
    expect(done).toHaveLength(1);
    expect(JSON.parse(done[0]!.words[4]!.value)).toEqual({ a: 1 });
    expect(lexer.pending).toBe(false);
    expect(texts(lexer.push('EXIT'))).toEqual([]);
    expect(texts(lexer.end())).toEqual(['EXIT']);
  });

  it('gives the same commands whatever the input is cut into', () => {
    const alphabet = fc.constantFrom(...'ab -=;\n\'"{}[]\\:#1 '.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }).map((chars) => chars.join('')), fc.array(fc.nat(60), { maxLength: 5 }), (input, cuts) => {
        const whole = splitCommands(input).map(({ text, line, error }) => ({ text, line, error: error?.code }));
        const lexer = new CommandLexer();
        const pieces: LexedCommand[] = [];
        let from = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          pieces.push(...lexer.push(input.slice(from, Math.max(from, cut))));
          from = Math.max(from, cut);
        }
        pieces.push(...lexer.push(input.slice(from)), ...lexer.end());
        expect(pieces.map(({ text, line, error }) => ({ text, line, error: error?.code }))).toEqual(whole);
      }),
      { seed: Number(process.env.FC_SEED ?? 42), numRuns: 300 },
    );
  });
});
