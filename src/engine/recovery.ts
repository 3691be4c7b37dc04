/**
 * Crash recovery: replays the committed page images of the write-ahead log into the data files.
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { errnoOf, fail, messageOf } from '../errors.js';
import type { FileHandle, FileSystem } from '../fs/index.js';
import { PAGE_SIZE, WAL_FILE } from './constants.js';
import { verifyPage } from './page.js';
import { writeFully } from './page-store.js';
import { parseWal } from './wal-format.js';

/** What recovery found. */
export interface RecoveryResult {
  /** The highest LSN the log knows of (its checkpoint LSN or the last committed group's). */
  readonly lsn: number;
  /** Committed groups replayed. */
  readonly groups: number;
  /** Pages written. */
  readonly pages: number;
  /** True when an uncommitted or torn tail was ignored. */
  readonly tornTail: boolean;
}

/**
 * Reads `database.wal` of `directory` and writes the last committed image of every logged page to
 * its data file (found by name in `files`), then fsyncs those files. Writing whole committed images
 * in log order also repairs pages torn by a crash during a checkpoint. A missing log means there
 * is nothing to replay. A log naming an unknown file, or holding a damaged page image in a
 * committed group, is `ERR_CORRUPT_WAL`.
 */
export async function recover(fs: FileSystem, directory: string, files: ReadonlyMap<string, FileHandle>): Promise<RecoveryResult> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(join(directory, WAL_FILE));
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return { lsn: 0, groups: 0, pages: 0, tornTail: false };
    throw fail('ERR_IO', `Reading the write-ahead log failed: ${messageOf(error)}`, { cause: error });
  }
  const wal = parseWal(bytes, WAL_FILE);
  const latest = new Map<string, { file: string; index: number; page: Buffer }>();
  let lsn = wal.checkpointLsn;
  for (const group of wal.groups) {
    lsn = Math.max(lsn, group.lsn);
    for (const image of group.images) latest.set(`${image.file}\0${image.index}`, image);
  }
  const touched = new Set<FileHandle>();
  for (const image of latest.values()) {
    const handle = files.get(image.file);
    if (handle === undefined) {
      throw fail('ERR_CORRUPT_WAL', `The write-ahead log holds a page of '${image.file}', which is not a file of this database`, {
        details: { file: WAL_FILE, dataFile: image.file },
      });
    }
    try {
      verifyPage(image.page, image.file, image.index);
    } catch {
      throw fail('ERR_CORRUPT_WAL', `The write-ahead log holds a damaged image of page ${image.index} of '${image.file}'`, {
        details: { file: WAL_FILE, dataFile: image.file, page: image.index },
      });
    }
    await writeFully(handle, image.page, image.index * PAGE_SIZE);
    touched.add(handle);
  }
  for (const handle of touched) await handle.sync();
  return { lsn, groups: wal.groups.length, pages: latest.size, tornTail: wal.tornTail };
}
