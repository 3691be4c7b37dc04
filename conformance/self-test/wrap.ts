/**
 * Wrapping an implementation: a new factory whose instances and connections delegate to the
 * wrapped ones, except for the methods given. Negative controls are built this way.
 *
 * @packageDocumentation
 */
import type { Connection, Implementation, ImplementationFactory } from '../adapter.js';
import { CONNECTION_METHODS, INSTANCE_METHODS } from '../protocol/methods.js';
import { linkImplementation } from '../runner/fault.js';

/** Replacement methods of a connection; each receives the wrapped connection's method as `this`-free arguments. */
export type ConnectionOverrides = Partial<Omit<Connection, 'url'>>;
/** Replacement methods of an implementation (connections are wrapped separately). */
export type ImplementationOverrides = Partial<Pick<Implementation, (typeof INSTANCE_METHODS)[number] | 'dispose' | 'supports' | 'info'>>;

/** What {@link wrapFactory} changes. */
export interface WrapOptions {
  /** Overrides for each implementation; receives the wrapped implementation. */
  readonly implementation?: (inner: Implementation) => ImplementationOverrides;
  /** Overrides for each connection; receives the wrapped connection and its implementation. */
  readonly connection?: (inner: Connection, impl: Implementation) => ConnectionOverrides;
}

/**
 * A factory whose implementations delegate to those of `factory`, with the overrides of
 * `options`. Connections from `createDatabase` and `openDatabase` are wrapped too. A fault of the
 * wrapped implementation (a crashed process) is a fault of the wrapper.
 */
export function wrapFactory(factory: ImplementationFactory, options: WrapOptions): ImplementationFactory {
  return async () => {
    const inner = await factory();
    const overrides = options.implementation?.(inner) ?? {};
    const wrapConnection = (connection: Connection): Connection => {
      const replaced = options.connection?.(connection, inner) ?? {};
      const wrapped: Record<string, unknown> = {};
      Object.defineProperty(wrapped, 'url', { get: () => connection.url, enumerable: true });
      for (const name of CONNECTION_METHODS) {
        const own = replaced[name];
        wrapped[name] = own ?? (connection[name] as (...args: unknown[]) => unknown).bind(connection);
      }
      return wrapped as unknown as Connection;
    };
    const wrapper: Implementation = {
      get info() {
        return overrides.info ?? inner.info;
      },
      get supports() {
        return overrides.supports ?? inner.supports;
      },
      createDatabase: async (...args) => wrapConnection(await (overrides.createDatabase ?? inner.createDatabase.bind(inner))(...args)),
      openDatabase: async (...args) => wrapConnection(await (overrides.openDatabase ?? inner.openDatabase.bind(inner))(...args)),
      restoreDatabase: overrides.restoreDatabase ?? inner.restoreDatabase.bind(inner),
      verify: overrides.verify ?? inner.verify.bind(inner),
      console: overrides.console ?? inner.console.bind(inner),
      dispose: overrides.dispose ?? inner.dispose.bind(inner),
    };
    linkImplementation(wrapper, inner);
    return wrapper;
  };
}
