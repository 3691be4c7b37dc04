/**
 * Finding the files of a chain in a directory.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { asCodedError, errnoOf, fail, messageOf } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { isChainFileName } from './chain-file-name.js';

function isMissing(error: unknown): boolean {
  const code = errnoOf(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Fails with `ERR_BACKUP_DIR_NOT_FOUND` unless `directory` exists and is a directory. */
export async function requireChainDirectory(fs: FileSystem, directory: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await fs.stat(directory)).isDirectory;
  } catch (error) {
    if (!isMissing(error)) throw asCodedError(error, 'ERR_IO', `Checking the backup directory '${directory}' failed: ${messageOf(error)}`);
  }
  if (!isDirectory) {
    throw fail('ERR_BACKUP_DIR_NOT_FOUND', `The backup directory '${directory}' does not exist or is not a directory`, { details: { directory } });
  }
}

/**
 * The names of the chain files of `directory`, sorted: regular files (or symbolic links to regular
 * files) whose names end in `.ibu`. Other files (temporary files, notes, lock files) and
 * subdirectories are ignored (spec/incremental.md INCR-014).
 */
export async function listChainFiles(fs: FileSystem, directory: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(directory);
  } catch (error) {
    if (isMissing(error)) {
      throw fail('ERR_BACKUP_DIR_NOT_FOUND', `The backup directory '${directory}' does not exist or is not a directory`, { details: { directory } });
    }
    throw asCodedError(error, 'ERR_IO', `Listing the backup directory '${directory}' failed: ${messageOf(error)}`);
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!isChainFileName(entry.name)) continue;
    if (entry.isFile) {
      names.push(entry.name);
    } else if (entry.isSymbolicLink) {
      const target = await fs.stat(join(directory, entry.name)).catch(() => undefined);
      if (target?.isFile === true) names.push(entry.name);
    }
  }
  // The default sort compares UTF-16 code units: the order of the names' bytes for ASCII names.
  return names.sort();
}
