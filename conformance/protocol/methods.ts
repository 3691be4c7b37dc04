/**
 * The protocol's methods: one per adapter method, plus the handshake and instance lifetime.
 *
 * @packageDocumentation
 */
import type { Connection, Implementation } from '../adapter.js';

/** The protocol version this harness speaks. */
export const PROTOCOL_VERSION = 1;

/** Methods on an implementation instance (params carry `instance`). */
export const INSTANCE_METHODS = ['createDatabase', 'openDatabase', 'restoreDatabase', 'verify', 'console'] as const;

/** Methods on a connection (params carry `connection`), named `connection.<adapter method>`. */
export const CONNECTION_METHODS = [
  'createClass',
  'insert',
  'load',
  'update',
  'delete',
  'count',
  'scan',
  'createUser',
  'dump',
  'backup',
  'incrementalBackup',
  'restore',
  'exportDatabase',
  'importDatabase',
  'close',
] as const;

/** An adapter method of `Connection`. */
export type ConnectionMethod = (typeof CONNECTION_METHODS)[number];
/** An adapter method of `Implementation` that the protocol maps (dispose is `instance.dispose`). */
export type InstanceMethod = (typeof INSTANCE_METHODS)[number];

/** Every method name the protocol knows. */
export const METHODS = [
  'start',
  'instance.create',
  'instance.dispose',
  ...INSTANCE_METHODS,
  ...CONNECTION_METHODS.map((m) => `connection.${m}` as const),
] as const;

/** A protocol method name. */
export type Method = (typeof METHODS)[number];

/**
 * The positional arguments of each adapter method, in order, as they are named in `params`.
 * `callable` is a boolean flag and `listener` a listener description; all others are encoded
 * values (see `values.ts`).
 */
export const ARGUMENTS: Readonly<Record<InstanceMethod | ConnectionMethod, readonly string[]>> = {
  createDatabase: ['url', 'options'],
  openDatabase: ['url', 'user', 'password'],
  restoreDatabase: ['source', 'url', 'options'],
  verify: ['path'],
  console: ['args', 'options'],
  createClass: ['name'],
  insert: ['className', 'content'],
  load: ['rid'],
  update: ['rid', 'content'],
  delete: ['rid'],
  count: ['className'],
  scan: ['className'],
  createUser: ['name', 'password', 'role'],
  dump: [],
  backup: ['out', 'options', 'callable', 'listener', 'compressionLevel', 'bufferSize'],
  incrementalBackup: ['dir'],
  restore: ['source', 'options', 'callable', 'listener'],
  exportDatabase: ['path'],
  importDatabase: ['path'],
  close: [],
};

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Compile-time proof that every adapter method is mapped: adding a method to the adapter without
// mapping it here fails the type check.
true satisfies Same<ConnectionMethod, Exclude<keyof Connection, 'url'>>;
true satisfies Same<InstanceMethod | 'dispose', Exclude<keyof Implementation, 'info' | 'supports'>>;
