import { describe, expect, it } from 'vitest';
import { fail } from '../../src/errors.js';
import { WriteGate } from '../../src/engine/write-gate.js';
import { expectCode, tick, watch } from './_helpers.js';

describe('WriteGate', () => {
  it('resolves idle() when the last of several writes ends, not the first', async () => {
    const gate = new WriteGate();
    gate.enter({});
    gate.enter({});
    const idle = watch(gate.idle());
    gate.leave();
    await tick();
    expect(idle.settled).toBeUndefined();
    expect(gate.activeWrites).toBe(1);
    gate.leave();
    await tick();
    expect(idle.settled).toEqual({ value: undefined });
  });

  it('is frozen only between a freeze and its release, and holds never count as freezes', () => {
    const gate = new WriteGate();
    expect(gate.frozen).toBe(false);
    gate.hold();
    expect(gate.frozen).toBe(false);
    gate.freeze(false);
    gate.freeze(false);
    expect(gate.frozen).toBe(true);
    gate.release();
    expect(gate.frozen).toBe(true);
    gate.release();
    expect(gate.frozen).toBe(false);
    gate.unhold();
  });

  it('fails a write at once under any freeze that asked for it, even beneath a later freeze', async () => {
    const gate = new WriteGate();
    gate.freeze(true);
    gate.freeze(false);
    await expectCode(() => gate.enter({}), 'ERR_DATABASE_FROZEN');
    gate.release();
    gate.release();
    expect(gate.enter({})).toBeUndefined();
  });

  it('lets waiting writes in, counted, only when the last freeze and hold are gone', async () => {
    const gate = new WriteGate();
    gate.freeze(false);
    gate.hold();
    const first = watch(gate.enter({})!);
    const second = watch(gate.enter({})!);
    gate.release();
    await tick();
    expect(first.settled).toBeUndefined();
    expect(gate.activeWrites).toBe(0);
    gate.unhold();
    await tick();
    expect([first.settled, second.settled]).toEqual([{ value: undefined }, { value: undefined }]);
    expect(gate.activeWrites).toBe(2);
  });

  it('ignores an unhold without a hold (the count never goes below zero)', () => {
    const gate = new WriteGate();
    gate.unhold();
    gate.hold();
    expect(gate.enter({})).toBeInstanceOf(Promise);
  });

  it('fails only the waiting writes of the session being closed', async () => {
    const gate = new WriteGate();
    const closing = {};
    const other = {};
    gate.hold();
    const mine = watch(gate.enter(closing)!);
    const theirs = watch(gate.enter(other)!);
    const error = fail('ERR_DATABASE_CLOSED', 'closed');
    gate.rejectWaiters(closing, error);
    await tick();
    expect(mine.settled?.error).toBe(error);
    expect(theirs.settled).toBeUndefined();
    gate.unhold();
    await tick();
    expect(theirs.settled).toEqual({ value: undefined });
    expect(gate.activeWrites).toBe(1);
  });

  it('once closed, fails every waiting and every later write with the closing error', async () => {
    const gate = new WriteGate();
    gate.freeze(false);
    gate.hold();
    const waiting = watch(gate.enter({})!);
    const error = fail('ERR_DATABASE_CLOSED', 'closed');
    gate.close(error);
    await tick();
    expect(waiting.settled?.error).toBe(error);
    expect(gate.frozen).toBe(false);
    expect(() => gate.enter({})).toThrow(error);
  });

  it('refuses a release without a freeze', async () => {
    const gate = new WriteGate();
    await expectCode(() => gate.release(), 'ERR_NOT_FROZEN');
  });
});
