import type { FileSystem } from '../../src/fs/index.js';

/**
 * `base` with some of its members replaced: a test's way to make one file-system call fail or
 * behave oddly while the others work. A member set to `undefined` is removed (an optional
 * operation the file system then lacks, such as `link`).
 */
export function overriding(base: FileSystem, overrides: Partial<Record<keyof FileSystem, unknown>>): FileSystem {
  return new Proxy(base, {
    get(target, key) {
      if (Object.prototype.hasOwnProperty.call(overrides, key)) return overrides[key as keyof FileSystem];
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
