/**
 * `guardedListener`: a backup's listener can never make the backup fail (BACKUP-041), whatever it
 * throws or returns, and nothing it returns is left as an unhandled rejection.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { guardedListener } from '../../src/backup/backup-messages.js';

let unhandled: unknown[] = [];
const record = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', record);
});
afterEach(() => void process.off('unhandledRejection', record));

/** Unhandled rejections are reported after the microtask queue drains: give them a turn. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe('guardedListener', () => {
  it('passes each message to the listener', () => {
    const seen: string[] = [];
    const notify = guardedListener((message) => void seen.push(message));
    notify('one');
    notify('two');
    expect(seen).toEqual(['one', 'two']);
  });

  it('does nothing without a listener', () => {
    expect(() => guardedListener(undefined)('ignored')).not.toThrow();
  });

  it.each([
    ['throws', (): unknown => {
      throw new Error('the display is gone');
    }],
    ['rejects', (): unknown => Promise.reject(new Error('the display is gone'))],
    ['returns a thenable whose then throws', (): unknown => ({
      then(): never {
        throw new Error('a broken then');
      },
    })],
    ['returns a thenable that rejects', (): unknown => ({
      then(_resolve: unknown, reject: (reason: unknown) => void): void {
        reject(new Error('rejected'));
      },
    })],
    ['returns an object whose then getter throws', (): unknown => ({
      get then(): never {
        throw new Error('a throwing getter');
      },
    })],
    ['returns something that is not a promise', (): unknown => 42],
  ])('swallows a listener that %s, leaving no unhandled rejection', async (_what, listener) => {
    let calls = 0;
    const notify = guardedListener(() => {
      calls++;
      return listener();
    });
    expect(() => notify('message')).not.toThrow();
    await settle();
    expect(calls).toBe(1);
    expect(unhandled).toEqual([]);
  });
});
