/**
 * Reading one file of a chain and recording everything the chain checks need, without judging
 * the chain yet (`evaluate-chain.ts` does that, in the order of spec/incremental.md INCR-024).
 *
 * Reading happens in two steps, so that a long chain is not read in full when only its manifests
 * are needed: {@link readChainManifest} opens the archive (every structural check of the safe
 * reader) and reads the manifest; {@link checkChainFileContent} then reads every other entry
 * (CRC-32, size and SHA-256 against the manifest, the page records, the metadata) and hashes the
 * whole file for the link of the next file.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type ArchiveLimits, openArchive, type SafeArchive } from '../archive/read/index.js';
import { MANIFEST_ENTRY, MANIFEST_FORMAT_VERSION, type IncrementalManifest, parseManifest } from '../backup/manifest.js';
import { FORMAT_VERSION, PAGE_SIZE } from '../engine/constants.js';
import { parseMetadata } from '../engine/metadata.js';
import { isEmptyPage, pageLsn, verifyPage } from '../engine/page.js';
import { asCodedError, messageOf } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { indexFromFileName } from './chain-file-name.js';
import {
  type ChainFileList,
  FILES_ENTRY,
  METADATA_ENTRY,
  PageRecordSplitter,
  pagedFileOfEntry,
  parseFileList,
} from './chain-format.js';
import type { ChainProblem } from './chain-problem.js';

/** The largest manifest or `files.json` read (a chain file of the reference holds a few kilobytes of each). */
const MAX_LISTING_BYTES = 16 * 1024 * 1024;

/** The largest metadata file read. */
const MAX_METADATA_BYTES = 64 * 1024 * 1024;

/** Chunk size of the whole-file hash. */
const HASH_CHUNK = 1024 * 1024;

/** What was learnt about one chain file. Filled in by the functions of this module. */
export interface ChainFileFacts {
  /** The file name (no directory). */
  readonly name: string;
  /** Its path. */
  readonly path: string;
  /** The index its name announces (an ordering hint for reports, never trusted). */
  readonly nameIndex: number | undefined;
  /** First check of INCR-024: empty, not a readable ZIP, a bad CRC-32, no manifest, manifest not JSON. */
  unreadable?: ChainProblem;
  /** The manifest's `formatVersion` as found (second check). */
  formatVersion?: unknown;
  /** The manifest's `databaseFormatVersion` as found (second check). */
  databaseFormatVersion?: unknown;
  /** The manifest's `index` as found, when it is a non-negative integer. */
  rawIndex?: number;
  /** The manifest, once it parsed as an incremental manifest. */
  manifest?: IncrementalManifest;
  /** Third check: the manifest's members, the entries' sizes and hashes, the content's own format. */
  malformed?: ChainProblem;
  /** True once {@link checkChainFileContent} ran. */
  contentChecked: boolean;
  /** SHA-256 of the file's bytes (set by {@link checkChainFileContent}). */
  sha256?: string;
  /** The parsed `files.json` (set by {@link checkChainFileContent}). */
  fileList?: ChainFileList;
}

/** Options of the reads. */
export interface InspectOptions {
  readonly fs: FileSystem;
  readonly limits?: Partial<ArchiveLimits>;
}

function where(facts: ChainFileFacts): string {
  return facts.rawIndex === undefined ? `'${facts.name}'` : `'${facts.name}' (index ${facts.rawIndex})`;
}

function problem(facts: ChainFileFacts, code: ChainProblem['code'], text: string, cause?: unknown): ChainProblem {
  return {
    code,
    message: `The backup file ${where(facts)} ${text}`,
    file: facts.name,
    ...(facts.rawIndex === undefined ? {} : { index: facts.rawIndex }),
    ...(cause === undefined ? {} : { cause }),
  };
}

/**
 * A failure of the safe reader, as a chain problem: an I/O error keeps its code (it says nothing
 * about the file); so does a limit exceeded when the caller set the limits (its own policy). Every
 * other archive fault means the file is damaged: `ERR_CHAIN_CORRUPT`. That includes a default
 * limit exceeded: those refuse only what no real chain file declares (a ratio DEFLATE cannot
 * reach, a terabyte entry), which is what a flipped bit in a size field looks like.
 */
function readFailure(facts: ChainFileFacts, what: string, error: unknown, options?: InspectOptions): ChainProblem {
  const coded = asCodedError(error, 'ERR_IO');
  const kept = coded.code === 'ERR_IO' || (coded.code === 'ERR_ARCHIVE_LIMIT_EXCEEDED' && options?.limits !== undefined);
  return problem(facts, kept ? coded.code : 'ERR_CHAIN_CORRUPT', `${what}: ${coded.message} (${coded.code})`, coded);
}

class TooLarge extends Error {}

async function readEntryBytes(archive: SafeArchive, entry: string, maxBytes: number): Promise<Buffer> {
  const declared = archive.index.entries.find((candidate) => candidate.name === entry)?.uncompressedSize ?? 0;
  if (declared > maxBytes) throw new TooLarge(`has an entry '${entry}' that declares ${declared} bytes, more than the ${maxBytes} accepted`);
  const chunks: Buffer[] = [];
  for await (const chunk of archive.readEntry(entry)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Opens the chain file `name` of `directory` and reads its manifest: records a first-check
 * problem (`unreadable`) when the file is empty, fails a structural check of the safe ZIP reader,
 * has no manifest, or its manifest fails its CRC-32 or is not JSON; the raw `formatVersion`,
 * `databaseFormatVersion` and `index`; and, when the versions are the supported ones, the parsed
 * manifest or a third-check problem (`malformed`: a member missing or wrong, a `kind` other than
 * `incremental`).
 */
export async function readChainManifest(directory: string, name: string, options: InspectOptions): Promise<ChainFileFacts> {
  const facts: ChainFileFacts = { name, path: join(directory, name), nameIndex: indexFromFileName(name), contentChecked: false };
  let size: number;
  try {
    size = (await options.fs.stat(facts.path)).size;
  } catch (error) {
    facts.unreadable = readFailure(facts, 'could not be read', error);
    return facts;
  }
  if (size === 0) {
    facts.unreadable = problem(facts, 'ERR_CHAIN_CORRUPT', 'is empty (zero bytes)');
    return facts;
  }
  let archive: SafeArchive;
  try {
    archive = await openArchive(facts.path, { fs: options.fs, ...(options.limits === undefined ? {} : { limits: options.limits }) });
  } catch (error) {
    facts.unreadable = readFailure(facts, 'is not a valid ZIP archive', error, options);
    return facts;
  }
  try {
    if (!archive.index.entries.some((entry) => entry.name === MANIFEST_ENTRY && !entry.isDirectory)) {
      facts.unreadable = problem(facts, 'ERR_CHAIN_CORRUPT', `has no ${MANIFEST_ENTRY}`);
      return facts;
    }
    let bytes: Buffer;
    try {
      bytes = await readEntryBytes(archive, MANIFEST_ENTRY, MAX_LISTING_BYTES);
    } catch (error) {
      facts.unreadable =
        error instanceof TooLarge ? problem(facts, 'ERR_CHAIN_CORRUPT', error.message) : readFailure(facts, `has an unreadable ${MANIFEST_ENTRY}`, error, options);
      return facts;
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      facts.unreadable = problem(facts, 'ERR_CHAIN_CORRUPT', `has a ${MANIFEST_ENTRY} that is not UTF-8 JSON`);
      return facts;
    }
    if (!isRecord(json)) {
      facts.unreadable = problem(facts, 'ERR_CHAIN_CORRUPT', `has a ${MANIFEST_ENTRY} that is not a JSON object`);
      return facts;
    }
    facts.formatVersion = json.formatVersion;
    facts.databaseFormatVersion = json.databaseFormatVersion;
    if (typeof json.index === 'number' && Number.isSafeInteger(json.index) && json.index >= 0) facts.rawIndex = json.index;
    if (facts.formatVersion !== MANIFEST_FORMAT_VERSION || facts.databaseFormatVersion !== FORMAT_VERSION) return facts;
    let manifest;
    try {
      manifest = parseManifest(bytes);
    } catch (error) {
      facts.malformed = readFailure(facts, `has an invalid ${MANIFEST_ENTRY}`, error);
      return facts;
    }
    if (manifest.kind !== 'incremental') {
      facts.malformed = problem(facts, 'ERR_CHAIN_CORRUPT', `is not an incremental backup file (its manifest's kind is "${manifest.kind}")`);
      return facts;
    }
    facts.manifest = manifest;
    return facts;
  } finally {
    await archive.close();
  }
}

/** SHA-256 of a whole file, read through `fs`. */
export async function hashFile(fs: FileSystem, path: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await fs.open(path, 'r');
  try {
    const buffer = Buffer.alloc(HASH_CHUNK);
    for (let position = 0; ; ) {
      const count = await handle.read(buffer, 0, buffer.length, position);
      if (count === 0) break;
      hash.update(buffer.subarray(0, count));
      position += count;
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** What reading the entries of a file found. */
interface EntryStats {
  readonly size: number;
  readonly sha256: string;
}

/**
 * Reads every entry of a chain file whose manifest was read (and that is not `unreadable`):
 * a read failure (a CRC-32 that does not match, a truncated or corrupt entry) is a first-check
 * problem; a difference between the entries and the manifest's `files` (a missing or unlisted
 * entry, another size or SHA-256), a missing or invalid `files.json`, a full file without
 * `database.ocf`, an invalid metadata file (or one of another instance or a later LSN), a page
 * entry of an unlisted file, and a page record that is malformed, fails its own CRC-32, is empty,
 * lies beyond its file's size or carries an LSN above the manifest's `lsn` are third-check
 * problems. Also hashes the whole file (even one that cannot be read otherwise). Sets `contentChecked`.
 */
export async function checkChainFileContent(facts: ChainFileFacts, options: InspectOptions): Promise<void> {
  if (facts.contentChecked) return;
  facts.contentChecked = true;
  // The hash first: even a damaged file's bytes tell whether the next file's link points at them.
  try {
    facts.sha256 = await hashFile(options.fs, facts.path);
  } catch (error) {
    facts.unreadable ??= readFailure(facts, 'could not be read', error);
    return;
  }
  if (facts.unreadable !== undefined) return;
  const manifest = facts.manifest;
  let malformed: ChainProblem | undefined;
  const note = (text: string): void => {
    malformed ??= problem(facts, 'ERR_CHAIN_CORRUPT', text);
  };
  let archive: SafeArchive;
  try {
    archive = await openArchive(facts.path, { fs: options.fs, ...(options.limits === undefined ? {} : { limits: options.limits }) });
  } catch (error) {
    facts.unreadable = readFailure(facts, 'is not a valid ZIP archive', error, options);
    return;
  }
  const stats = new Map<string, EntryStats>();
  let metadataBytes: Buffer | undefined;
  try {
    const names = archive.index.entries.filter((entry) => !entry.isDirectory && entry.name !== MANIFEST_ENTRY).map((entry) => entry.name);
    // files.json first: the page records are checked against the sizes it lists.
    const ordered = [...names.filter((name) => name === FILES_ENTRY), ...names.filter((name) => name !== FILES_ENTRY)];
    for (const entry of ordered) {
      const hash = createHash('sha256');
      let size = 0;
      const keep = entry === FILES_ENTRY || entry === METADATA_ENTRY;
      const kept: Buffer[] = [];
      const pagedFile = pagedFileOfEntry(entry);
      const listed = pagedFile === undefined ? undefined : facts.fileList?.files.find((file) => file.name === pagedFile);
      if (pagedFile !== undefined && facts.fileList !== undefined && listed === undefined) {
        note(`holds pages of '${pagedFile}', which its ${FILES_ENTRY} does not list`);
      }
      const splitter = pagedFile === undefined ? undefined : new PageRecordSplitter(entry);
      const checkRecords = (records: ReturnType<PageRecordSplitter['push']>): void => {
        for (const { pageIndex, page } of records) {
          if (listed !== undefined && (pageIndex + 1) * PAGE_SIZE > listed.size) {
            note(`holds page ${pageIndex} of '${pagedFile}', beyond its listed size of ${listed.size} bytes`);
          }
          if (isEmptyPage(page)) {
            note(`holds an empty page ${pageIndex} of '${pagedFile}'`);
            continue;
          }
          try {
            verifyPage(page, pagedFile ?? entry, pageIndex);
          } catch {
            note(`holds page ${pageIndex} of '${pagedFile}', which fails its checksum`);
            continue;
          }
          if (manifest !== undefined && pageLsn(page) > manifest.lsn) {
            note(`holds page ${pageIndex} of '${pagedFile}' with LSN ${pageLsn(page)}, above the file's LSN ${manifest.lsn}`);
          }
        }
      };
      const maxKept = entry === METADATA_ENTRY ? MAX_METADATA_BYTES : MAX_LISTING_BYTES;
      try {
        for await (const chunk of archive.readEntry(entry)) {
          hash.update(chunk);
          size += chunk.length;
          if (keep && size <= maxKept) kept.push(chunk);
          if (splitter !== undefined) checkRecords(splitter.push(chunk));
        }
      } catch (error) {
        facts.unreadable = readFailure(facts, `has an unreadable entry '${entry}'`, error, options);
        return;
      }
      if (splitter !== undefined) {
        try {
          splitter.end();
        } catch (error) {
          note(messageOf(error));
        }
      }
      stats.set(entry, { size, sha256: hash.digest('hex') });
      if (keep && size > maxKept) {
        note(`has an entry '${entry}' of ${size} bytes, more than the ${maxKept} accepted`);
      } else if (entry === FILES_ENTRY) {
        try {
          facts.fileList = parseFileList(Buffer.concat(kept));
        } catch (error) {
          note(`has an invalid ${FILES_ENTRY}: ${messageOf(error)}`);
        }
      } else if (entry === METADATA_ENTRY) {
        metadataBytes = Buffer.concat(kept);
      }
    }
  } finally {
    await archive.close();
  }
  if (manifest === undefined) {
    facts.malformed ??= malformed;
    return;
  }
  // The manifest must list exactly the entries, with their sizes and hashes.
  const listedNames = new Set(manifest.files.map((file) => file.name));
  for (const file of manifest.files) {
    const actual = stats.get(file.name);
    if (actual === undefined) note(`lacks the entry '${file.name}' its manifest lists`);
    else if (actual.size !== file.size) note(`has an entry '${file.name}' of ${actual.size} bytes where its manifest says ${file.size}`);
    else if (actual.sha256 !== file.sha256) note(`has an entry '${file.name}' whose SHA-256 differs from its manifest's`);
  }
  for (const name of stats.keys()) if (!listedNames.has(name)) note(`holds an entry '${name}' its manifest does not list`);
  if (!stats.has(FILES_ENTRY)) note(`has no ${FILES_ENTRY}`);
  if (manifest.full && metadataBytes === undefined) note(`is the chain's full file but holds no ${METADATA_ENTRY}`);
  if (metadataBytes !== undefined) {
    try {
      const metadata = parseMetadata(metadataBytes, `${facts.name}:${METADATA_ENTRY}`);
      if (metadata.instanceId !== manifest.instanceId) note(`holds a ${METADATA_ENTRY} of another instance (${metadata.instanceId})`);
      if (metadata.lsn > manifest.lsn) note(`holds a ${METADATA_ENTRY} with LSN ${metadata.lsn}, above the file's LSN ${manifest.lsn}`);
    } catch (error) {
      note(`holds an invalid ${METADATA_ENTRY}: ${messageOf(error)}`);
    }
  }
  facts.malformed ??= malformed;
}
