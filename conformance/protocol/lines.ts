/**
 * Splits a byte stream into lines (LF or CRLF), with a length limit so that a runaway peer cannot
 * exhaust memory.
 *
 * @packageDocumentation
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** The longest line accepted (64 MiB). */
export const MAX_LINE_LENGTH = 64 * 1024 * 1024;

/**
 * Calls `onLine` for every complete line of `input` (without its line ending), `onTooLong` once
 * if a line exceeds `maxLength` (the rest of the stream is then ignored), and `onEnd` when the
 * stream ends (a final unterminated line is delivered first).
 */
export function readLines(
  input: Readable,
  handlers: { onLine: (line: string) => void; onTooLong?: () => void; onEnd?: () => void },
  maxLength = MAX_LINE_LENGTH,
): void {
  const decoder = new StringDecoder('utf8');
  let buffer = '';
  let broken = false;
  const deliver = (line: string): void => handlers.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  input.on('data', (chunk: Buffer | string) => {
    if (broken) return;
    buffer += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      deliver(line);
      newline = buffer.indexOf('\n');
    }
    if (buffer.length > maxLength) {
      broken = true;
      buffer = '';
      handlers.onTooLong?.();
    }
  });
  input.on('end', () => {
    if (!broken) {
      buffer += decoder.end();
      if (buffer !== '') deliver(buffer);
    }
    handlers.onEnd?.();
  });
}
