/**
 * What an incremental backup file holds besides its manifest. Every file of a chain is a ZIP
 * archive (spec/incremental.md INCR-008) with these entries:
 *
 * - `files.json` (always): the database's paged files as of the backup, each with its size in
 *   bytes, and the files removed since the previous file of the chain:
 *   `{ "pageSize": 8192, "files": [{ "name": "person.pcl", "size": 16384 }, ...], "removed": [] }`.
 *   Applying the file makes every listed file exactly that long (growth and truncation alike) and
 *   deletes the removed ones.
 * - `pages/<file>.pages` (one per paged file with at least one page to carry): a sequence of
 *   records, each a 4-byte big-endian page index followed by the page's {@link PAGE_SIZE} bytes.
 *   The chain's first file (index 0) carries every page of every file; a later file carries the
 *   pages whose LSN is greater than the previous file's `lsn` (and every page of a file that is
 *   new since then). Pages keep their own header (LSN, CRC-32), so each is checked on its own.
 * - `database.ocf` (in the first file, and in a later file when the metadata changed since the
 *   previous one, that is when its own `lsn` is greater than the previous file's `lsn`): the
 *   metadata file, whole.
 * - `backup-manifest.json`, last: the manifest (`src/backup/manifest.ts`).
 *
 * The write-ahead log is not carried: a backup is taken from a checkpointed snapshot, so applying
 * a chain ends with an empty log whose header names the last file's `lsn`.
 *
 * @packageDocumentation
 */
import { fail } from '../errors.js';
import { DATA_FILE_EXTENSION, METADATA_FILE, PAGE_SIZE, POSITION_MAP_FILE_EXTENSION } from '../engine/constants.js';

/** The entry listing the paged files and their sizes. */
export const FILES_ENTRY = 'files.json';

/** The entry holding the metadata file, when the file carries it. */
export const METADATA_ENTRY = METADATA_FILE;

/** The folder of the page entries inside the archive. */
export const PAGES_FOLDER = 'pages/';

/** The suffix of a page entry's name. */
export const PAGES_SUFFIX = '.pages';

/** Bytes of one page record: the page index (u32, big-endian), then the page. */
export const PAGE_RECORD_SIZE = 4 + PAGE_SIZE;

/**
 * The names a paged file of the reference engine can have: a cluster name (a class name in lower
 * case: a letter or `_`, then up to 63 letters, digits or `_`) and `.pcl` or `.cpm`. Anything else
 * in a chain file (a path, `..`) is refused before it could name a file outside the staging
 * directory.
 */
const PAGED_FILE_NAME = new RegExp(
  `^[a-z_][a-z0-9_]{0,63}(${DATA_FILE_EXTENSION.replace('.', '\\.')}|${POSITION_MAP_FILE_EXTENSION.replace('.', '\\.')})$`,
);

/** True for a name a paged file (`.pcl` or `.cpm`) of the engine can have. */
export function isPagedFileName(name: string): boolean {
  return PAGED_FILE_NAME.test(name);
}

/** The entry name carrying the pages of `file`. */
export function pagesEntryName(file: string): string {
  return `${PAGES_FOLDER}${file}${PAGES_SUFFIX}`;
}

/** The paged file whose pages the entry `entry` carries, or `undefined` when `entry` is not a page entry. */
export function pagedFileOfEntry(entry: string): string | undefined {
  if (!entry.startsWith(PAGES_FOLDER) || !entry.endsWith(PAGES_SUFFIX)) return undefined;
  return entry.slice(PAGES_FOLDER.length, entry.length - PAGES_SUFFIX.length);
}

/** One paged file as `files.json` lists it. */
export interface ListedFile {
  readonly name: string;
  readonly size: number;
}

/** The content of `files.json`. */
export interface ChainFileList {
  /** The page size of the database; always {@link PAGE_SIZE}. */
  readonly pageSize: number;
  /** Every paged file of the database as of the backup, sorted by name. */
  readonly files: readonly ListedFile[];
  /** The paged files of the previous file's list that no longer exist, sorted by name. */
  readonly removed: readonly string[];
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The bytes of `files.json` for `list` (files and removals sorted by name). */
export function encodeFileList(list: ChainFileList): Buffer {
  const value = {
    pageSize: list.pageSize,
    files: [...list.files].sort((a, b) => byName(a.name, b.name)).map(({ name, size }) => ({ name, size })),
    removed: [...list.removed].sort(byName),
  };
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}

function corrupt(message: string): never {
  throw fail('ERR_CHAIN_CORRUPT', `${FILES_ENTRY}: ${message}`, { details: { entry: FILES_ENTRY } });
}

/**
 * Parses `files.json`. Anything but the documented shape (a page size other than
 * {@link PAGE_SIZE}, a name that is not a paged file's, a size that is not a whole number of
 * pages, a name listed twice or both listed and removed) is `ERR_CHAIN_CORRUPT`.
 */
export function parseFileList(bytes: Uint8Array): ChainFileList {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    corrupt('not UTF-8 JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) corrupt('not a JSON object');
  const { pageSize, files, removed } = value as Record<string, unknown>;
  if (pageSize !== PAGE_SIZE) corrupt(`"pageSize" must be ${PAGE_SIZE}, got ${JSON.stringify(pageSize)}`);
  if (!Array.isArray(files)) corrupt('"files" must be an array');
  if (!Array.isArray(removed)) corrupt('"removed" must be an array');
  const seen = new Set<string>();
  const listed: ListedFile[] = [];
  for (const item of files as unknown[]) {
    const { name, size } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !isPagedFileName(name)) corrupt(`${JSON.stringify(name)} is not the name of a paged file`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size % PAGE_SIZE !== 0) {
      corrupt(`the size of '${name}' must be a whole number of ${PAGE_SIZE}-byte pages, got ${JSON.stringify(size)}`);
    }
    if (seen.has(name)) corrupt(`'${name}' is listed twice`);
    seen.add(name);
    listed.push({ name, size });
  }
  const gone: string[] = [];
  for (const name of removed as unknown[]) {
    if (typeof name !== 'string' || !isPagedFileName(name)) corrupt(`${JSON.stringify(name)} is not the name of a paged file`);
    if (seen.has(name)) corrupt(`'${name}' is both listed and removed`);
    seen.add(name);
    gone.push(name);
  }
  return { pageSize: PAGE_SIZE, files: listed.sort((a, b) => byName(a.name, b.name)), removed: gone.sort(byName) };
}

/** Encodes one page record. */
export function encodePageRecord(pageIndex: number, page: Uint8Array): Buffer {
  const record = Buffer.alloc(PAGE_RECORD_SIZE);
  record.writeUInt32BE(pageIndex, 0);
  record.set(page, 4);
  return record;
}

/** A page read back from a page entry. */
export interface PageRecord {
  readonly pageIndex: number;
  /** A copy of the page's bytes. */
  readonly page: Buffer;
}

/**
 * Splits the chunks of a page entry into records, whatever the chunk boundaries. Call
 * {@link PageRecordSplitter.end} after the last chunk: an entry whose length is not a whole number
 * of records is `ERR_CHAIN_CORRUPT`.
 */
export class PageRecordSplitter {
  private readonly partial = Buffer.alloc(PAGE_RECORD_SIZE);
  private filled = 0;

  constructor(private readonly entry: string) {}

  /** The records completed by `chunk`. */
  push(chunk: Buffer): PageRecord[] {
    const records: PageRecord[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.filled === 0 && chunk.length - at >= PAGE_RECORD_SIZE) {
        records.push(toRecord(chunk.subarray(at, at + PAGE_RECORD_SIZE)));
        at += PAGE_RECORD_SIZE;
        continue;
      }
      const count = Math.min(PAGE_RECORD_SIZE - this.filled, chunk.length - at);
      chunk.copy(this.partial, this.filled, at, at + count);
      this.filled += count;
      at += count;
      if (this.filled === PAGE_RECORD_SIZE) {
        records.push(toRecord(this.partial));
        this.filled = 0;
      }
    }
    return records;
  }

  /** Checks that no partial record is left. */
  end(): void {
    if (this.filled !== 0) {
      throw fail('ERR_CHAIN_CORRUPT', `${this.entry}: the entry ends inside a page record (${this.filled} stray bytes)`, {
        details: { entry: this.entry },
      });
    }
  }
}

function toRecord(bytes: Buffer): PageRecord {
  return { pageIndex: bytes.readUInt32BE(0), page: Buffer.from(bytes.subarray(4, PAGE_RECORD_SIZE)) };
}
