/**
 * Listeners that throw, declared so that the behaviour crosses the stdio protocol.
 *
 * A listener is synchronous: an implementation in another process cannot wait for the runner to
 * learn that the runner's listener threw. A scenario that wants a throwing listener therefore
 * builds it with {@link throwingListener}; the function carries a description of when it throws,
 * which the stdio client sends along so the implementation's side throws at the same call.
 *
 * @packageDocumentation
 */
import type { MessageListener } from './adapter.js';

/** The key under which a listener carries its {@link ListenerBehaviour}. */
export const LISTENER_BEHAVIOUR: unique symbol = Symbol.for('orientdb-backup-conformance/listener-behaviour') as never;

/** When a declared listener throws. */
export interface ListenerBehaviour {
  /** The 1-based call from which on every call throws. */
  readonly throwFrom: number;
  /** The message of the thrown `Error`. */
  readonly message: string;
}

/** Options of {@link throwingListener}. */
export interface ThrowingListenerOptions {
  /** The 1-based call from which on every call throws (default 1: every call). */
  readonly throwFrom?: number;
  /** The message of the thrown error (default `listener failed on purpose`). */
  readonly message?: string;
  /** Receives every message before the listener throws. */
  readonly received?: string[];
}

/** A listener that records messages and throws from the `throwFrom`-th call on. */
export function throwingListener(options: ThrowingListenerOptions = {}): MessageListener {
  const throwFrom = options.throwFrom ?? 1;
  if (!Number.isInteger(throwFrom) || throwFrom < 1) {
    throw new TypeError(`throwingListener(): throwFrom must be a positive integer, received ${String(throwFrom)}`);
  }
  const behaviour: ListenerBehaviour = { throwFrom, message: options.message ?? 'listener failed on purpose' };
  let calls = 0;
  const listener: MessageListener = (message) => {
    options.received?.push(message);
    calls++;
    if (calls >= behaviour.throwFrom) throw new Error(behaviour.message);
  };
  Object.defineProperty(listener, LISTENER_BEHAVIOUR, { value: Object.freeze(behaviour) });
  return listener;
}

/** The declared behaviour of a listener made by {@link throwingListener}, or undefined. */
export function listenerBehaviour(listener: MessageListener | null | undefined): ListenerBehaviour | undefined {
  if (typeof listener !== 'function') return undefined;
  return (listener as unknown as { [LISTENER_BEHAVIOUR]?: ListenerBehaviour })[LISTENER_BEHAVIOUR];
}

/** Builds a listener from a behaviour received over the protocol, forwarding every message to `forward` first. */
export function listenerFromBehaviour(behaviour: ListenerBehaviour | undefined, forward: MessageListener): MessageListener {
  let calls = 0;
  return (message) => {
    forward(message);
    calls++;
    if (behaviour !== undefined && calls >= behaviour.throwFrom) throw new Error(behaviour.message);
  };
}
