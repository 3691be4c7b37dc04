/**
 * The checks of a backup once every entry was read and found sound (`RESTORE-051`: after the
 * archive-level checks): the manifest (`RESTORE-036` to `RESTORE-042`), then the structure of the
 * database directory (`RESTORE-035`). Restore stops at the first problem; verify collects them
 * all to report every file.
 *
 * @packageDocumentation
 */
import { type BackupConformanceError, fail, isCodedError } from '../errors.js';
import { MANIFEST_ENTRY, type FullManifest, parseManifest } from '../backup/manifest.js';
import { FORMAT_VERSION, METADATA_FILE, WAL_FILE } from '../engine/constants.js';
import { type Metadata, parseMetadata } from '../engine/metadata.js';
import { verifyPage } from '../engine/page.js';
import { clusterFileNames } from '../engine/storage.js';
import { parseWal } from '../engine/wal-format.js';
import type { BackupContents, BackupFile } from './backup-contents.js';

/** The largest manifest read: 20 000 entries with long names fit in a few MiB. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** The largest metadata file read. */
export const MAX_METADATA_BYTES = 16 * 1024 * 1024;
/**
 * The largest write-ahead log read. A backup's log is checkpointed (a header and at most the
 * groups of a snapshot's last moment), so anything near this is not a log a backup writes.
 */
export const MAX_WAL_BYTES = 32 * 1024 * 1024;

/** What the checks found. */
export interface BackupCheckResult {
  /** The problems, in the order of the checks; empty for a sound backup. */
  readonly problems: readonly BackupConformanceError[];
  /** The manifest, when the backup has a valid one. */
  readonly manifest?: FullManifest;
  /** The database's metadata, when it parsed. */
  readonly metadata?: Metadata;
}

/** Options of {@link checkBackupContents}. */
export interface CheckBackupOptions {
  /** Collect every problem (verify) instead of stopping at the first (restore). */
  readonly all?: boolean;
  /** Skip the manifest checks: the files come from an incremental chain, checked on its own. */
  readonly structureOnly?: boolean;
}

function problem(code: Parameters<typeof fail>[0], message: string, entry?: string): BackupConformanceError {
  return fail(code, message, entry === undefined ? {} : { details: { entry } });
}

function withEntry(error: unknown, entry: string, fallback: Parameters<typeof fail>[0]): BackupConformanceError {
  if (isCodedError(error)) return fail(error.code, error.message, { details: { ...error.details, entry } });
  return problem(fallback, error instanceof Error ? error.message : String(error), entry);
}

/** Collects problems; in first-only mode the first one ends the checks (thrown as a {@link Stop}). */
class Findings {
  readonly problems: BackupConformanceError[] = [];
  constructor(private readonly all: boolean) {}

  add(found: BackupConformanceError): void {
    this.problems.push(found);
    if (!this.all) throw new Stop();
  }
}

class Stop extends Error {}

/**
 * Checks a backup's manifest and database structure, in this order:
 *
 * 1. with a `backup-manifest.json` at the root: it is at most {@link MAX_MANIFEST_BYTES} and
 *    parses (`ERR_MANIFEST_INVALID`); its `kind` is `full` (`ERR_NOT_A_BACKUP`); its
 *    `databaseFormatVersion` is this engine's (`ERR_UNSUPPORTED_FORMAT_VERSION`); every listed
 *    file is in the archive (`ERR_MANIFEST_MISSING_FILE`); every file is listed
 *    (`ERR_MANIFEST_UNLISTED_FILE`); sizes and SHA-256 match (`ERR_MANIFEST_MISMATCH`);
 * 2. without one: the metadata file is at the root (`ERR_NOT_A_BACKUP`);
 * 3. the structure, both ways: the metadata file is present and parses
 *    (`ERR_CORRUPT_DATABASE`) with a supported format version (`ERR_UNSUPPORTED_FORMAT_VERSION`);
 *    every cluster file it names is present, a whole number of pages long, and every page passes
 *    its checksum (`ERR_CORRUPT_DATABASE`, `ERR_CORRUPT_PAGE`); the write-ahead log, when present,
 *    parses and logs only sound pages of those files (`ERR_CORRUPT_WAL`).
 *
 * Problems about one file carry its name in `details.entry` and in the message.
 */
export async function checkBackupContents(contents: BackupContents, options: CheckBackupOptions = {}): Promise<BackupCheckResult> {
  const findings = new Findings(options.all === true);
  let manifest: FullManifest | undefined;
  let metadata: Metadata | undefined;
  try {
    const files = new Map(contents.files.map((file) => [file.name, file]));
    if (options.structureOnly !== true) {
      if (files.has(MANIFEST_ENTRY)) {
        manifest = await checkManifest(contents, files, findings);
        if (manifest === undefined) return { problems: findings.problems };
      } else if (!files.has(METADATA_FILE)) {
        findings.add(problem('ERR_NOT_A_BACKUP', `The archive has neither a ${MANIFEST_ENTRY} nor a database metadata file (${METADATA_FILE}) at its root`));
        return { problems: findings.problems };
      }
    }
    metadata = await checkStructure(contents, files, findings);
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  }
  return { problems: findings.problems, ...(manifest === undefined ? {} : { manifest }), ...(metadata === undefined ? {} : { metadata }) };
}

async function checkManifest(contents: BackupContents, files: ReadonlyMap<string, BackupFile>, findings: Findings): Promise<FullManifest | undefined> {
  const entry = files.get(MANIFEST_ENTRY)!;
  if (entry.size > MAX_MANIFEST_BYTES) {
    findings.add(problem('ERR_MANIFEST_INVALID', `Invalid backup manifest: ${MANIFEST_ENTRY} is ${entry.size} bytes, more than ${MAX_MANIFEST_BYTES}`, MANIFEST_ENTRY));
    return undefined;
  }
  let parsed;
  try {
    parsed = parseManifest(await contents.read(MANIFEST_ENTRY));
  } catch (error) {
    findings.add(withEntry(error, MANIFEST_ENTRY, 'ERR_MANIFEST_INVALID'));
    return undefined;
  }
  if (parsed.kind !== 'full') {
    findings.add(problem('ERR_NOT_A_BACKUP', `The archive is an incremental backup file (index ${parsed.index}), not a full backup: restore its directory instead`, MANIFEST_ENTRY));
    return undefined;
  }
  if (parsed.databaseFormatVersion !== FORMAT_VERSION) {
    findings.add(
      problem(
        'ERR_UNSUPPORTED_FORMAT_VERSION',
        `The backup holds database format version ${parsed.databaseFormatVersion}; this implementation opens version ${FORMAT_VERSION}`,
        MANIFEST_ENTRY,
      ),
    );
    return undefined;
  }
  const listed = new Map(parsed.files.map((file) => [file.name, file]));
  for (const file of parsed.files) {
    if (!files.has(file.name)) findings.add(problem('ERR_MANIFEST_MISSING_FILE', `The manifest lists '${file.name}', which is not in the archive`, file.name));
  }
  for (const file of contents.files) {
    if (file.name !== MANIFEST_ENTRY && !listed.has(file.name)) {
      findings.add(problem('ERR_MANIFEST_UNLISTED_FILE', `The archive holds '${file.name}', which its manifest does not list`, file.name));
    }
  }
  for (const file of contents.files) {
    const item = listed.get(file.name);
    if (item === undefined) continue;
    if (item.size !== file.size) {
      findings.add(problem('ERR_MANIFEST_MISMATCH', `'${file.name}' is ${file.size} bytes, its manifest says ${item.size}`, file.name));
    } else if (file.sha256 !== undefined && item.sha256 !== file.sha256) {
      findings.add(problem('ERR_MANIFEST_MISMATCH', `The SHA-256 of '${file.name}' is ${file.sha256}, its manifest says ${item.sha256}`, file.name));
    }
  }
  return findings.problems.length === 0 ? parsed : undefined;
}

async function checkStructure(contents: BackupContents, files: ReadonlyMap<string, BackupFile>, findings: Findings): Promise<Metadata | undefined> {
  const metadata = await readMetadataFile(contents, files, findings);
  if (metadata === undefined) return undefined;
  const clusterFiles = new Set<string>();
  for (const info of metadata.classes) {
    const names = clusterFileNames(info);
    for (const name of [names.data, names.map]) {
      clusterFiles.add(name);
      if (!files.has(name)) {
        findings.add(problem('ERR_CORRUPT_DATABASE', `The file '${name}' of class '${info.name}' is missing`, name));
        continue;
      }
      const found = await contents.pageProblem(name);
      if (found !== undefined) findings.add(found);
    }
  }
  const wal = files.get(WAL_FILE);
  if (wal !== undefined) await checkWal(contents, wal, clusterFiles, findings);
  return metadata;
}

async function readMetadataFile(contents: BackupContents, files: ReadonlyMap<string, BackupFile>, findings: Findings): Promise<Metadata | undefined> {
  const entry = files.get(METADATA_FILE);
  if (entry === undefined) {
    findings.add(problem('ERR_CORRUPT_DATABASE', `The database metadata file '${METADATA_FILE}' is missing`, METADATA_FILE));
    return undefined;
  }
  if (entry.size > MAX_METADATA_BYTES) {
    findings.add(problem('ERR_CORRUPT_DATABASE', `The metadata file '${METADATA_FILE}' is ${entry.size} bytes, more than ${MAX_METADATA_BYTES}`, METADATA_FILE));
    return undefined;
  }
  let bytes;
  try {
    bytes = await contents.read(METADATA_FILE);
  } catch (error) {
    findings.add(withEntry(error, METADATA_FILE, 'ERR_CORRUPT_DATABASE'));
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    findings.add(problem('ERR_CORRUPT_DATABASE', `The metadata file '${METADATA_FILE}' is not UTF-8 JSON`, METADATA_FILE));
    return undefined;
  }
  const version = (raw as { formatVersion?: unknown } | null | undefined)?.formatVersion;
  if (typeof version === 'number' && Number.isSafeInteger(version) && version > 0 && version !== FORMAT_VERSION) {
    findings.add(
      problem('ERR_UNSUPPORTED_FORMAT_VERSION', `The metadata file '${METADATA_FILE}' has format version ${version}; this implementation opens version ${FORMAT_VERSION}`, METADATA_FILE),
    );
    return undefined;
  }
  try {
    return parseMetadata(bytes, METADATA_FILE);
  } catch (error) {
    findings.add(withEntry(error, METADATA_FILE, 'ERR_CORRUPT_DATABASE'));
    return undefined;
  }
}

async function checkWal(contents: BackupContents, wal: BackupFile, clusterFiles: ReadonlySet<string>, findings: Findings): Promise<void> {
  if (wal.size > MAX_WAL_BYTES) {
    findings.add(problem('ERR_CORRUPT_WAL', `The write-ahead log '${WAL_FILE}' is ${wal.size} bytes, more than a backup's log can be (${MAX_WAL_BYTES})`, WAL_FILE));
    return;
  }
  let parsed;
  try {
    parsed = parseWal(await contents.read(WAL_FILE), WAL_FILE);
  } catch (error) {
    findings.add(withEntry(error, WAL_FILE, 'ERR_CORRUPT_WAL'));
    return;
  }
  for (const group of parsed.groups) {
    for (const image of group.images) {
      if (!clusterFiles.has(image.file)) {
        findings.add(problem('ERR_CORRUPT_WAL', `The write-ahead log holds a page of '${image.file}', which is not a file of the database`, WAL_FILE));
        return;
      }
      try {
        verifyPage(image.page, image.file, image.index);
      } catch {
        findings.add(problem('ERR_CORRUPT_WAL', `The write-ahead log holds a damaged image of page ${image.index} of '${image.file}'`, WAL_FILE));
        return;
      }
    }
  }
}
