/**
 * The backup manifest: the `backup-manifest.json` entry every archive this package writes carries
 * (full backups and incremental files alike), listing each other entry with its size and SHA-256,
 * so that restore and verify can check an archive end to end (spec/backup.md BACKUP-008..011,
 * spec/incremental.md INCR-008..009).
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';

/** The entry name of the manifest inside an archive. */
export const MANIFEST_ENTRY = 'backup-manifest.json';

/** The `format` member of every manifest. */
export const MANIFEST_FORMAT = 'orientdb-backup-conformance/backup';

/** The manifest format version this module writes and reads. */
export const MANIFEST_FORMAT_VERSION = 1;

/** One archived file: its entry name, uncompressed size and SHA-256 (64 lowercase hex digits). */
export interface ManifestFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/** The link from an incremental file to the file before it. */
export interface ManifestPrevious {
  /** The previous file's name (no directory part). */
  readonly name: string;
  /** SHA-256 of the previous file's bytes. */
  readonly sha256: string;
}

/** The members common to full and incremental manifests. */
interface ManifestBase {
  readonly format: typeof MANIFEST_FORMAT;
  readonly formatVersion: typeof MANIFEST_FORMAT_VERSION;
  readonly databaseName: string;
  readonly databaseFormatVersion: number;
  readonly instanceId: string;
  /** The LSN the archive is consistent at. */
  readonly lsn: number;
  /** ISO 8601 UTC with milliseconds: `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  readonly createdAt: string;
  /** Every other entry, sorted by name in code-unit order. */
  readonly files: readonly ManifestFile[];
}

/** The manifest of a full backup. */
export interface FullManifest extends ManifestBase {
  readonly kind: 'full';
}

/** The manifest of one file of an incremental chain. */
export interface IncrementalManifest extends ManifestBase {
  readonly kind: 'incremental';
  readonly index: number;
  readonly full: boolean;
  /** The file holds the changes made after this LSN (0 for index 0). */
  readonly startLsn: number;
  /** `null` for index 0. */
  readonly previous: ManifestPrevious | null;
}

/** A manifest of either kind. */
export type BackupManifest = FullManifest | IncrementalManifest;

/** The members a caller gives; `format`, `formatVersion` and the sorting of `files` are added. */
export type ManifestInput =
  | Omit<FullManifest, 'format' | 'formatVersion'>
  | Omit<IncrementalManifest, 'format' | 'formatVersion'>;

const SHA256 = /^[0-9a-f]{64}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function byName(a: ManifestFile, b: ManifestFile): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Builds a manifest: adds `format` and `formatVersion`, sorts `files` by name, and checks the
 * result with {@link parseManifest}'s rules (so a writer can never produce a manifest a reader
 * refuses). Returns the object and its UTF-8 JSON bytes (pretty-printed for people who unzip it).
 */
export function buildManifest(input: ManifestInput): { manifest: BackupManifest; bytes: Buffer } {
  const manifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    ...input,
    files: [...input.files].sort(byName),
  } as BackupManifest;
  const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  parseManifest(bytes);
  return { manifest, bytes };
}

function invalid(message: string): never {
  throw fail('ERR_MANIFEST_INVALID', `Invalid backup manifest: ${message}`, { details: { entry: MANIFEST_ENTRY } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(object: Record<string, unknown>, key: string): string {
  const value = object[key];
  if (typeof value !== 'string' || value.length === 0) invalid(`"${key}" must be a non-empty string`);
  return value;
}

function requireCount(object: Record<string, unknown>, key: string, min = 0): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    invalid(`"${key}" must be an integer of at least ${min}`);
  }
  return value;
}

function parseFiles(value: unknown): ManifestFile[] {
  if (!Array.isArray(value)) invalid('"files" must be an array');
  const files: ManifestFile[] = [];
  let previous: string | undefined;
  for (const [index, item] of value.entries()) {
    if (!isRecord(item)) invalid(`files[${index}] must be an object`);
    const name = requireString(item, 'name');
    const size = requireCount(item, 'size');
    const sha256 = requireString(item, 'sha256');
    if (!SHA256.test(sha256)) invalid(`files[${index}].sha256 must be 64 lowercase hexadecimal digits`);
    if (name === MANIFEST_ENTRY) invalid('the manifest must not list itself');
    if (previous !== undefined && !(previous < name)) invalid(`files must be sorted by name without duplicates ("${name}" after "${previous}")`);
    previous = name;
    files.push({ name, size, sha256 });
  }
  return files;
}

/**
 * Parses and validates manifest bytes. Refuses anything that is not UTF-8 JSON of the documented
 * shape, or another `format` / `formatVersion`, with `ERR_MANIFEST_INVALID`. Unknown members are
 * ignored (later versions may add some).
 */
export function parseManifest(bytes: Uint8Array): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    invalid('not UTF-8 JSON');
  }
  if (!isRecord(value)) invalid('not a JSON object');
  if (value.format !== MANIFEST_FORMAT) invalid(`"format" must be "${MANIFEST_FORMAT}"`);
  if (value.formatVersion !== MANIFEST_FORMAT_VERSION) {
    invalid(`unsupported "formatVersion" ${JSON.stringify(value.formatVersion)} (this implementation reads ${MANIFEST_FORMAT_VERSION})`);
  }
  const createdAt = requireString(value, 'createdAt');
  if (!ISO_UTC.test(createdAt) || Number.isNaN(Date.parse(createdAt))) invalid('"createdAt" must be YYYY-MM-DDTHH:mm:ss.sssZ');
  const base = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    databaseName: requireString(value, 'databaseName'),
    databaseFormatVersion: requireCount(value, 'databaseFormatVersion', 1),
    instanceId: requireString(value, 'instanceId'),
    lsn: requireCount(value, 'lsn'),
    createdAt,
    files: parseFiles(value.files),
  } as const;
  if (value.kind === 'full') return { ...base, kind: 'full' };
  if (value.kind !== 'incremental') invalid('"kind" must be "full" or "incremental"');
  const index = requireCount(value, 'index');
  if (value.full !== (index === 0)) invalid('"full" must be true exactly when "index" is 0');
  const startLsn = requireCount(value, 'startLsn');
  if (startLsn > base.lsn) invalid('"startLsn" must not exceed "lsn"');
  let previous: ManifestPrevious | null = null;
  if (index === 0) {
    if (value.previous !== null) invalid('"previous" must be null for index 0');
  } else {
    if (!isRecord(value.previous)) invalid('"previous" must be an object for an index above 0');
    const sha256 = requireString(value.previous, 'sha256');
    if (!SHA256.test(sha256)) invalid('"previous.sha256" must be 64 lowercase hexadecimal digits');
    previous = { name: requireString(value.previous, 'name'), sha256 };
  }
  return { ...base, kind: 'incremental', index, full: index === 0, startLsn, previous };
}
