/**
 * Assertion helpers shared by scenarios. They throw `AssertionError`s (from `node:assert`), so
 * they work under any test runner.
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';

/** Reads the `code` of a rejection, or undefined when there is none. */
export function codeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/**
 * Asserts that `action` rejects (or throws) with an error whose `code` is `code`, and resolves
 * that error for further checks.
 */
export async function expectCode(action: Promise<unknown> | (() => unknown), code: string, what?: string): Promise<Error> {
  let outcome: { kind: 'resolved'; value: unknown } | { kind: 'rejected'; error: unknown };
  try {
    const value = typeof action === 'function' ? await action() : await action;
    outcome = { kind: 'resolved', value };
  } catch (error) {
    outcome = { kind: 'rejected', error };
  }
  const label = what === undefined ? '' : `${what}: `;
  if (outcome.kind === 'resolved') {
    assert.fail(`${label}expected an error with code ${code}, but the call succeeded`);
  }
  const actual = codeOf(outcome.error);
  if (actual !== code) {
    const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    assert.fail(`${label}expected code ${code}, received ${actual ?? 'no code'} (${message})`);
  }
  return outcome.error as Error;
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Tells whether `promise` settles within `ms` milliseconds, without consuming its outcome:
 * resolves `true` when it settled (resolved or rejected), `false` when it is still pending.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await delay(ms);
  return settled;
}
