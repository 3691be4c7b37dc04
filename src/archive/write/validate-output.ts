import { fail } from '../../errors.js';
import { describeValue } from './_internals/describe-value.js';

/**
 * Checks that `out` can receive an archive: a writable stream (`write`, `end`, `on`) that has not
 * ended or been destroyed. Exported so that a backup can refuse a bad output before it locks the
 * database.
 *
 * @throws BackupConformanceError `ERR_INVALID_OUTPUT`.
 */
export function validateOutput(out: unknown): NodeJS.WritableStream {
  if (typeof out !== 'object' || out === null) {
    throw fail('ERR_INVALID_OUTPUT', `the output must be a writable stream, received ${describeValue(out)}`);
  }
  const stream = out as Partial<Record<'write' | 'end' | 'on' | 'removeListener', unknown>>;
  for (const method of ['write', 'end', 'on', 'removeListener'] as const) {
    if (typeof stream[method] !== 'function') {
      throw fail('ERR_INVALID_OUTPUT', `the output must be a writable stream (it has no ${method}() method)`);
    }
  }
  const state = out as { writable?: unknown; writableEnded?: unknown; destroyed?: unknown };
  if (state.writable === false || state.writableEnded === true || state.destroyed === true) {
    throw fail('ERR_INVALID_OUTPUT', 'the output has already ended or been destroyed');
  }
  return out as NodeJS.WritableStream;
}
