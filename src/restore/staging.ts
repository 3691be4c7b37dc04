/**
 * The staging directory of a restore: `<parent>/.<name>.restore-<12 hex digits>`, beside the
 * database directory `<parent>/<name>` (so that every rename of the swap stays on one file
 * system and is atomic). Its layout:
 *
 * ```
 * owner          "<pid>\n<token>\n": the process staging it; a token this process holds marks it live
 * input.zip      a spooled input stream (archives need random access)
 * new/           the database being restored: extracted, checked, fsynced
 * old/           the database's previous files, moved there by the swap
 * COMMITTED      the commit marker: written last, under the lock, after the callable; from then on
 *                the restore is rolled forward, never back
 * OLD-MOVED-OUT  every previous file is in old/ (only new files are moved into the directory now)
 * ```
 *
 * @packageDocumentation
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { BackupConformanceError, errnoOf, fail } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { isProcessAlive } from '../engine/process-lock.js';

/** The subdirectory holding the staged database. */
export const STAGED_DATABASE = 'new';
/** The subdirectory receiving the replaced files during the swap. */
export const REPLACED_FILES = 'old';
/** The spooled input stream. */
export const SPOOLED_INPUT = 'input.zip';
/** The commit marker. */
export const COMMIT_MARKER = 'COMMITTED';
/** Written once every previous file is out of the database directory. */
export const OLD_MOVED_MARKER = 'OLD-MOVED-OUT';
/** The owner file. */
const OWNER_FILE = 'owner';

/** Tokens of the staging directories this process is working in right now. */
const activeTokens = new Set<string>();

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The pattern of the staging directory names of the database directory named `name`. */
export function stagingNamePattern(name: string): RegExp {
  return new RegExp(`^\\.${escapeRegExp(name)}\\.restore-[0-9a-f]{12}$`);
}

/** A staging directory this process created and works in. */
export interface Staging {
  /** The staging directory. */
  readonly path: string;
  /** The database directory it restores into. */
  readonly target: string;
  /** `<path>/new`: where the database is staged. */
  readonly database: string;
  /** Removes the staging directory (its owner token stops being live). Never throws. */
  discard(): Promise<void>;
  /** Forgets the owner token without removing anything (the directory is left for recovery). */
  release(): void;
}

/** Wraps a failed file-system call into `ERR_IO` naming the path; coded errors pass through. */
export function ioError(error: unknown, text: string, path: string): BackupConformanceError {
  if (error instanceof BackupConformanceError) return error;
  const errno = errnoOf(error);
  return fail('ERR_IO', `${text} '${path}' failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
    details: { path, ...(errno === undefined ? {} : { errno }) },
  });
}

/**
 * Creates the staging directory of `target` (its parent must exist) with its owner file and
 * the empty `new/`, and fsyncs the parent so that a crash leaves it findable.
 */
export async function createStaging(fs: FileSystem, target: string): Promise<Staging> {
  const parent = dirname(target);
  const path = join(parent, `.${basename(target)}.restore-${randomBytes(6).toString('hex')}`);
  const token = randomUUID();
  activeTokens.add(token);
  let created = false;
  const staging: Staging = {
    path,
    target,
    database: join(path, STAGED_DATABASE),
    async discard() {
      if (created) {
        await fs.rm(path, { recursive: true, force: true }).catch(() => undefined);
        await fs.syncDir(parent).catch(() => undefined);
      }
      activeTokens.delete(token);
    },
    release() {
      activeTokens.delete(token);
    },
  };
  try {
    await fs.mkdir(path);
    created = true;
    const owner = Buffer.from(`${process.pid}\n${token}\n`, 'utf8');
    const handle = await fs.open(join(path, OWNER_FILE), 'wx', 0o600);
    try {
      await handle.write(owner, 0, owner.length, 0);
    } finally {
      await handle.close();
    }
    await fs.mkdir(staging.database);
    await fs.syncDir(parent);
  } catch (error) {
    await staging.discard();
    throw ioError(error, 'Creating the staging directory', path);
  }
  return staging;
}

/**
 * True when the process that made the staging directory `path` is still working in it: this
 * process with a token it holds, or another live process. An unreadable owner file counts as
 * dead (a crash while the directory was being created).
 */
export async function isStagingLive(fs: FileSystem, path: string): Promise<boolean> {
  let text: string;
  try {
    text = (await fs.readFile(join(path, OWNER_FILE))).toString('utf8');
  } catch {
    return false;
  }
  const [pid = '', token = ''] = text.split('\n');
  if (!/^\d+$/.test(pid)) return false;
  return Number(pid) === process.pid ? activeTokens.has(token) : isProcessAlive(Number(pid));
}

/** True when `path` exists (any kind); other errors than ENOENT are thrown. */
export async function pathExists(fs: FileSystem, path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}

/** Writes a small marker file durably: a temporary file, fsync, rename, fsync of the directory. */
export async function writeMarker(fs: FileSystem, directory: string, name: string, content: string): Promise<void> {
  const temporary = join(directory, `${name}.tmp`);
  const bytes = Buffer.from(content, 'utf8');
  const handle = await fs.open(temporary, 'w', 0o600);
  try {
    let done = 0;
    while (done < bytes.length) done += await handle.write(bytes, done, bytes.length - done, done);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, join(directory, name));
  await fs.syncDir(directory);
}
