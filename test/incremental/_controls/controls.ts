/**
 * Negative controls of the incremental area: each wraps the reference implementation into a
 * deliberately broken one, and declares the requirements the suite must then report as failing
 * (and no others). Where one defect necessarily fails several requirements, `breaks` lists them
 * all and the description says why.
 *
 * The defects are made in three ways: translating what a method resolves or rejects (a check
 * missing, another code), rewriting the files a backup wrote as a defective writer would have
 * written them (`chain-files.ts`), and reaching the engine session behind a connection.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Connection, Implementation, ImplementationFactory, RestoreOptions, RestoreSource } from '../../../conformance/adapter.js';
import { codeOf, delay } from '../../../conformance/assertions.js';
import { type NegativeControl, negativeControl } from '../../../conformance/self-test/negative-control.js';
import { type ConnectionOverrides, type ImplementationOverrides, wrapFactory } from '../../../conformance/self-test/wrap.js';
import type { ReferenceConnection } from '../../../src/adapter/index.js';
import { readableManifests, rewriteChainFile, type ChainFileChange } from './chain-files.js';

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

function connections(overrides: (inner: Connection) => ConnectionOverrides): (factory: ImplementationFactory) => ImplementationFactory {
  return (factory) => wrapFactory(factory, { connection: (inner) => overrides(inner) });
}

function both(
  connection: (inner: Connection) => ConnectionOverrides,
  implementation: (inner: Implementation) => ImplementationOverrides,
): (factory: ImplementationFactory) => ImplementationFactory {
  return (factory) => wrapFactory(factory, { connection: (inner) => connection(inner), implementation });
}

/** Runs `action`; a rejection with a code in `codes` goes to `instead` (which resolves or throws what the broken implementation would). */
async function onCode<T>(action: Promise<T>, codes: readonly string[], instead: (error: Error) => Promise<T> | T): Promise<T> {
  try {
    return await action;
  } catch (error) {
    if (codes.includes(codeOf(error) ?? '')) return instead(error as Error);
    throw error;
  }
}

/** A backup whose written file is rewritten by `change` (when `when` says so) before the call resolves. */
function rewritingBackup(change: ChainFileChange, when: (manifest: Record<string, unknown>) => boolean = () => true) {
  return connections((inner) => ({
    incrementalBackup: async (dir) => {
      const name = await inner.incrementalBackup(dir);
      await rewriteChainFile(join(dir, name), (entries, manifest) => (when(manifest) ? change(entries, manifest) : false));
      return name;
    },
  }));
}

const later = (manifest: Record<string, unknown>): boolean => (manifest.index as number) > 0;

/**
 * A directory restore (into a connection's database or into a new one) whose outcome `change`
 * decides; `restore(options)` runs the real one, with other options when given.
 */
function directoryRestore(
  change: (restore: (options?: RestoreOptions | null) => Promise<void>, source: RestoreSource, options: RestoreOptions | null) => Promise<void>,
): (factory: ImplementationFactory) => ImplementationFactory {
  return both(
    (inner) => ({
      restore: (source, options, callable, listener) =>
        source.kind === 'directory'
          ? change((other = options) => inner.restore(source, other, callable, listener), source, options)
          : inner.restore(source, options, callable, listener),
    }),
    (impl) => ({
      restoreDatabase: (source, url, options) =>
        source.kind === 'directory'
          ? change((other = options ?? null) => impl.restoreDatabase(source, url, other), source, options ?? null)
          : impl.restoreDatabase(source, url, options),
    }),
  );
}

/** A directory restore whose refusal with one of `codes` becomes what `instead` does. */
function restoreRefusal(codes: readonly string[], instead: (error: Error, source: RestoreSource) => Promise<void>) {
  return directoryRestore((restore, source) => onCode(restore(), codes, (error) => instead(error, source)));
}

/** An incremental backup whose refusal with one of `codes` becomes what `instead` does. */
function backupRefusal(codes: readonly string[], instead: (error: Error, dir: string, inner: Connection) => Promise<string>) {
  return connections((inner) => ({
    incrementalBackup: (dir) => onCode(inner.incrementalBackup(dir), codes, (error) => instead(error, dir, inner)),
  }));
}

/** The indexes the readable manifests of `dir` give, sorted. */
async function indexesOf(dir: string): Promise<number[]> {
  return [...(await readableManifests(dir)).values()].map((manifest) => manifest.index as number).sort((a, b) => a - b);
}

function hasGap(indexes: readonly number[]): boolean {
  return [...new Set(indexes)].some((index, i) => index !== i);
}

/** Every negative control of the area. */
export const incrementalControls: readonly NegativeControl[] = [
  negativeControl({
    name: 'leaves-a-side-file',
    description: 'writes a checksum file beside each backup file',
    breaks: ['INCR-001'],
    wrap: connections((inner) => ({
      incrementalBackup: async (dir) => {
        const name = await inner.incrementalBackup(dir);
        const digest = createHash('sha256').update(await readFile(join(dir, name))).digest('hex');
        await writeFile(join(dir, `${name}.sha256`), `${digest}\n`);
        return name;
      },
    })),
  }),
  negativeControl({
    name: 'creates-one-level-only',
    description: 'creates a missing backup directory only when its parent exists',
    breaks: ['INCR-002'],
    wrap: connections((inner) => ({
      incrementalBackup: async (dir) => {
        const target = resolve(dir);
        let top = target;
        while (!(await exists(dirname(top)))) top = dirname(top);
        const name = await inner.incrementalBackup(dir);
        if (top !== target) {
          await rm(top, { recursive: true, force: true });
          throw coded('ERR_IO', `ENOENT: no such directory ${dirname(target)}`);
        }
        return name;
      },
    })),
  }),
  negativeControl({
    name: 'names-without-full-suffix',
    description: 'names the first file of a chain without _full',
    breaks: ['INCR-003'],
    wrap: connections((inner) => ({
      incrementalBackup: async (dir) => {
        const name = await inner.incrementalBackup(dir);
        if (!name.endsWith('_full.ibu')) return name;
        const renamed = name.replace(/_full\.ibu$/, '.ibu');
        await rename(join(dir, name), join(dir, renamed));
        return renamed;
      },
    })),
  }),
  negativeControl({
    name: 'stray-file-blocks-first-backup',
    description: 'refuses to start a chain in a directory that holds other files',
    breaks: ['INCR-004'],
    wrap: connections((inner) => ({
      incrementalBackup: async (dir) => {
        const before = (await readdir(dir).catch(() => [] as string[])).filter((name) => !name.startsWith('.'));
        const name = await inner.incrementalBackup(dir);
        if (before.length > 0 && !before.some((other) => other.endsWith('.ibu'))) {
          await rm(join(dir, name));
          throw coded('ERR_CHAIN_EMPTY', `${dir} holds files but no backup`);
        }
        return name;
      },
    })),
  }),
  negativeControl({
    name: 'later-files-without-pages',
    description:
      'writes later files without their pages: every restore beyond the first file misses the record changes ' +
      '(INCR-005), hence also the whole-chain, point-in-time, order, stray-file, consistency and property scenarios that compare dumps',
    breaks: ['INCR-005', 'INCR-007', 'INCR-011', 'INCR-012', 'INCR-013', 'INCR-014', 'INCR-031', 'INCR-032'],
    wrap: rewritingBackup((entries) => {
      for (const name of [...entries.keys()]) if (name.startsWith('pages/')) entries.delete(name);
    }, later),
  }),
  negativeControl({
    name: 'pads-later-files',
    description: 'adds as much incompressible padding to each later file as the full file holds',
    breaks: ['INCR-006'],
    wrap: connections((inner) => ({
      incrementalBackup: async (dir) => {
        const name = await inner.incrementalBackup(dir);
        const manifests = await readableManifests(dir);
        const full = [...manifests].find(([, manifest]) => manifest.index === 0)?.[0];
        if (full === undefined || full === name) return name;
        const size = (await stat(join(dir, full))).size;
        await rewriteChainFile(join(dir, name), (entries) => void entries.set('padding.bin', randomBytes(size)));
        return name;
      },
    })),
  }),
  negativeControl({
    name: 'forgets-metadata-changes',
    description: 'leaves the metadata out of later files: classes and users created after the first file are lost (the property scenario creates both)',
    breaks: ['INCR-007', 'INCR-032'],
    wrap: rewritingBackup((entries) => void entries.delete('database.ocf'), later),
  }),
  negativeControl({
    name: 'wrong-database-name-in-manifest',
    description: "records another database's name in each manifest",
    breaks: ['INCR-008'],
    wrap: rewritingBackup((_entries, manifest) => void (manifest.databaseName = 'someone-else')),
  }),
  negativeControl({
    name: 'links-by-wrong-name',
    description: "names a file that does not exist as each later file's predecessor",
    breaks: ['INCR-009'],
    wrap: rewritingBackup((_entries, manifest) => void ((manifest.previous as { name: string }).name = 'elsewhere.ibu'), later),
  }),
  negativeControl({
    name: 'writes-in-place',
    description: 'writes each file in place, in two steps, under its final name',
    breaks: ['INCR-010'],
    wrap: connections((inner) => ({
      incrementalBackup: async (dir) => {
        const name = await inner.incrementalBackup(dir);
        const path = join(dir, name);
        const bytes = await readFile(path);
        await unlink(path);
        await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
        await delay(60);
        await writeFile(path, bytes);
        return name;
      },
    })),
  }),
  negativeControl({
    name: 'restored-connection-refuses-writes',
    description: 'after a directory restore, the restoring connection refuses writes',
    breaks: ['INCR-011'],
    wrap: connections((inner) => {
      let restored = false;
      return {
        restore: async (source, options, callable, listener) => {
          await inner.restore(source, options, callable, listener);
          if (source.kind === 'directory') restored = true;
        },
        insert: (className, content) => (restored ? Promise.reject(coded('ERR_DATABASE_CLOSED', 'closed after restore')) : inner.insert(className, content)),
      };
    }),
  }),
  negativeControl({
    name: 'accepts-up-to-index-above-highest',
    description: 'restores the whole chain when upToIndex is above its highest index',
    breaks: ['INCR-012'],
    wrap: directoryRestore(async (restore, source, options) => {
      const upToIndex = options?.upToIndex;
      if (typeof upToIndex === 'number' && Number.isSafeInteger(upToIndex) && upToIndex > Math.max(-1, ...(await indexesOf(source.path)))) {
        const { upToIndex: _dropped, ...rest } = options!;
        return restore(rest);
      }
      return restore();
    }),
  }),
  negativeControl({
    name: 'applies-in-name-order',
    description: 'orders a sound chain by file name, and fails on the links when that is not the index order',
    breaks: ['INCR-013'],
    wrap: directoryRestore(async (restore, source) => {
      const manifests = await readableManifests(source.path);
      const byName = [...manifests].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, manifest]) => manifest.index as number);
      const byIndex = [...byName].sort((a, b) => a - b);
      const instances = new Set([...manifests.values()].map((manifest) => manifest.instanceId));
      const sound = byIndex.every((index, i) => index === i) && instances.size === 1;
      if (sound && byName.some((index, i) => index !== byIndex[i])) throw coded('ERR_CHAIN_BROKEN_LINK', 'files applied in name order do not link');
      return restore();
    }),
  }),
  negativeControl({
    name: 'trips-over-stray-files',
    description: 'refuses (and reports invalid) a chain directory that holds temporary files or subdirectories',
    breaks: ['INCR-014'],
    wrap: (factory) => {
      const stray = async (dir: string): Promise<boolean> => {
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        return entries.some((entry) => entry.isFile() && entry.name.endsWith('.ibu')) && entries.some((entry) => entry.isDirectory() || entry.name.endsWith('.tmp'));
      };
      const refusing = directoryRestore(async (restore, source) => {
        if (await stray(source.path)) throw coded('ERR_CHAIN_CORRUPT', 'stray files in the chain directory');
        return restore();
      })(factory);
      return wrapFactory(refusing, {
        implementation: (impl) => ({
          verify: async (path) => ((await stray(path)) ? { valid: false, code: 'ERR_CHAIN_CORRUPT', lines: ['verdict: invalid (ERR_CHAIN_CORRUPT)'] } : impl.verify(path)),
        }),
      });
    },
  }),
  negativeControl({
    name: 'gap-blind',
    description: 'does not look for missing indexes and trips over the links instead (the order scenario has a gap case too)',
    breaks: ['INCR-015', 'INCR-024'],
    wrap: restoreRefusal(['ERR_CHAIN_GAP'], async (error) => {
      throw coded('ERR_CHAIN_BROKEN_LINK', error.message);
    }),
  }),
  negativeControl({
    name: 'foreign-blind',
    description: "does not compare instance ids and trips over the links instead (the order scenario has foreign cases too)",
    breaks: ['INCR-016', 'INCR-024'],
    wrap: restoreRefusal(['ERR_CHAIN_FOREIGN_DATABASE'], async (error) => {
      throw coded('ERR_CHAIN_BROKEN_LINK', error.message);
    }),
  }),
  negativeControl({
    name: 'crc-blind',
    description: 'does not check CRC-32s: a file whose entry data was damaged passes (the order scenario flips bits too)',
    breaks: ['INCR-017', 'INCR-024'],
    wrap: restoreRefusal(['ERR_CHAIN_CORRUPT'], async (error) => {
      if (/ERR_ARCHIVE_(CRC_MISMATCH|CORRUPT_DATA|SIZE_MISMATCH)/.test(error.message)) return;
      throw error;
    }),
  }),
  negativeControl({
    name: 'link-blind',
    description: 'does not check links: a spliced file passes, and so does a bit flipped where only the next link sees it',
    breaks: ['INCR-017', 'INCR-018'],
    wrap: restoreRefusal(['ERR_CHAIN_BROKEN_LINK'], async () => undefined),
  }),
  negativeControl({
    name: 'duplicate-blind',
    description: 'does not look for duplicated indexes and trips over the links instead (the order scenario has a duplicate case too)',
    breaks: ['INCR-019', 'INCR-024'],
    wrap: restoreRefusal(['ERR_CHAIN_DUPLICATE_INDEX'], async (error) => {
      throw coded('ERR_CHAIN_BROKEN_LINK', error.message);
    }),
  }),
  negativeControl({
    name: 'version-blind',
    description: 'reports an unsupported format version as a corrupt file (the order scenario has a version case too)',
    breaks: ['INCR-020', 'INCR-024'],
    wrap: restoreRefusal(['ERR_CHAIN_VERSION'], async (error) => {
      throw coded('ERR_CHAIN_CORRUPT', error.message);
    }),
  }),
  negativeControl({
    name: 'missing-directory-as-empty',
    description: 'reports a missing directory as an empty one',
    breaks: ['INCR-021'],
    wrap: restoreRefusal(['ERR_BACKUP_DIR_NOT_FOUND'], async (error) => {
      throw coded('ERR_CHAIN_EMPTY', error.message);
    }),
  }),
  negativeControl({
    name: 'empty-directory-as-missing',
    description: 'reports an empty directory as a missing one',
    breaks: ['INCR-022'],
    wrap: restoreRefusal(['ERR_CHAIN_EMPTY'], async (error) => {
      throw coded('ERR_BACKUP_DIR_NOT_FOUND', error.message);
    }),
  }),
  negativeControl({
    name: 'ignores-empty-files',
    description: "ignores zero-length .ibu files, as OrientDB does",
    breaks: ['INCR-023'],
    wrap: directoryRestore(async (restore, source) => {
      const names = await readdir(source.path).catch(() => [] as string[]);
      const empty: string[] = [];
      for (const name of names) if (name.endsWith('.ibu') && (await stat(join(source.path, name))).size === 0) empty.push(name);
      if (empty.length === 0) return restore();
      // Hide them while the real restore runs.
      const aside = await mkdtemp(join(dirname(source.path), '.empty-aside-'));
      for (const name of empty) await rename(join(source.path, name), join(aside, name));
      try {
        await restore();
      } finally {
        for (const name of empty) await rename(join(aside, name), join(source.path, name));
        await rm(aside, { recursive: true, force: true });
      }
    }),
  }),
  negativeControl({
    name: 'gap-reported-first',
    description:
      'checks for missing indexes before the other chain checks; a file whose manifest cannot be read then looks like a ' +
      'missing index, so a bit flipped in the first file\'s headers is reported as a gap (INCR-017)',
    breaks: ['INCR-017', 'INCR-024'],
    wrap: restoreRefusal(['ERR_CHAIN_CORRUPT', 'ERR_CHAIN_VERSION', 'ERR_CHAIN_FOREIGN_DATABASE', 'ERR_CHAIN_DUPLICATE_INDEX'], async (error, source) => {
      if (hasGap(await indexesOf(source.path))) throw coded('ERR_CHAIN_GAP', error.message);
      throw error;
    }),
  }),
  negativeControl({
    name: 'half-restores-on-gap',
    description: 'applies the files before a missing index, then refuses: the target is no longer intact (the gap scenario checks the target too)',
    breaks: ['INCR-015', 'INCR-025'],
    wrap: directoryRestore((restore, source) =>
      onCode(restore(), ['ERR_CHAIN_GAP'], async (error) => {
        const indexes = await indexesOf(source.path);
        const missing = indexes.findIndex((index, i) => index !== i);
        if (missing > 0) await restore({ upToIndex: missing - 1 });
        throw error;
      }),
    ),
  }),
  negativeControl({
    name: 'builds-on-foreign-chain',
    description: "starts its own chain inside another database's directory (and so also the old chain of a restored database)",
    breaks: ['INCR-026', 'INCR-033'],
    wrap: backupRefusal(['ERR_CHAIN_FOREIGN_DATABASE'], async (error, dir, inner) => {
      const manifests = await readableManifests(dir);
      if (new Set([...manifests.values()].map((manifest) => manifest.instanceId)).size !== 1) throw error;
      const own = await mkdtemp(join(dirname(resolve(dir)), '.own-chain-'));
      try {
        const name = await inner.incrementalBackup(own);
        await cp(join(own, name), join(dir, name));
        return name;
      } finally {
        await rm(own, { recursive: true, force: true });
      }
    }),
  }),
  negativeControl({
    name: 'builds-on-broken-chain',
    description: 'does not check the chain before extending it (resolves without writing)',
    breaks: ['INCR-027'],
    wrap: backupRefusal(['ERR_CHAIN_GAP', 'ERR_CHAIN_CORRUPT', 'ERR_CHAIN_VERSION', 'ERR_CHAIN_DUPLICATE_INDEX'], async () => 'unwritten.ibu'),
  }),
  negativeControl({
    name: 'no-directory-lock',
    description: 'lets a second backup into the directory wait for the first instead of refusing it',
    breaks: ['INCR-028'],
    wrap: connections((inner) => ({
      incrementalBackup: async (dir) => {
        for (;;) {
          try {
            return await inner.incrementalBackup(dir);
          } catch (error) {
            if (codeOf(error) !== 'ERR_BACKUP_IN_PROGRESS') throw error;
            await delay(10);
          }
        }
      },
    })),
  }),
  negativeControl({
    name: 'backs-up-inside-database',
    description: "creates the backup directory inside the database's own directory",
    breaks: ['INCR-029'],
    wrap: backupRefusal(['ERR_BACKUP_TARGET_INSIDE_DATABASE'], async (_error, dir) => {
      await mkdir(dir, { recursive: true });
      return 'inside.ibu';
    }),
  }),
  negativeControl({
    name: 'freezes-during-backup',
    description: 'holds every writer for the whole incremental backup',
    breaks: ['INCR-030'],
    wrap: connections((inner) => ({
      incrementalBackup: async (dir) => {
        const db = (inner as ReferenceConnection).db;
        await db.freeze();
        try {
          return await inner.incrementalBackup(dir);
        } finally {
          await db.release();
        }
      },
    })),
  }),
  negativeControl({
    name: 'loses-position-map-changes',
    description: "leaves the position map's pages of class Seq out of later files, so the records inserted meanwhile vanish",
    breaks: ['INCR-031'],
    wrap: rewritingBackup((entries) => void entries.delete('pages/seq.cpm.pages'), later),
  }),
  negativeControl({
    name: 'ignores-closed-connection',
    description: 'resolves a backup through a closed connection without writing',
    breaks: ['INCR-034'],
    wrap: backupRefusal(['ERR_DATABASE_CLOSED'], async () => 'closed.ibu'),
  }),
  negativeControl({
    name: 'backs-up-memory-database',
    description: 'resolves a backup of a memory: database without writing',
    breaks: ['INCR-035'],
    wrap: backupRefusal(['ERR_UNSUPPORTED_STORAGE'], async () => 'memory.ibu'),
  }),
  negativeControl({
    name: 'lets-readers-back-up',
    description: "resolves a reader's backup without writing",
    breaks: ['INCR-036'],
    wrap: backupRefusal(['ERR_PERMISSION_DENIED'], async () => 'reader.ibu'),
  }),
];
