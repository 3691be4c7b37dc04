/**
 * The negative controls of the storage area (spec/storage.md), declared apart from their test
 * (test/negative-controls/storage.test.ts) so that the coverage check
 * (test/negative-controls/coverage.test.ts) can enumerate them without running them. See the
 * test file for how they are run.
 *
 * @packageDocumentation
 */
import type { Connection, Implementation, JsonObject, JsonValue } from '../../../conformance/adapter.js';
import { codeOf } from '../../../conformance/assertions.js';
import { negativeControl, type NegativeControl } from '../../../conformance/self-test/negative-control.js';
import { wrapFactory } from '../../../conformance/self-test/wrap.js';

/** What a wrapper remembers about the databases one implementation instance created and opened. */
interface Tracked {
  /** URL -> credentials of the admin the database was created with. */
  readonly admins: Map<string, { user: string; password: string }>;
  /** URLs of databases created without credentials. */
  readonly createdWithDefaults: Set<string>;
  /** URL -> user -> password, for every user created through the wrapper. */
  readonly passwords: Map<string, Map<string, string>>;
  /** URL -> open connections. */
  readonly open: Map<string, Set<Connection>>;
  /** URL -> class names, in creation order. */
  readonly classes: Map<string, string[]>;
  /** URL -> RID -> contents given, oldest first. */
  readonly contents: Map<string, Map<string, JsonObject[]>>;
  /** URL -> RIDs in the order of their last update. */
  readonly updated: Map<string, string[]>;
}

const trackedByImplementation = new WeakMap<Implementation, Tracked>();

function trackedOf(inner: Implementation): Tracked {
  let tracked = trackedByImplementation.get(inner);
  if (tracked === undefined) {
    tracked = {
      admins: new Map(),
      createdWithDefaults: new Set(),
      passwords: new Map(),
      open: new Map(),
      classes: new Map(),
      contents: new Map(),
      updated: new Map(),
    };
    trackedByImplementation.set(inner, tracked);
  }
  return tracked;
}

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

type Factory = Parameters<NegativeControl['wrap']>[0];
type ImplementationPart = Partial<Pick<Implementation, 'createDatabase' | 'openDatabase'>>;
type ConnectionPart = Partial<Omit<Connection, 'url'>>;

/** Overrides that keep {@link Tracked} up to date; a control's own overrides call them to stay tracked. */
function trackingImplementation(inner: Implementation, tracked: Tracked): Required<ImplementationPart> {
  const remember = (url: string, connection: Connection): Connection => {
    entry(tracked.open, url, () => new Set()).add(connection);
    return connection;
  };
  return {
    createDatabase: async (url, options) => {
      const connection = await inner.createDatabase(url, options);
      const user = options?.user ?? 'admin';
      const password = options?.password ?? 'admin';
      tracked.admins.set(url, { user, password });
      if (options?.user === undefined && options?.password === undefined) tracked.createdWithDefaults.add(url);
      entry(tracked.passwords, url, () => new Map()).set(user, password);
      return remember(url, connection);
    },
    openDatabase: async (url, user, password) => remember(url, await inner.openDatabase(url, user, password)),
  };
}

function trackingConnection(inner: Connection, tracked: Tracked): Required<Pick<Connection, 'createClass' | 'insert' | 'update' | 'createUser' | 'close'>> {
  const url = inner.url;
  return {
    createClass: async (name) => {
      await inner.createClass(name);
      entry(tracked.classes, url, () => []).push(name);
    },
    insert: async (className, content) => {
      const record = await inner.insert(className, content);
      entry(tracked.contents, url, () => new Map()).set(record.rid, [content]);
      return record;
    },
    update: async (rid, content) => {
      const record = await inner.update(rid, content);
      entry(entry(tracked.contents, url, () => new Map()), rid, () => []).push(content);
      const order = entry(tracked.updated, url, () => []);
      if (order.includes(rid)) order.splice(order.indexOf(rid), 1);
      order.push(rid);
      return record;
    },
    createUser: async (name, password, role) => {
      await inner.createUser(name, password, role);
      entry(tracked.passwords, url, () => new Map()).set(name, password);
    },
    close: async () => {
      tracked.open.get(url)?.delete(inner);
      await inner.close();
    },
  };
}

/** What a control changes, given the wrapped object, the tracked facts and the tracking overrides. */
interface Misbehaviour {
  readonly implementation?: (inner: Implementation, tracked: Tracked, base: Required<ImplementationPart>) => ImplementationPart;
  readonly connection?: (inner: Connection, tracked: Tracked, base: ReturnType<typeof trackingConnection>) => ConnectionPart;
}

/** Wraps `factory` so that it tracks what was done through it and misbehaves as `misbehaviour` says. */
function misbehave(factory: Factory, misbehaviour: Misbehaviour): Factory {
  return wrapFactory(factory, {
    implementation: (inner) => {
      const tracked = trackedOf(inner);
      const base = trackingImplementation(inner, tracked);
      return { ...base, ...misbehaviour.implementation?.(inner, tracked, base) };
    },
    connection: (inner, impl) => {
      const tracked = trackedOf(impl);
      const base = trackingConnection(inner, tracked);
      return { ...base, ...misbehaviour.connection?.(inner, tracked, base) };
    },
  });
}

/** Declares a control built with {@link misbehave}. */
function control(name: string, description: string, breaks: string[], misbehaviour: Misbehaviour): NegativeControl {
  return negativeControl({ name, description, breaks, wrap: (factory) => misbehave(factory, misbehaviour) });
}

/** Resolves `action`, turning a rejection with `code` into `fallback()`. */
async function unless<T>(code: string, action: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (codeOf(error) !== code) throw error;
    return fallback();
  }
}

/** Re-serialises a parsed dump (its members are in the order the canonical dump put them). */
function serialise(dump: unknown): string {
  return JSON.stringify(dump);
}

interface DumpShape {
  classes: { name: string; records: { content: JsonValue; rid: string; version: number }[] }[];
  format: string;
  users: { name: string; role: string }[];
}

/** The negative controls of the storage area. */
export const storageControls: readonly NegativeControl[] = [
  control('plocal-ignores-path', 'stores a plocal: database beside the directory its URL names', ['STORAGE-001'], {
    implementation: (inner, _tracked, base) => {
      // Only absolute paths: a malformed URL such as `plocal:` must stay malformed (and create nothing in the working directory).
      const moved = (url: string): string => (url.startsWith('plocal:/') ? `${url}-data` : url);
      return {
        createDatabase: (url, options) => base.createDatabase(moved(url), options),
        openDatabase: (url, user, password) => base.openDatabase(moved(url), user, password),
      };
    },
  }),
  control('default-admin-not-admin', 'lists the default admin of a database created without credentials with role writer', ['STORAGE-002'], {
    connection: (inner, tracked) => ({
      dump: async () => {
        const dump = await inner.dump();
        if (!tracked.createdWithDefaults.has(inner.url)) return dump;
        return dump.replace('{"name":"admin","role":"admin"}', '{"name":"admin","role":"writer"}');
      },
    }),
  }),
  control('ignores-given-credentials', 'creates admin/admin whatever user and password createDatabase is given', ['STORAGE-003'], {
    implementation: (_inner, _tracked, base) => ({ createDatabase: (url) => base.createDatabase(url) }),
  }),
  control('create-opens-existing', 'createDatabase over an existing database opens it instead of refusing', ['STORAGE-004'], {
    implementation: (_inner, _tracked, base) => ({
      createDatabase: (url, options) =>
        unless('ERR_DATABASE_EXISTS', () => base.createDatabase(url, options), () =>
          base.openDatabase(url, options?.user ?? 'admin', options?.password ?? 'admin'),
        ),
    }),
  }),
  control('open-creates-missing', 'openDatabase of a missing database creates it', ['STORAGE-005'], {
    implementation: (_inner, _tracked, base) => ({
      openDatabase: (url, user, password) =>
        unless('ERR_DATABASE_NOT_FOUND', () => base.openDatabase(url, user, password), () => base.createDatabase(url, { user, password })),
    }),
  }),
  control('passwords-ignore-case', 'accepts a password that differs in case or by surrounding blanks', ['STORAGE-006'], {
    implementation: (_inner, tracked, base) => ({
      openDatabase: (url, user, password) => {
        const stored = tracked.passwords.get(url)?.get(user);
        const loose = (text: string): string => text.trim().toLowerCase();
        return base.openDatabase(url, user, stored !== undefined && loose(stored) === loose(password) ? stored : password);
      },
    }),
  }),
  control('bare-path-as-plocal', 'takes an absolute path without a scheme for a plocal: URL', ['STORAGE-007'], {
    implementation: (_inner, _tracked, base) => {
      const fixed = (url: string): string => (url.startsWith('/') ? `plocal:${url}` : url);
      return {
        createDatabase: (url, options) => base.createDatabase(fixed(url), options),
        openDatabase: (url, user, password) => base.openDatabase(fixed(url), user, password),
      };
    },
  }),
  control('remote-is-invalid-url', 'refuses remote: URLs as malformed', ['STORAGE-008'], {
    implementation: (_inner, _tracked, base) => {
      const check = (url: string): void => {
        if (url.startsWith('remote:')) throw coded('ERR_INVALID_URL', `'${url}' is not a database URL`);
      };
      return {
        createDatabase: async (url, options) => (check(url), base.createDatabase(url, options)),
        openDatabase: async (url, user, password) => (check(url), base.openDatabase(url, user, password)),
      };
    },
  }),
  control('remote-without-orientdb-words', 'refuses remote: URLs with the right code but a message of its own', ['STORAGE-008'], {
    implementation: (_inner, _tracked, base) => {
      const check = (url: string): void => {
        if (url.startsWith('remote:')) throw coded('ERR_REMOTE_NOT_SUPPORTED', 'remote databases are unavailable');
      };
      return {
        createDatabase: async (url, options) => (check(url), base.createDatabase(url, options)),
        openDatabase: async (url, user, password) => (check(url), base.openDatabase(url, user, password)),
      };
    },
  }),
  control('memory-ignores-deletes', 'resolves deletes on memory: databases without deleting', ['STORAGE-009'], {
    connection: (inner) => ({
      delete: async (rid) => {
        if (!inner.url.startsWith('memory:')) await inner.delete(rid);
      },
    }),
  }),
  control('duplicate-user-accepted', 'resolves createUser for a name that exists, changing nothing', ['STORAGE-010'], {
    connection: (_inner, _tracked, base) => ({
      createUser: (name, password, role) => unless('ERR_USER_EXISTS', () => base.createUser(name, password, role), () => undefined),
    }),
  }),
  control('roles-not-enforced', 'checks passwords but gives every session the admin\'s rights', ['STORAGE-011'], {
    implementation: (inner, tracked, base) => ({
      openDatabase: async (url, user, password) => {
        const admin = tracked.admins.get(url);
        if (admin === undefined || user === admin.user) return base.openDatabase(url, user, password);
        await (await inner.openDatabase(url, user, password)).close();
        return base.openDatabase(url, admin.user, admin.password);
      },
    }),
  }),
  control('class-names-case-sensitive', 'accepts a class whose name differs from an existing one only in case', ['STORAGE-012'], {
    connection: (inner, tracked, base) => ({
      createClass: (name) =>
        unless('ERR_CLASS_EXISTS', () => base.createClass(name), () => {
          if (tracked.classes.get(inner.url)?.includes(name) === true) throw coded('ERR_CLASS_EXISTS', `Class '${name}' exists`);
        }),
    }),
  }),
  control('missing-class-counts-zero', 'counts and scans a class that does not exist as empty', ['STORAGE-012', 'STORAGE-017'], {
    connection: (inner) => ({
      count: (name) => unless('ERR_CLASS_NOT_FOUND', () => inner.count(name), () => 0),
      scan: (name) => unless('ERR_CLASS_NOT_FOUND', () => inner.scan(name), () => []),
    }),
  }),
  control('wraps-non-object-content', 'stores a content that is not an object inside one instead of refusing it', ['STORAGE-013'], {
    connection: (_inner, _tracked, base) => ({
      insert: async (className, content) => {
        if (typeof content === 'object' && content !== null && !Array.isArray(content)) return base.insert(className, content);
        const record = await base.insert(className, { value: content as JsonValue });
        return { ...record, content };
      },
    }),
  }),
  control('malformed-rid-not-found', 'answers a malformed RID with ERR_RECORD_NOT_FOUND', ['STORAGE-014'], {
    connection: (inner) => ({
      load: async (rid) => {
        if (!/^#\d+:\d+$/.test(rid)) throw coded('ERR_RECORD_NOT_FOUND', `no record ${rid}`);
        return inner.load(rid);
      },
    }),
  }),
  control('echoes-given-rid', 'answers load and update with the RID as the caller wrote it', ['STORAGE-014'], {
    connection: (inner, _tracked, base) => ({
      load: async (rid) => ({ ...(await inner.load(rid)), rid }),
      update: async (rid, content) => ({ ...(await base.update(rid, content)), rid }),
    }),
  }),
  control('update-resolves-old-version', 'resolves an update with the version the record had before', ['STORAGE-015'], {
    connection: (_inner, _tracked, base) => ({
      update: async (rid, content) => {
        const record = await base.update(rid, content);
        return { ...record, version: record.version - 1 };
      },
    }),
  }),
  control('relocation-changes-rid', 'moves a record updated to 100 KiB or more to a new RID', ['STORAGE-015', 'STORAGE-018'], {
    connection: (inner, _tracked, base) => ({
      update: async (rid, content) => {
        if (Buffer.byteLength(JSON.stringify(content)) < 100 * 1024) return base.update(rid, content);
        const { version } = await inner.load(rid);
        await inner.delete(rid);
        const className = await classOfRid(inner, rid);
        const moved = await base.insert(className, content);
        return { ...moved, version: version + 1 };
      },
    }),
  }),
  control('delete-missing-accepted', 'resolves the delete of a record that does not exist', ['STORAGE-016'], {
    connection: (inner) => ({ delete: (rid) => unless('ERR_RECORD_NOT_FOUND', () => inner.delete(rid), () => undefined) }),
  }),
  control('scan-newest-first', 'scans a class from its last record to its first', ['STORAGE-017'], {
    connection: (inner) => ({ scan: async (name) => (await inner.scan(name)).reverse() }),
  }),
  control('truncates-long-strings', 'keeps only the first 512 KiB of each string of a record', ['STORAGE-018'], {
    connection: (_inner, _tracked, base) => {
      const cut = (value: JsonValue): JsonValue => {
        if (typeof value === 'string') return value.slice(0, 512 * 1024);
        if (Array.isArray(value)) return value.map(cut);
        if (value === null || typeof value !== 'object') return value;
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, cut(item)]));
      };
      return {
        insert: async (className, content) => ({ ...(await base.insert(className, cut(content) as JsonObject)), content }),
        update: async (rid, content) => ({ ...(await base.update(rid, cut(content) as JsonObject)), content }),
      };
    },
  }),
  control('close-closes-all', 'closes every connection to the database when one is closed', ['STORAGE-019'], {
    connection: (inner, tracked, base) => ({
      close: async () => {
        const others = [...(tracked.open.get(inner.url) ?? [])];
        await base.close();
        for (const other of others) await other.close();
      },
    }),
  }),
  control('closed-count-zero', 'counts zero records on a closed connection instead of refusing', ['STORAGE-020'], {
    connection: (inner, _tracked, base) => {
      let closed = false;
      return {
        close: async () => {
          closed = true;
          await base.close();
        },
        count: async (name) => (closed ? 0 : inner.count(name)),
      };
    },
  }),
  control('dump-keeps-member-order', 'dumps each record content with its members in the order they were given', ['STORAGE-021', 'STORAGE-022'], {
    connection: (inner, tracked) => ({
      dump: async () => {
        const dump = JSON.parse(await inner.dump()) as DumpShape;
        const given = tracked.contents.get(inner.url);
        for (const record of dump.classes.flatMap((c) => c.records)) {
          const contents = given?.get(record.rid);
          if (contents !== undefined) record.content = contents[contents.length - 1] as JsonObject;
        }
        return serialise(dump);
      },
    }),
  }),
  control('dump-orders-by-last-change', 'lists updated records after the others, in the order of their last update', ['STORAGE-021'], {
    connection: (inner, tracked) => ({
      dump: async () => {
        const dump = JSON.parse(await inner.dump()) as DumpShape;
        const order = tracked.updated.get(inner.url) ?? [];
        for (const c of dump.classes) {
          const rank = (rid: string): number => (order.includes(rid) ? 1 + order.indexOf(rid) : 0);
          c.records = c.records.map((record, index) => ({ record, index })).sort((a, b) => rank(a.record.rid) - rank(b.record.rid) || a.index - b.index).map((x) => x.record);
        }
        return serialise(dump);
      },
    }),
  }),
  control('dump-classes-in-creation-order', 'lists classes in the order they were created, not by name', ['STORAGE-022'], {
    connection: (inner, tracked) => ({
      dump: async () => {
        const dump = JSON.parse(await inner.dump()) as DumpShape;
        const created = tracked.classes.get(inner.url) ?? [];
        dump.classes.sort((a, b) => created.indexOf(a.name) - created.indexOf(b.name));
        return serialise(dump);
      },
    }),
  }),
  control('loses-last-update-on-close', 'puts back the previous content of the last updated record when the last connection closes', ['STORAGE-023'], {
    connection: (inner, tracked, base) => ({
      close: async () => {
        const open = tracked.open.get(inner.url);
        const last = tracked.updated.get(inner.url)?.at(-1);
        const history = last === undefined ? undefined : tracked.contents.get(inner.url)?.get(last);
        if (open?.size === 1 && open.has(inner) && last !== undefined && history !== undefined && history.length > 1) {
          await unless('ERR_RECORD_NOT_FOUND', () => inner.update(last, history[history.length - 2] as JsonObject).then(() => undefined), () => undefined);
        }
        await base.close();
      },
    }),
  }),
];

/** The class of the record at `rid`, found by scanning the classes of the dump. */
async function classOfRid(connection: Connection, rid: string): Promise<string> {
  const dump = JSON.parse(await connection.dump()) as DumpShape;
  const found = dump.classes.find((c) => c.records.some((record) => record.rid === rid));
  if (found === undefined) throw coded('ERR_RECORD_NOT_FOUND', `no record ${rid}`);
  return found.name;
}
