/**
 * Implementation faults: how an adapter that talks to something outside the process (the stdio
 * client) tells the runner "this instance could not be run" (its process crashed, hung or broke
 * the protocol), even when the scenario caught the resulting rejection itself. The runner then
 * reports the scenario as `error` instead of `pass` or `fail`.
 *
 * @packageDocumentation
 */
import type { Implementation } from '../adapter.js';

const faults = new WeakMap<object, Error>();
const delegates = new WeakMap<object, object>();

/** Records that `impl` could not be run; the first fault reported is kept. */
export function reportImplementationFault(impl: Implementation, error: Error): void {
  if (!faults.has(impl)) faults.set(impl, error);
}

/**
 * Declares that `wrapper` delegates to `inner` (a wrapping implementation such as a negative
 * control), so that a fault of `inner` is a fault of `wrapper`.
 */
export function linkImplementation(wrapper: Implementation, inner: Implementation): void {
  delegates.set(wrapper, inner);
}

/** The fault recorded for `impl` or for any implementation it delegates to, if any. */
export function implementationFault(impl: Implementation): Error | undefined {
  let current: object | undefined = impl;
  for (let depth = 0; current !== undefined && depth < 32; depth++) {
    const fault = faults.get(current);
    if (fault !== undefined) return fault;
    current = delegates.get(current);
  }
  return undefined;
}
