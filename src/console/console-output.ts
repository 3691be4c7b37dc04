/**
 * How the console prints errors and user-typed text: one `Error: <code>: <message>` line per
 * failing command, never a stack trace, and no control character that could move a terminal's
 * cursor (a path or a command typed with an escape sequence is shown escaped).
 *
 * @packageDocumentation
 */
import { BackupConformanceError, ERROR_CODES } from '../errors.js';

/** Replaces control characters other than line breaks and tabs with `\u00XX`, so that text printed back cannot drive a terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The code and message of a failure: its own code when it has one of `spec/errors.md`, `ERR_IO` for an operating-system error, `ERR_INTERNAL` otherwise. */
export function describeFailure(error: unknown): { code: string; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof BackupConformanceError) return { code: error.code, message };
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code)) return { code, message };
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return { code: 'ERR_IO', message };
  return { code: 'ERR_INTERNAL', message: `Unexpected failure: ${message}` };
}

/** The one line that reports a failing command: `Error: <code>: <message>[ (<where>)]`. */
export function errorLine(error: unknown, where?: string): string {
  const { code, message } = describeFailure(error);
  const flat = printable(message.replace(/\s*[\r\n]+\s*/g, ' ').trim());
  return `Error: ${code}: ${flat}${where === undefined ? '' : ` (${printable(where)})`}`;
}
