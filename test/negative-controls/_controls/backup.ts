/**
 * The negative controls of the backup area (spec/backup.md), declared apart from their test
 * (test/negative-controls/backup.test.ts) so that the coverage check
 * (test/negative-controls/coverage.test.ts) can enumerate them without running them. See the
 * test file for how they are run.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { copyFile, readdir, rename, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { BackupResult, Connection, Implementation } from '../../../conformance/adapter.js';
import { codeOf, delay } from '../../../conformance/assertions.js';
import { negativeControl, type NegativeControl } from '../../../conformance/self-test/negative-control.js';
import { wrapFactory } from '../../../conformance/self-test/wrap.js';
import { manifestJson, moveFirstEntryToDiskOne, rewriteArchive, setManifestJson, sha256 } from '../../backup/_support/zip-rewrite.js';

type Factory = Parameters<NegativeControl['wrap']>[0];
type BackupArgs = Parameters<Connection['backup']>;

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The level a backup writes at: 9 when omitted. */
function levelOf(level: unknown): unknown {
  return level === null || level === undefined ? 9 : level;
}

function isValidBufferSize(size: unknown): size is number {
  return typeof size === 'number' && Number.isInteger(size) && size >= 1 && size <= 1_073_741_824;
}

function isValidLevel(level: unknown): boolean {
  return level === null || level === undefined || (typeof level === 'number' && Number.isInteger(level) && level >= 0 && level <= 9);
}

/** A path outside every scenario's work directory, for archives a control writes on the side. */
function sidePath(): string {
  return join(tmpdir(), `backup-control-${randomUUID()}.zip`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The directory of a `plocal:` connection's database. */
function databaseDirectory(connection: Connection): string | undefined {
  return connection.url.startsWith('plocal:') ? connection.url.slice('plocal:'.length) : undefined;
}

/**
 * Keeps the database locked for 11 s (longer than the 10 s bound of *unlocked*): a backup on the
 * side whose callable sleeps. Resolves once that callable runs, i.e. once the lock is taken.
 */
function freezeFor11Seconds(connection: Connection): Promise<void> {
  const path = sidePath();
  return new Promise<void>((locked) => {
    connection
      .backup({ kind: 'file', path }, null, () => {
        locked();
        return delay(11_000);
      }, null)
      .catch(() => locked())
      .finally(() => void rm(path, { force: true }));
  });
}

/** Per implementation instance: what the wrappers of one control need to share between connections. */
interface Shared {
  /** URL -> number of callables running now. */
  readonly callables: Map<string, number>;
  /** URL -> number of backups running now. */
  readonly backups: Map<string, number>;
  /** URL -> settles with true when the backup running now fails. */
  readonly failing: Map<string, Promise<boolean>>;
  /** URLs whose next write from a connection other than `owner` is refused. */
  readonly poisoned: Map<string, Connection>;
}

const sharedByImplementation = new WeakMap<Implementation, Shared>();

function sharedOf(impl: Implementation): Shared {
  let shared = sharedByImplementation.get(impl);
  if (shared === undefined) {
    shared = { callables: new Map(), backups: new Map(), failing: new Map(), poisoned: new Map() };
    sharedByImplementation.set(impl, shared);
  }
  return shared;
}

function bump(map: Map<string, number>, key: string, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** A control that replaces `backup` of every connection. */
function backupControl(
  name: string,
  breaks: readonly string[],
  description: string,
  backup: (inner: Connection, args: BackupArgs, shared: Shared) => Promise<BackupResult>,
): NegativeControl {
  return negativeControl({
    name,
    breaks,
    description,
    wrap: (factory: Factory) =>
      wrapFactory(factory, {
        connection: (inner, impl) => ({ backup: (...args: BackupArgs) => backup(inner, args, sharedOf(impl)) }),
      }),
  });
}

/** Runs the backup, then (when it succeeded to a file) `after` on the file; reports the file's size as bytes when `after` rewrote it. */
function afterFileBackup(
  name: string,
  breaks: readonly string[],
  description: string,
  applies: (args: BackupArgs, inner: Connection) => boolean | Promise<boolean>,
  after: (path: string, args: BackupArgs, inner: Connection) => Promise<number | void>,
): NegativeControl {
  return backupControl(name, breaks, description, async (inner, args) => {
    const out = args[0];
    const apply = out?.kind === 'file' && (await applies(args, inner));
    const result = await inner.backup(...args);
    if (!apply || out?.kind !== 'file') return result;
    const size = await after(out.path, args, inner);
    return typeof size === 'number' ? { ...result, bytes: size } : result;
  });
}

/** The rewrite level of an archive written at `level` (DEFLATE entries are re-deflated at it). */
function rewriteLevel(level: unknown): number {
  const effective = levelOf(level);
  return typeof effective === 'number' && effective >= 1 ? effective : 9;
}

async function classNames(inner: Connection): Promise<string[]> {
  try {
    return (JSON.parse(await inner.dump()) as { classes: { name: string }[] }).classes.map((info) => info.name);
  } catch {
    return [];
  }
}

/** The negative controls of the backup area. */
export const backupControls: readonly NegativeControl[] = [
  backupControl('null-buffer-size-refused', ['BACKUP-001'], 'treats a null bufferSize as 0 instead of "omitted"', (inner, [o, p, c, l, level, size]) =>
    inner.backup(o, p, c, l, level, size === null ? 0 : size),
  ),
  backupControl('listener-silent-for-streams', ['BACKUP-002'], 'never calls the listener when the output is a stream', (inner, [o, p, c, l, ...rest]) =>
    inner.backup(o, p, c, o?.kind === 'stream' ? null : l, ...rest),
  ),
  backupControl('default-level-six', ['BACKUP-003'], 'compresses at level 6 when the level is omitted', (inner, [o, p, c, l, level, size]) =>
    inner.backup(o, p, c, l, level ?? 6, size),
  ),
  backupControl('default-buffer-size-64k', ['BACKUP-004'], 'uses 64 KiB writes when bufferSize is omitted', (inner, [o, p, c, l, level, size]) =>
    inner.backup(o, p, c, l, level, size ?? 65_536),
  ),
  backupControl('reports-a-phantom-write', ['BACKUP-005'], 'reports one write more than it made', async (inner, args) => {
    const result = await inner.backup(...args);
    return result.writes === undefined ? result : { ...result, writes: [...result.writes, 1] };
  }),
  afterFileBackup(
    'entry-on-another-disk',
    ['BACKUP-006'],
    'marks the first entry of level-1 archives as starting on disk 1 (a multi-disk archive)',
    ([, , , , level]) => level === 1,
    (path) => moveFirstEntryToDiskOne(path),
  ),
  afterFileBackup(
    'forgets-the-metadata-of-empty-databases',
    ['BACKUP-007'],
    'leaves the metadata file out of the archive of a database without classes',
    async (_args, inner) => (await classNames(inner)).length === 0,
    (path, [, , , , level]) => rewriteArchive(path, (archive) => void (archive.entries = archive.entries.filter((entry) => entry.name !== 'database.ocf')), rewriteLevel(level)),
  ),
  // Without a manifest none of its members can be checked: BACKUP-008 to 011 all fail. (Only
  // backups without a listener lose it, so that the summary's entry count stays true.)
  afterFileBackup(
    'no-manifest',
    ['BACKUP-008', 'BACKUP-009', 'BACKUP-010', 'BACKUP-011'],
    'writes archives without backup-manifest.json',
    ([, , , listener]) => listener === null || listener === undefined,
    (path, [, , , , level]) => rewriteArchive(path, (archive) => void (archive.entries = archive.entries.filter((entry) => entry.name !== 'backup-manifest.json')), rewriteLevel(level)),
  ),
  afterFileBackup(
    'wrong-sha-when-a-class-is-empty',
    ['BACKUP-009'],
    'writes a wrong SHA-256 in the manifest of a database that has a class named Empty (when no listener hears of the sizes)',
    async ([, , , listener], inner) => (listener === null || listener === undefined) && (await classNames(inner)).includes('Empty'),
    (path, [, , , , level]) =>
      rewriteArchive(path, (archive) => {
        const manifest = manifestJson(archive);
        const files = manifest.files as { sha256: string }[];
        files[0]!.sha256 = files[0]!.sha256.startsWith('0') ? 'f'.repeat(64) : '0'.repeat(64);
        setManifestJson(archive, manifest);
      }, rewriteLevel(level)),
  ),
  afterFileBackup(
    'fresh-instance-id-per-backup',
    ['BACKUP-010'],
    'writes a new random instanceId into every manifest (of backups without a listener)',
    ([, , , listener]) => listener === null || listener === undefined,
    (path, [, , , , level]) =>
      rewriteArchive(path, (archive) => setManifestJson(archive, { ...manifestJson(archive), instanceId: randomUUID() }), rewriteLevel(level)),
  ),
  afterFileBackup(
    'stale-manifest-time',
    ['BACKUP-011'],
    'writes createdAt as the year 2000 (in backups without a listener)',
    ([, , , listener]) => listener === null || listener === undefined,
    (path, [, , , , level]) =>
      rewriteArchive(path, (archive) => setManifestJson(archive, { ...manifestJson(archive), createdAt: '2000-01-01T00:00:00.000Z' }), rewriteLevel(level)),
  ),
  afterFileBackup(
    'archives-the-lock-file',
    ['BACKUP-013'],
    'archives database.lock and lists it in the manifest (in backups without a listener)',
    ([, , , listener]) => listener === null || listener === undefined,
    (path, [, , , , level]) =>
      rewriteArchive(path, (archive) => {
        const lock = Buffer.from(`${process.pid}\n`);
        const manifest = manifestJson(archive);
        const files = [...(manifest.files as { name: string }[]), { name: 'database.lock', size: lock.length, sha256: sha256(lock) }];
        files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        archive.entries.splice(archive.entries.length - 1, 0, { name: 'database.lock', data: lock, method: archive.entries[0]!.method });
        setManifestJson(archive, { ...manifest, files });
      }, rewriteLevel(level)),
  ),
  backupControl('records-each-backup-in-the-database', ['BACKUP-014'], 'inserts a record into a BackupHistory class after each backup', async (inner, args) => {
    const result = await inner.backup(...args);
    await inner.createClass('BackupHistory').catch(() => undefined);
    await inner.insert('BackupHistory', { at: new Date().toISOString() });
    return result;
  }),
  afterFileBackup(
    'manifest-deflated-at-level-zero',
    ['BACKUP-015'],
    'compresses the manifest entry even at level 0',
    ([, , , , level]) => level === 0,
    (path) =>
      rewriteArchive(path, (archive) => {
        const index = archive.entries.findIndex((entry) => entry.name === 'backup-manifest.json');
        archive.entries[index] = { ...archive.entries[index]!, method: 8 };
      }),
  ),
  backupControl('middle-levels-stored', ['BACKUP-016'], 'writes STORED entries for levels 2 to 8', (inner, [o, p, c, l, level, size]) =>
    inner.backup(o, p, c, l, typeof level === 'number' && Number.isInteger(level) && level >= 2 && level <= 8 ? 0 : level, size),
  ),
  afterFileBackup(
    'level-nine-does-not-compress',
    ['BACKUP-017'],
    'writes DEFLATE entries without compression (stored blocks) at level 9',
    ([, , , , level]) => levelOf(level) === 9,
    (path) =>
      rewriteArchive(path, (archive) => {
        archive.entries = archive.entries.map((entry) => (entry.method === 8 ? { ...entry, level: 0 } : entry));
      }),
  ),
  backupControl('accepts-nan-level', ['BACKUP-018'], 'takes a NaN compressionLevel for "omitted"', (inner, [o, p, c, l, level, size]) =>
    inner.backup(o, p, c, l, Number.isNaN(level) ? undefined : level, size),
  ),
  // BACKUP-002 states the same limit for the manual's example (bufferSize 2048).
  backupControl('writes-twice-the-buffer-size', ['BACKUP-002', 'BACKUP-019'], 'writes chunks of twice bufferSize', (inner, [o, p, c, l, level, size]) =>
    inner.backup(o, p, c, l, level, isValidBufferSize(size) ? Math.min(size * 2, 1_073_741_824) : size),
  ),
  backupControl('delivers-quarter-buffers', ['BACKUP-020'], 'hands the output pieces of a quarter of bufferSize', (inner, [o, p, c, l, level, size]) =>
    inner.backup(o, p, c, l, level, isValidBufferSize(size) ? Math.max(1, Math.floor(size / 4)) : size),
  ),
  backupControl('accepts-buffer-size-zero', ['BACKUP-021'], 'takes bufferSize 0 for "omitted"', (inner, [o, p, c, l, level, size]) =>
    inner.backup(o, p, c, l, level, size === 0 ? undefined : size),
  ),
  backupControl('null-output-gives-invalid-argument', ['BACKUP-023'], 'refuses a null output with ERR_INVALID_ARGUMENT', async (inner, args) => {
    try {
      return await inner.backup(...args);
    } catch (error) {
      if (args[0] === null && codeOf(error) === 'ERR_INVALID_OUTPUT') throw coded('ERR_INVALID_ARGUMENT', 'out is null');
      throw error;
    }
  }),
  backupControl('directory-target-gets-a-default-name', ['BACKUP-024'], 'writes <dir>/backup.zip when the target is a directory', async (inner, [o, ...rest]) => {
    if (o?.kind === 'file' && (await stat(o.path).then((s) => s.isDirectory(), () => false))) return inner.backup({ kind: 'file', path: join(o.path, 'backup.zip') }, ...rest);
    return inner.backup(o, ...rest);
  }),
  backupControl('calls-the-callable-before-refusing-a-level', ['BACKUP-025'], 'runs the callable and reports a file before it checks compressionLevel', async (inner, [o, p, c, l, level, size]) => {
    if (!isValidLevel(level)) {
      await Promise.resolve(c?.()).catch(() => undefined);
      l?.('- Compressing file database.ocf...');
    }
    return inner.backup(o, p, c, l, level, size);
  }),
  backupControl('refuses-only-direct-children-of-the-database', ['BACKUP-027'], 'accepts targets deeper inside the database directory', async (inner, [o, ...rest]) => {
    const dir = databaseDirectory(inner);
    if (o?.kind !== 'file' || dir === undefined) return inner.backup(o, ...rest);
    const inside = relative(dir, o.path);
    if (inside.startsWith('..') || dirname(o.path) === dir) return inner.backup(o, ...rest);
    const side = sidePath();
    const result = await inner.backup({ kind: 'file', path: side }, ...rest);
    await copyFile(side, o.path);
    await rm(side, { force: true });
    return result;
  }),
  backupControl('calls-the-callable-twice', ['BACKUP-028'], 'calls the callable twice under the lock', (inner, [o, p, c, ...rest]) =>
    inner.backup(o, p, c === null ? null : async () => {
      await c();
      await c();
    }, ...rest),
  ),
  // A lock that lets writers in after 50 ms of callable also lets them in during BACKUP-032's
  // long async callable and BACKUP-051's held probe (which takes 300 ms to observe).
  backupControl('callable-lock-times-out-after-50ms', ['BACKUP-029', 'BACKUP-032', 'BACKUP-051'], 'stops holding writers once the callable has run for 50 ms', async (inner, [o, p, c, ...rest]) => {
    if (c === null) return inner.backup(o, p, c, ...rest);
    let running: Promise<void> | undefined;
    const result = await inner.backup(o, p, async () => {
      running = Promise.resolve().then(c);
      await Promise.race([running, delay(50)]);
    }, ...rest);
    try {
      await running;
    } catch (error) {
      throw coded('ERR_CALLABLE_FAILED', `the callable failed: ${(error as Error).message}`);
    }
    return result;
  }),
  negativeControl({
    name: 'point-reads-wait-for-the-callable',
    breaks: ['BACKUP-030'],
    description: 'makes a load issued while a callable runs wait 11 s',
    wrap: (factory: Factory) =>
      wrapFactory(factory, {
        connection: (inner, impl) => {
          const shared = sharedOf(impl);
          return {
            backup: (o, p, c, ...rest) =>
              inner.backup(o, p, c === null ? null : async () => {
                bump(shared.callables, inner.url, 1);
                try {
                  await c();
                } finally {
                  bump(shared.callables, inner.url, -1);
                }
              }, ...rest),
            load: async (rid) => {
              if ((shared.callables.get(inner.url) ?? 0) > 0) await delay(11_000);
              return inner.load(rid);
            },
          };
        },
      }),
  }),
  // The archive is taken after the callable, so the writes it let through (BACKUP-031), in
  // snapshot mode too (051), and the writers started when it returned (053) end up in it.
  backupControl('archives-after-the-callable', ['BACKUP-031', 'BACKUP-051', 'BACKUP-053'], 'runs the callable in one backup and archives in a second one', async (inner, [o, p, c, l, level, size]) => {
    if (c === null || o === null) return inner.backup(o, p, c, l, level, size);
    // A dry run checks the arguments and the target as the real backup would, then stops at the lock.
    const dryRun = await inner
      .backup(o, p, () => {
        throw new Error('dry run');
      }, null, level, size)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    if (codeOf(dryRun) !== 'ERR_CALLABLE_FAILED') throw dryRun;
    const first = sidePath();
    try {
      await inner.backup({ kind: 'file', path: first }, p, c, null, level, size);
    } finally {
      await rm(first, { force: true });
    }
    if (o.kind !== 'file') return inner.backup(o, p, null, l, level, size);
    const second = sidePath();
    try {
      const result = await inner.backup({ kind: 'file', path: second }, p, null, l, level, size);
      await rename(second, o.path).catch(async () => {
        await copyFile(second, o.path).catch((error: unknown) => {
          throw coded('ERR_OUTPUT_FAILED', `cannot put the archive at ${o.path}: ${(error as Error).message}`);
        });
      });
      return result;
    } finally {
      await rm(second, { force: true });
    }
  }),
  backupControl('waits-at-most-one-second-for-the-callable', ['BACKUP-032'], 'goes on without the callable after 1 s', async (inner, [o, p, c, ...rest]) => {
    if (c === null) return inner.backup(o, p, c, ...rest);
    let running: Promise<void> | undefined;
    const result = await inner.backup(o, p, async () => {
      running = Promise.resolve().then(c);
      await Promise.race([running, delay(1000)]);
    }, ...rest);
    await running?.catch(() => undefined);
    return result;
  }),
  backupControl('stays-frozen-after-a-failed-callable', ['BACKUP-033'], 'keeps the database locked for 11 s after its callable failed', async (inner, args) => {
    try {
      return await inner.backup(...args);
    } catch (error) {
      if (codeOf(error) === 'ERR_CALLABLE_FAILED') await freezeFor11Seconds(inner);
      throw error;
    }
  }),
  // Leaving a partial file after an aborted backup fails BACKUP-035 (which says the same for a
  // callable's failure, as a SHOULD) with BACKUP-055.
  backupControl('leaves-a-partial-file-after-an-aborted-backup', ['BACKUP-035', 'BACKUP-055'], 'leaves an empty file at the target when its callable failed', async (inner, args) => {
    try {
      return await inner.backup(...args);
    } catch (error) {
      const out = args[0];
      if (codeOf(error) === 'ERR_CALLABLE_FAILED' && out?.kind === 'file' && !(await exists(out.path))) await writeFile(out.path, '').catch(() => undefined);
      throw error;
    }
  }),
  backupControl('listener-omits-sizes', ['BACKUP-037', 'BACKUP-038'], 'reports "ok" without sizes or ratio after each file', (inner, [o, p, c, l, ...rest]) =>
    // The per-file numbers are what BACKUP-037 asks for and part of the wording of BACKUP-038.
    inner.backup(o, p, c, l === null ? null : (message: string) => l(message.startsWith('ok size=') ? 'ok' : message), ...rest),
  ),
  backupControl('no-summary', ['BACKUP-039'], 'sends no summary at the end', async (inner, [o, p, c, l, ...rest]) => {
    if (l === null) return inner.backup(o, p, c, l, ...rest);
    let held: string | undefined;
    const result = await inner.backup(o, p, c, (message: string) => {
      if (held !== undefined) l(held);
      held = message;
    }, ...rest);
    return result;
  }),
  backupControl('freezes-after-a-listener-that-failed-late', ['BACKUP-040'], 'keeps the database locked for 11 s when the listener failed after it had worked', async (inner, [o, p, c, l, ...rest]) => {
    if (l === null) return inner.backup(o, p, c, l, ...rest);
    let worked = false;
    let failedLate = false;
    const result = await inner.backup(o, p, c, (message: string) => {
      try {
        l(message);
        worked = true;
      } catch (error) {
        if (worked) failedLate = true;
        throw error;
      }
    }, ...rest);
    if (failedLate) await freezeFor11Seconds(inner);
    return result;
  }),
  negativeControl({
    name: 'refuses-the-next-foreign-write-after-a-plain-backup',
    breaks: ['BACKUP-042'],
    description: 'after a backup without callable and listener, the next write from another connection fails with ERR_DATABASE_FROZEN',
    wrap: (factory: Factory) =>
      wrapFactory(factory, {
        connection: (inner, impl) => {
          const shared = sharedOf(impl);
          const guard = <T>(write: () => Promise<T>): Promise<T> => {
            const owner = shared.poisoned.get(inner.url);
            if (owner !== undefined && owner !== inner) {
              shared.poisoned.delete(inner.url);
              return Promise.reject(coded('ERR_DATABASE_FROZEN', 'the database is still frozen by the last backup'));
            }
            return write();
          };
          return {
            backup: async (...args: BackupArgs) => {
              const result = await inner.backup(...args);
              if (args[2] === null && args[3] === null) shared.poisoned.set(inner.url, inner);
              return result;
            },
            insert: (className, content) => guard(() => inner.insert(className, content)),
            update: (rid, content) => guard(() => inner.update(rid, content)),
            delete: (rid) => guard(() => inner.delete(rid)),
          };
        },
      }),
  }),
  backupControl('swallows-stream-failures', ['BACKUP-043'], 'resolves when the stream output fails', async (inner, args) => {
    try {
      return await inner.backup(...args);
    } catch (error) {
      if (args[0]?.kind === 'stream' && args[0].failAfterBytes !== undefined && codeOf(error) === 'ERR_OUTPUT_FAILED') return { bytes: 0, writes: [] };
      throw error;
    }
  }),
  backupControl('misreports-a-vanished-output-directory', ['BACKUP-044'], 'reports ERR_INVALID_OUTPUT when the target directory vanished during the backup', async (inner, args) => {
    try {
      return await inner.backup(...args);
    } catch (error) {
      const out = args[0];
      if (out?.kind === 'file' && codeOf(error) === 'ERR_OUTPUT_FAILED' && !(await exists(dirname(out.path)))) throw coded('ERR_INVALID_OUTPUT', `${dirname(out.path)} does not exist`);
      throw error;
    }
  }),
  backupControl('stall-timeout-thirty-times-too-long', ['BACKUP-045'], 'waits thirty times stallTimeoutMs when it is under a second', (inner, [o, p, ...rest]) => {
    const timeout = p?.stallTimeoutMs;
    return inner.backup(o, typeof timeout === 'number' && Number.isInteger(timeout) && timeout > 0 && timeout < 1000 ? { ...p, stallTimeoutMs: timeout * 30 } : p, ...rest);
  }),
  negativeControl({
    name: 'rejects-writes-held-by-a-failed-backup',
    breaks: ['BACKUP-046'],
    description: 'a write issued while the callable ran fails with ERR_DATABASE_FROZEN when the backup fails',
    wrap: (factory: Factory) =>
      wrapFactory(factory, {
        connection: (inner, impl) => {
          const shared = sharedOf(impl);
          return {
            backup: (o, p, c, ...rest) => {
              let settle!: (failed: boolean) => void;
              const failing = new Promise<boolean>((resolve) => (settle = resolve));
              const backup = inner.backup(o, p, c === null ? null : async () => {
                bump(shared.callables, inner.url, 1);
                shared.failing.set(inner.url, failing);
                try {
                  await c();
                } finally {
                  bump(shared.callables, inner.url, -1);
                }
              }, ...rest);
              backup.then(() => settle(false), () => settle(true));
              return backup;
            },
            insert: async (className, content) => {
              const failing = (shared.callables.get(inner.url) ?? 0) > 0 ? shared.failing.get(inner.url) : undefined;
              const record = await inner.insert(className, content);
              if (failing !== undefined && (await failing)) throw coded('ERR_DATABASE_FROZEN', 'the backup that held this write failed');
              return record;
            },
          };
        },
      }),
  }),
  backupControl('freeze-acts-as-snapshot', ['BACKUP-047'], 'lets writers go on during the copy in freeze mode', (inner, [o, p, ...rest]) =>
    inner.backup(o, p !== null && typeof p === 'object' && !Array.isArray(p) && (p.mode === undefined || p.mode === 'freeze') ? { ...p, mode: 'snapshot' } : p === null ? { mode: 'snapshot' } : p, ...rest),
  ),
  backupControl('corrupts-concurrent-backups', ['BACKUP-048'], 'truncates the archive of a backup started while another one ran', async (inner, args, shared) => {
    const overlapping = (shared.backups.get(inner.url) ?? 0) > 0;
    bump(shared.backups, inner.url, 1);
    try {
      const result = await inner.backup(...args);
      const out = args[0];
      if (overlapping && out?.kind === 'file') await truncate(out.path, Math.floor(result.bytes / 2));
      return result;
    } finally {
      bump(shared.backups, inner.url, -1);
    }
  }),
  backupControl('ignores-unknown-option-keys', ['BACKUP-049'], 'drops option keys it does not know', (inner, [o, p, ...rest]) =>
    inner.backup(o, p !== null && typeof p === 'object' && !Array.isArray(p) ? Object.fromEntries(Object.entries(p).filter(([key]) => key === 'mode' || key === 'stallTimeoutMs')) : p, ...rest),
  ),
  backupControl('ignores-unknown-modes', ['BACKUP-050'], 'takes a mode other than freeze or snapshot for the default', (inner, [o, p, ...rest]) => {
    if (p === null || typeof p !== 'object' || Array.isArray(p) || p.mode === undefined || p.mode === 'freeze' || p.mode === 'snapshot') return inner.backup(o, p, ...rest);
    const { mode: _mode, ...others } = p;
    return inner.backup(o, others, ...rest);
  }),
  // A snapshot mode that holds writers throughout leaves BACKUP-053's scenario no writes to
  // race the copy with, which its scenario requires.
  backupControl('snapshot-acts-as-freeze', ['BACKUP-052', 'BACKUP-053'], 'holds writers for the whole backup in snapshot mode', (inner, [o, p, ...rest]) =>
    inner.backup(o, p !== null && typeof p === 'object' && p.mode === 'snapshot' ? { ...p, mode: 'freeze' } : p, ...rest),
  ),
  backupControl('leaves-a-temporary-file-beside-the-archive', ['BACKUP-054'], 'leaves a .tmp copy beside the archive when its directory already holds other files', async (inner, args) => {
    const out = args[0];
    const crowded = out?.kind === 'file' && (await readdir(dirname(out.path), { withFileTypes: true }).then((entries) => entries.some((entry) => entry.isFile() && join(dirname(out.path), entry.name) !== out.path), () => false));
    const result = await inner.backup(...args);
    if (crowded && out?.kind === 'file') await copyFile(out.path, `${out.path}.partial.tmp`);
    return result;
  }),
  backupControl('removes-an-existing-target-first', ['BACKUP-056'], 'deletes a file at the target before it starts', async (inner, args) => {
    const out = args[0];
    if (out?.kind === 'file') await unlink(out.path).catch(() => undefined);
    return inner.backup(...args);
  }),
  backupControl('hides-source-changes', ['BACKUP-057'], 'resolves as if it had succeeded when a source file changed', async (inner, args) => {
    try {
      return await inner.backup(...args);
    } catch (error) {
      if (codeOf(error) === 'ERR_SOURCE_CHANGED') return { bytes: 0 };
      throw error;
    }
  }),
  backupControl('plain-closed-backup-reports-io', ['BACKUP-058'], 'reports ERR_IO for a backup without callable and listener through a closed connection', async (inner, args) => {
    try {
      return await inner.backup(...args);
    } catch (error) {
      if (codeOf(error) === 'ERR_DATABASE_CLOSED' && args[0] !== null && args[2] === null && args[3] === null) throw coded('ERR_IO', 'cannot read the database');
      throw error;
    }
  }),
  backupControl('backs-up-memory-databases-as-nothing', ['BACKUP-059'], 'resolves a plain backup of a memory: database without writing anything', async (inner, args) => {
    if (inner.url.startsWith('memory:') && args[0] !== null && args[2] === null && args[3] === null) return { bytes: 0 };
    return inner.backup(...args);
  }),
  negativeControl({
    name: 'remote-refused-as-invalid-url',
    breaks: ['BACKUP-060'],
    description: 'refuses remote: URLs with ERR_INVALID_URL',
    wrap: (factory: Factory) =>
      wrapFactory(factory, {
        implementation: (inner) => ({
          createDatabase: (url, options) => (url.startsWith('remote:') ? Promise.reject(coded('ERR_INVALID_URL', url)) : inner.createDatabase(url, options)),
          openDatabase: (url, user, password) => (url.startsWith('remote:') ? Promise.reject(coded('ERR_INVALID_URL', url)) : inner.openDatabase(url, user, password)),
        }),
      }),
  }),
  // Ignoring the user's role lets writers back up as well as readers (BACKUP-062, a SHOULD).
  negativeControl({
    name: 'backs-up-with-server-privileges',
    breaks: ['BACKUP-061', 'BACKUP-062'],
    description: 'retries a backup refused for its role as admin',
    wrap: (factory: Factory) =>
      wrapFactory(factory, {
        connection: (inner, impl) => ({
          backup: async (...args: BackupArgs) => {
            try {
              return await inner.backup(...args);
            } catch (error) {
              if (codeOf(error) !== 'ERR_PERMISSION_DENIED' || args[0] === null || args[2] !== null || args[3] !== null) throw error;
              const admin = await impl.openDatabase(inner.url, 'admin', 'admin');
              try {
                return await admin.backup(...args);
              } finally {
                await admin.close();
              }
            }
          },
        }),
      }),
  }),
  afterFileBackup(
    'drops-the-tail-at-odd-buffer-sizes',
    ['BACKUP-063'],
    'loses the last, partly filled buffer when bufferSize is neither a power of two nor a multiple of 100',
    ([, , , , , size]) => typeof size === 'number' && size > 1 && (size & (size - 1)) !== 0 && size % 100 !== 0,
    async (path, [, , , , , size]) => {
      const bytes = (await stat(path)).size;
      const kept = Math.floor(bytes / (size as number)) * (size as number);
      await truncate(path, kept);
      return kept;
    },
  ),
  negativeControl({
    name: 'close-waits-out-held-writes',
    breaks: ['BACKUP-064'],
    description: 'lets close() resolve at once but closes the connection only after its pending writes settled, so a write held by a backup lands after the close',
    wrap: (factory: Factory) =>
      wrapFactory(factory, {
        connection: (inner) => {
          const pending = new Set<Promise<unknown>>();
          const track = <T>(write: Promise<T>): Promise<T> => {
            pending.add(write);
            const forget = (): void => void pending.delete(write);
            write.then(forget, forget);
            return write;
          };
          return {
            insert: (className, content) => track(inner.insert(className, content)),
            update: (rid, content) => track(inner.update(rid, content)),
            delete: (rid) => track(inner.delete(rid)),
            close: async () => {
              if (pending.size === 0) return inner.close();
              void Promise.allSettled([...pending]).then(() => inner.close());
            },
          };
        },
      }),
  }),
  negativeControl({
    name: 'close-waits-for-own-backup',
    breaks: ['BACKUP-065'],
    description: 'makes close() of a connection wait until its own running backup settled',
    wrap: (factory: Factory) =>
      wrapFactory(factory, {
        connection: (inner) => {
          const running = new Set<Promise<unknown>>();
          return {
            backup: (...args: BackupArgs) => {
              const backup = inner.backup(...args);
              const settled = backup.then(
                () => undefined,
                () => undefined,
              );
              running.add(settled);
              void settled.then(() => running.delete(settled));
              return backup;
            },
            close: async () => {
              await Promise.all([...running]);
              return inner.close();
            },
          };
        },
      }),
  }),
];

/** The MUST requirements no control breaks, with the reason (none expected). */
export const backupUncontrolled: ReadonlyMap<string, string> = new Map();
