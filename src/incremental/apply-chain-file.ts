/**
 * Applying one checked chain file to a staging directory (see `chain-format.ts` for what the file
 * holds): the metadata file replaced when the file carries it, removed files deleted, every page
 * written at its place, every listed file made exactly its listed size. Each entry's SHA-256 is
 * compared with the manifest again while it is applied, so a file changed since it was checked
 * is refused rather than half applied.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type ArchiveLimits, type SafeArchive, openArchive } from '../archive/read/index.js';
import { PAGE_SIZE } from '../engine/constants.js';
import { asCodedError, errnoOf, fail } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/index.js';
import { FILES_ENTRY, METADATA_ENTRY, PageRecordSplitter, isPagedFileName, pagesEntryName } from './chain-format.js';
import type { ChainFileFacts } from './inspect-chain-file.js';

/** What applying a file did. */
export interface AppliedFile {
  /** Pages written. */
  readonly pages: number;
  /** True when the metadata file was replaced. */
  readonly metadata: boolean;
}

function changed(facts: ChainFileFacts, index: number, entry: string): Error {
  return fail('ERR_CHAIN_CORRUPT', `The backup file '${facts.name}' changed while it was restored (entry '${entry}')`, {
    details: { file: facts.name, entry, index },
  });
}

/**
 * What a failure while reading or applying the chain file becomes: the archive's complaints
 * (the file was checked, so they mean it changed since) `ERR_CHAIN_CORRUPT`, except a limit
 * exceeded; coded errors as they are; anything else `ERR_IO`.
 */
function applyFailure(facts: ChainFileFacts, index: number, error: unknown): Error {
  const coded = asCodedError(error, 'ERR_IO', `Applying the backup file '${facts.name}' failed: ${error instanceof Error ? error.message : String(error)}`);
  const archiveComplaint = coded.code === 'ERR_NOT_A_ZIP' || (coded.code.startsWith('ERR_ARCHIVE_') && coded.code !== 'ERR_ARCHIVE_LIMIT_EXCEEDED');
  if (!archiveComplaint) return coded;
  return fail('ERR_CHAIN_CORRUPT', `The backup file '${facts.name}' changed while it was restored: ${coded.message}`, {
    cause: coded,
    details: { file: facts.name, index },
  });
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await handle.write(bytes, done, bytes.length - done, position + done);
}

async function openForUpdate(fs: FileSystem, path: string): Promise<FileHandle> {
  try {
    return await fs.open(path, 'r+');
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw error;
    return fs.open(path, 'w+');
  }
}

/**
 * Applies the chain file `facts` (checked by `checkChainFileContent`, so it has a manifest and a
 * file list) to `stagingDir`. Fails with `ERR_CHAIN_CORRUPT` when the file no longer matches its
 * manifest, or when after it the staging directory's paged files are not exactly those it lists;
 * with `ERR_IO` when the disk fails. Every file written is fsynced.
 */
export async function applyChainFile(
  facts: ChainFileFacts,
  stagingDir: string,
  options: { readonly fs: FileSystem; readonly limits?: Partial<ArchiveLimits> },
): Promise<AppliedFile> {
  const { fs } = options;
  const manifest = facts.manifest;
  const list = facts.fileList;
  if (manifest === undefined || list === undefined) throw fail('ERR_INVALID_ARGUMENT', `applyChainFile: '${facts.name}' was not checked`);
  const expected = new Map(manifest.files.map((file) => [file.name, file.sha256]));
  const chainIndex = manifest.index;
  let archive: SafeArchive | undefined;
  let pages = 0;
  let metadata = false;
  try {
    // Opened inside the try: a file replaced since it was checked may no longer be a ZIP at all.
    const opened = await openArchive(facts.path, { fs, limits: options.limits });
    archive = opened;
    const { index } = opened;
    /** Streams an entry, hashing it; fails when it no longer matches the manifest. */
    async function* entry(name: string): AsyncGenerator<Buffer> {
      const sha256 = expected.get(name);
      if (sha256 === undefined || !index.entries.some((candidate) => candidate.name === name)) throw changed(facts, chainIndex, name);
      const hash = createHash('sha256');
      for await (const chunk of opened.readEntry(name)) {
        hash.update(chunk);
        yield chunk;
      }
      if (hash.digest('hex') !== sha256) throw changed(facts, chainIndex, name);
    }

    if (expected.has(METADATA_ENTRY)) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry(METADATA_ENTRY)) chunks.push(chunk);
      const handle = await fs.open(join(stagingDir, METADATA_ENTRY), 'w');
      try {
        await writeAll(handle, Buffer.concat(chunks), 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
      metadata = true;
    }
    // files.json was parsed when the file was checked; make sure it is still the same bytes.
    for await (const chunk of entry(FILES_ENTRY)) void chunk;

    for (const name of list.removed) await fs.rm(join(stagingDir, name), { force: true });
    for (const file of list.files) {
      const handle = await openForUpdate(fs, join(stagingDir, file.name));
      try {
        const pagesEntry = pagesEntryName(file.name);
        if (expected.has(pagesEntry)) {
          const splitter = new PageRecordSplitter(pagesEntry);
          for await (const chunk of entry(pagesEntry)) {
            for (const record of splitter.push(chunk)) {
              await writeAll(handle, record.page, record.pageIndex * PAGE_SIZE);
              pages++;
            }
          }
          splitter.end();
        }
        await handle.truncate(file.size);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    throw applyFailure(facts, chainIndex, error);
  } finally {
    await archive?.close();
  }
  const listed = new Set(list.files.map((file) => file.name));
  let stagedNames: string[];
  try {
    stagedNames = (await fs.readdir(stagingDir)).map((dirEntry) => dirEntry.name);
  } catch (error) {
    throw applyFailure(facts, chainIndex, error);
  }
  const staged = stagedNames.filter(isPagedFileName);
  const unexpected = staged.filter((name) => !listed.has(name));
  if (unexpected.length > 0) {
    throw fail('ERR_CHAIN_CORRUPT', `After the backup file '${facts.name}' the database holds files its list does not name: ${unexpected.join(', ')}`, {
      details: { file: facts.name, index: chainIndex },
    });
  }
  return { pages, metadata };
}
