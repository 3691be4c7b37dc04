/**
 * The metadata file `database.ocf`: a JSON document describing the database, replaced
 * atomically on every change (temp file, fsync, rename, fsync of the directory).
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { errnoOf, fail, messageOf } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { FORMAT_VERSION, METADATA_FILE, TEMP_FILE_SUFFIX } from './constants.js';
import { isRole, type Role } from './permissions.js';

/** A class and the cluster holding its records. */
export interface ClassInfo {
  /** The class name as created (unique case-insensitively). */
  readonly name: string;
  /** The cluster id: the first number of the class's record ids. */
  readonly clusterId: number;
  /** The cluster name: the class name in lower case; its files are `<clusterName>.pcl` and `.cpm`. */
  readonly clusterName: string;
}

/** A user as stored: the password only as a salted scrypt hash. */
export interface StoredUser {
  readonly name: string;
  readonly role: Role;
  /** The random salt, base64. */
  readonly salt: string;
  /** The scrypt hash with its cost parameters, see `passwords.ts`. */
  readonly hash: string;
}

/** The content of `database.ocf`. */
export interface Metadata {
  readonly formatVersion: number;
  readonly name: string;
  /** A random UUID made when the database was created; a restored copy keeps it. */
  readonly instanceId: string;
  /** ISO 8601 creation time. */
  readonly createdAt: string;
  /** The LSN of the last metadata change. */
  readonly lsn: number;
  readonly nextClusterId: number;
  readonly classes: readonly ClassInfo[];
  readonly users: readonly StoredUser[];
}

/** Class names: a letter or underscore, then up to 63 letters, digits or underscores. */
export const CLASS_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function malformed(path: string, why: string): never {
  throw fail('ERR_CORRUPT_DATABASE', `The metadata file '${path}' is malformed: ${why}`, { details: { file: METADATA_FILE } });
}

/** Checks the shape of parsed metadata (from `path`, for messages). */
export function validateMetadata(value: unknown, path: string): Metadata {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed(path, 'not a JSON object');
  const m = value as Record<string, unknown>;
  if (m.formatVersion !== FORMAT_VERSION) malformed(path, `unsupported format version ${JSON.stringify(m.formatVersion)}`);
  if (typeof m.name !== 'string') malformed(path, 'no name');
  if (typeof m.instanceId !== 'string' || m.instanceId === '') malformed(path, 'no instance id');
  if (typeof m.createdAt !== 'string') malformed(path, 'no creation time');
  if (!Number.isSafeInteger(m.lsn) || (m.lsn as number) < 0) malformed(path, 'bad lsn');
  if (!Number.isSafeInteger(m.nextClusterId) || (m.nextClusterId as number) < 1) malformed(path, 'bad nextClusterId');
  if (!Array.isArray(m.classes)) malformed(path, 'classes is not an array');
  if (!Array.isArray(m.users)) malformed(path, 'users is not an array');
  const ids = new Set<number>();
  const names = new Set<string>();
  for (const item of m.classes as unknown[]) {
    const c = item as Partial<ClassInfo> | null;
    if (
      typeof c !== 'object' ||
      c === null ||
      typeof c.name !== 'string' ||
      !CLASS_NAME_PATTERN.test(c.name) ||
      c.clusterName !== c.name.toLowerCase() ||
      !Number.isSafeInteger(c.clusterId) ||
      (c.clusterId as number) < 1 ||
      (c.clusterId as number) >= (m.nextClusterId as number) ||
      ids.has(c.clusterId as number) ||
      names.has(c.clusterName)
    ) {
      malformed(path, `bad class ${JSON.stringify(item)}`);
    }
    ids.add(c.clusterId as number);
    names.add(c.clusterName);
  }
  const users = new Set<string>();
  for (const item of m.users as unknown[]) {
    const u = item as Partial<StoredUser> | null;
    if (
      typeof u !== 'object' ||
      u === null ||
      typeof u.name !== 'string' ||
      !isRole(u.role) ||
      typeof u.salt !== 'string' ||
      typeof u.hash !== 'string' ||
      users.has(u.name)
    ) {
      malformed(path, `bad user entry for ${JSON.stringify(u?.name)}`);
    }
    users.add(u.name);
  }
  return {
    formatVersion: FORMAT_VERSION,
    name: m.name as string,
    instanceId: m.instanceId as string,
    createdAt: m.createdAt as string,
    lsn: m.lsn as number,
    nextClusterId: m.nextClusterId as number,
    classes: (m.classes as ClassInfo[]).map(({ name, clusterId, clusterName }) => ({ name, clusterId, clusterName })),
    users: (m.users as StoredUser[]).map(({ name, role, salt, hash }) => ({ name, role, salt, hash })),
  };
}

/** Parses metadata bytes. */
export function parseMetadata(bytes: Buffer, path: string): Metadata {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    malformed(path, 'not valid JSON');
  }
  return validateMetadata(value, path);
}

/** The bytes written for `metadata` (pretty-printed: it is small and people read it). */
export function encodeMetadata(metadata: Metadata): Buffer {
  return Buffer.from(`${JSON.stringify(metadata, null, 2)}\n`, 'utf8');
}

/** Reads `database.ocf` of `directory`; a missing file is `ERR_DATABASE_NOT_FOUND`. */
export async function readMetadata(fs: FileSystem, directory: string): Promise<{ metadata: Metadata; bytes: Buffer }> {
  const path = join(directory, METADATA_FILE);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') {
      throw fail('ERR_DATABASE_NOT_FOUND', `No database exists in '${directory}'`, { details: { directory } });
    }
    throw fail('ERR_IO', `Reading '${path}' failed: ${messageOf(error)}`, { cause: error });
  }
  return { metadata: parseMetadata(bytes, path), bytes };
}

/** Replaces `database.ocf` of `directory` atomically and durably; resolves the bytes written. */
export async function writeMetadata(fs: FileSystem, directory: string, metadata: Metadata): Promise<Buffer> {
  const path = join(directory, METADATA_FILE);
  const temp = path + TEMP_FILE_SUFFIX;
  const bytes = encodeMetadata(metadata);
  const handle = await fs.open(temp, 'w');
  try {
    try {
      let done = 0;
      while (done < bytes.length) done += await handle.write(bytes, done, bytes.length - done, done);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, path);
  } catch (error) {
    // Leave no temporary file behind (gone already when the rename happened).
    await fs.unlink(temp).catch(() => undefined);
    throw error;
  }
  await fs.syncDir(directory);
  return bytes;
}
