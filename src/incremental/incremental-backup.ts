/**
 * Incremental backup: `db.incrementalBackup(dir)` (spec/incremental.md).
 *
 * @packageDocumentation
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { removeStaleTemporaries, writeZipToFile } from '../archive/write/index.js';
import { type IncrementalManifest, MANIFEST_ENTRY, buildManifest } from '../backup/manifest.js';
import { METADATA_FILE, PAGE_SIZE } from '../engine/constants.js';
import type { Database } from '../engine/database.js';
import { parseMetadata } from '../engine/metadata.js';
import { isEmptyPage } from '../engine/page.js';
import type { ChangedPage, StorageSnapshot } from '../engine/snapshot.js';
import { errnoOf, fail, messageOf } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { chainFileName, isChainFileName } from './chain-file-name.js';
import {
  type ChainFileList,
  FILES_ENTRY,
  METADATA_ENTRY,
  encodeFileList,
  encodePageRecord,
  isPagedFileName,
  pagesEntryName,
  parseFileList,
} from './chain-format.js';
import { CHAIN_LOCK_FILE, acquireChainLock } from './chain-lock.js';
import { chainError } from './chain-problem.js';
import { evaluateChain } from './evaluate-chain.js';
import type { ChainFileFacts } from './inspect-chain-file.js';
import { readChain } from './read-chain.js';
import { rememberChainFile } from './verified-chain-files.js';

/**
 * The DEFLATE level of incremental files: zlib's default, as OrientDB's `ZipOutputStream` uses.
 * Pages of JSON records compress well at it, and it writes about twice as fast as level 9.
 */
export const INCREMENTAL_COMPRESSION_LEVEL = 6;

/** The size of the chunks written to the file. */
export const INCREMENTAL_BUFFER_SIZE = 1024 * 1024;

function isInside(base: string, path: string): boolean {
  const rel = relative(base, path);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** The real path of `path`, resolving the symbolic links of its longest existing prefix. */
async function realPathOfPrefix(realpath: (path: string) => Promise<string>, path: string): Promise<string> {
  const rest: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...rest.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return path;
      rest.push(current.slice(parent.length).replace(/^[\\/]+/, ''));
      current = parent;
    }
  }
}

/**
 * `ERR_BACKUP_TARGET_INSIDE_DATABASE` when `target` is the database's directory or lies inside
 * it: compared as resolved paths and, on a file system with symbolic links (`fs.realpath`), as
 * real paths (so a symbolic link into the database directory is seen through).
 */
async function refuseInsideDatabase(fs: FileSystem, databaseDirectory: string, target: string): Promise<void> {
  let inside = isInside(resolve(databaseDirectory), target);
  const realpath = fs.realpath?.bind(fs);
  if (!inside && realpath !== undefined) {
    inside = isInside(await realPathOfPrefix(realpath, resolve(databaseDirectory)), await realPathOfPrefix(realpath, target));
  }
  if (inside) {
    throw fail('ERR_BACKUP_TARGET_INSIDE_DATABASE', `The backup directory '${target}' lies inside the database directory '${databaseDirectory}'`, {
      details: { directory: target, databaseDirectory },
    });
  }
}

/** Creates `target` (and its parents) when missing; `ERR_INVALID_OUTPUT` when it is not a directory or cannot be created. */
async function ensureDirectory(fs: FileSystem, target: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(target);
  } catch (error) {
    const code = errnoOf(error);
    if (code !== 'ENOENT') {
      throw fail('ERR_INVALID_OUTPUT', `The backup directory '${target}' cannot be used: ${messageOf(error)}`, {
        cause: error,
        details: { directory: target },
      });
    }
  }
  if (stat !== undefined) {
    if (!stat.isDirectory) {
      throw fail('ERR_INVALID_OUTPUT', `The backup directory '${target}' exists and is not a directory`, { details: { directory: target } });
    }
    return;
  }
  try {
    await fs.mkdir(target, { recursive: true });
  } catch (error) {
    throw fail('ERR_INVALID_OUTPUT', `The backup directory '${target}' cannot be created: ${messageOf(error)}`, {
      cause: error,
      details: { directory: target },
    });
  }
  await fs.syncDir(dirname(target)).catch(() => undefined);
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The next page of `pages` that is not all zeros (a file's size brings those back). */
async function nextPage(pages: AsyncIterator<ChangedPage>): Promise<ChangedPage | undefined> {
  for (;;) {
    const step = await pages.next();
    if (step.done === true) return undefined;
    if (!isEmptyPage(step.value.bytes)) return step.value;
  }
}

async function* pageRecords(first: ChangedPage, pages: AsyncIterator<ChangedPage>): AsyncGenerator<Buffer> {
  try {
    for (let page: ChangedPage | undefined = first; page !== undefined; page = await nextPage(pages)) {
      yield encodePageRecord(page.pageIndex, page.bytes);
    }
  } finally {
    await pages.return?.();
  }
}

/** What the new file builds on: the chain's newest file, or nothing for a new chain. */
interface ChainTip {
  readonly facts: ChainFileFacts;
  readonly manifest: IncrementalManifest;
  readonly sha256: string;
  readonly files: ReadonlySet<string>;
}

/**
 * The entries of the next file (see `chain-format.ts`): `files.json`, the metadata when it changed
 * since `tip` (always for the first file), and per paged file the pages newer than the tip's LSN
 * (every page of the first file, and of a file new since the tip), skipping files with none.
 */
async function* entriesOf(snapshot: StorageSnapshot, tip: ChainTip | undefined, list: ChainFileList, metadataBytes: Buffer) {
  const encoded = encodeFileList(list);
  yield { name: FILES_ENTRY, size: encoded.length, open: () => [encoded] };
  const metadata = parseMetadata(metadataBytes, METADATA_FILE);
  if (tip === undefined || metadata.lsn > tip.manifest.lsn) {
    yield { name: METADATA_ENTRY, size: metadataBytes.length, open: () => [metadataBytes] };
  }
  for (const file of list.files) {
    const since = tip === undefined || !tip.files.has(file.name) ? -1 : tip.manifest.lsn;
    const pages = snapshot.pagesNewerThan(file.name, since)[Symbol.asyncIterator]();
    const first = await nextPage(pages);
    if (first === undefined) continue;
    yield { name: pagesEntryName(file.name), open: () => pageRecords(first, pages) };
  }
}

/** Writes the next file of the chain from a snapshot of `db`; resolves its name. */
async function writeNextFile(db: Database, directory: string, tip: ChainTip | undefined): Promise<string> {
  const storage = db.storage;
  const moment = new Date();
  const snapshot = await storage.beginSnapshot({ mode: 'snapshot' });
  try {
    if (tip !== undefined && snapshot.lsn < tip.manifest.lsn) {
      throw fail(
        'ERR_CHAIN_BROKEN_LINK',
        `The database (LSN ${snapshot.lsn}) is behind the chain's newest file '${tip.facts.name}' (LSN ${tip.manifest.lsn}): it cannot extend the chain`,
        { details: { directory, file: tip.facts.name, index: tip.manifest.index } },
      );
    }
    const index = tip === undefined ? 0 : tip.manifest.index + 1;
    const name = chainFileName(db.name, moment, index);
    const metadataBytes = await collect(snapshot.readFile(METADATA_FILE, 1024 * 1024));
    const current = snapshot.files.filter((file) => isPagedFileName(file.name));
    const currentNames = new Set(current.map((file) => file.name));
    const list: ChainFileList = {
      pageSize: PAGE_SIZE,
      files: current.map(({ name: file, size }) => ({ name: file, size })),
      removed: tip === undefined ? [] : [...tip.files].filter((file) => !currentNames.has(file)),
    };
    const createdAt = moment.toISOString();
    const path = join(directory, name);
    const written = await writeZipToFile(path, entriesOf(snapshot, tip, list, metadataBytes), {
      fs: storage.fs,
      hashArchive: true,
      compressionLevel: INCREMENTAL_COMPRESSION_LEVEL,
      bufferSize: INCREMENTAL_BUFFER_SIZE,
      comment: `OrientDB Incremental Backup executed on ${createdAt}`,
      modifiedAt: moment,
      finalEntries: (written) => [
        {
          name: MANIFEST_ENTRY,
          data: buildManifest({
            kind: 'incremental',
            databaseName: db.name,
            databaseFormatVersion: snapshot.formatVersion,
            instanceId: snapshot.instanceId,
            lsn: snapshot.lsn,
            createdAt,
            files: written.map((entry) => ({ name: entry.name, size: entry.size, sha256: entry.sha256 })),
            index,
            full: index === 0,
            startLsn: tip === undefined ? 0 : tip.manifest.lsn,
            previous: tip === undefined ? null : { name: tip.facts.name, sha256: tip.sha256 },
          }).bytes,
        },
      ],
    });
    // The next backup builds on this file: remember its bytes' hash, so that it need not read
    // the file again to prove it sound (verified-chain-files.ts). Best effort.
    const stat = await storage.fs.stat(path).catch(() => undefined);
    if (stat !== undefined && stat.size === written.bytes && written.sha256 !== undefined) rememberChainFile(storage.fs, path, stat, written.sha256, parseFileList(encodeFileList(list)));
    return name;
  } finally {
    await snapshot.release();
  }
}

/**
 * Writes the next file of the incremental chain in `dir` and resolves its name (no directory
 * part): `<dbName>_<yyyy-MM-dd-HH-mm-ss>_<index>[_full].ibu`, in UTC.
 *
 * In order, before anything is written: `ERR_DATABASE_CLOSED` for a closed session,
 * `ERR_PERMISSION_DENIED` without the `backup` permission, `ERR_UNSUPPORTED_STORAGE` for a
 * `memory:` database, `ERR_INVALID_OUTPUT` when `dir` is not a non-empty string,
 * `ERR_BACKUP_TARGET_INSIDE_DATABASE` when `dir` is (or lies inside) the database's directory;
 * then `dir` is created when missing (`ERR_INVALID_OUTPUT` when it is a file or cannot be created);
 * `ERR_BACKUP_IN_PROGRESS` when another incremental backup into `dir` runs in this process or
 * another one (see `chain-lock.ts`); and the chain already in `dir` is checked before it is built
 * on (INCR-027): every file's manifest (`ERR_CHAIN_CORRUPT`, `ERR_CHAIN_VERSION`), the newest
 * file in full, one database and it being this one (`ERR_CHAIN_FOREIGN_DATABASE`), no duplicate
 * (`ERR_CHAIN_DUPLICATE_INDEX`) and no missing index (`ERR_CHAIN_GAP`).
 *
 * The file is written from a copy-on-write snapshot (`Storage.beginSnapshot({ mode: 'snapshot' })`),
 * so writers wait only while it is taken and the file is consistent at the snapshot's LSN. In an
 * empty directory it is the chain's full file (index 0, every page); otherwise it holds the
 * changes since the newest file (see `chain-format.ts`) and links to it by name and SHA-256. It is
 * written to a temporary name that does not end in `.ibu`, fsynced and renamed (`writeZipToFile`);
 * then the temporary files of earlier incremental backups that could not remove them (killed, or
 * a failing disk) are removed.
 */
export async function incrementalBackup(db: Database, dir: string): Promise<string> {
  db.checkPermission('backup');
  const storage = db.storage;
  // Only memory databases have no directory.
  if (storage.directory === null) {
    throw fail('ERR_UNSUPPORTED_STORAGE', `Incremental backup is not supported for the memory: database '${db.name}'`);
  }
  if (typeof dir !== 'string' || dir === '' || dir.includes('\u0000')) {
    throw fail('ERR_INVALID_OUTPUT', `The backup directory must be a non-empty path, got ${dir === null ? 'null' : typeof dir}`);
  }
  const fs = storage.fs;
  const target = resolve(dir);
  await refuseInsideDatabase(fs, storage.directory, target);
  await ensureDirectory(fs, target);
  const lock = await acquireChainLock(fs, target);
  try {
    const files = await readChain(target, { fs, content: 'newest' });
    const evaluation = evaluateChain(files, { checkLinks: false, databaseInstanceId: storage.instanceId });
    if (evaluation.problem !== undefined) throw chainError(evaluation.problem, target);
    const newest = evaluation.selected[evaluation.selected.length - 1];
    const tip: ChainTip | undefined =
      newest === undefined
        ? undefined
        : {
            facts: newest,
            manifest: newest.manifest!,
            sha256: newest.sha256!,
            files: new Set(newest.fileList!.files.map((file) => file.name)),
          };
    const written = await writeNextFile(db, target, tip);
    // Under the lock no other incremental backup writes here: temporary chain files are stale
    // (and so are the temporary lock files of processes that are gone).
    await removeStaleTemporaries(fs, target, (name) => isChainFileName(name) || name === CHAIN_LOCK_FILE);
    return written;
  } finally {
    await lock.release();
  }
}
