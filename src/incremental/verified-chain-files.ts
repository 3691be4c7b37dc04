/**
 * Checking the newest file of a chain before an incremental backup builds on it (spec/incremental.md
 * INCR-027), without reading a large file again and again.
 *
 * The full check (`checkChainFileContent`) inflates every entry and compares its CRC-32, size and
 * SHA-256 with the manifest, checks every page record, and hashes the whole file for the next
 * file's link. For the chain's first file that is a read of a whole database: an incremental
 * backup of 1% of the pages would spend most of its time re-checking it (issue 9). So this
 * process remembers, per file, the SHA-256 of the bytes it wrote (or found sound), and at the
 * next backup takes the cheapest proof that the file is still those bytes:
 *
 * 1. **unchanged since**: same size and mtime as when it was recorded, and the record is not
 *    "racy" (it was made at least {@link RACY_MS} after the file's mtime, so that any later write
 *    through the file system, even within the same clock tick as ours, shows as a new mtime; the
 *    rule is git's for its index). Nothing is read;
 * 2. **same bytes**: otherwise, a file of the same size whose SHA-256 is the one recorded is
 *    byte for byte the file that passed (or was given) every check: one sequential read;
 * 3. otherwise the full check, whose result is then remembered if the file is sound.
 *
 * What this does not see at backup time: silent corruption of the medium that leaves size and
 * mtime alone (rule 1 trusts them), and a write racing the backup that wrote the file within the
 * same clock tick. Restore and verify read everything and catch both. Nothing is remembered
 * across processes: the first backup of a process makes the full check.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import type { FileStat, FileSystem } from '../fs/index.js';
import type { ChainFileList } from './chain-format.js';
import { type ChainFileFacts, type InspectOptions, checkChainFileContent, hashFile } from './inspect-chain-file.js';

/**
 * A record is trusted without reading the file only if it was made at least this long after the
 * file's last modification: longer than any file system's timestamp granularity (coarse clock
 * ticks are 1 to 10 ms).
 */
export const RACY_MS = 50;

/** Records kept per file system, oldest dropped first. */
const MAX_RECORDS = 256;

/** What is remembered about a sound chain file. */
interface VerifiedFile {
  readonly size: number;
  readonly mtimeMs: number;
  /** When the record was made (wall clock, ms). */
  readonly recordedAt: number;
  readonly sha256: string;
  readonly fileList: ChainFileList;
}

/** How {@link checkNewestChainFile} established the file's soundness (for tests and benchmarks). */
export type NewestFileCheck = 'unchanged' | 'same-bytes' | 'full';

const records = new WeakMap<FileSystem, Map<string, VerifiedFile>>();

function recordsOf(fs: FileSystem): Map<string, VerifiedFile> {
  let map = records.get(fs);
  if (map === undefined) {
    map = new Map();
    records.set(fs, map);
  }
  return map;
}

function statOrUndefined(fs: FileSystem, path: string): Promise<FileStat | undefined> {
  return fs.stat(path).catch(() => undefined);
}

/**
 * Remembers that the chain file at `path` (on `fs`), as `stat` describes it, has the SHA-256
 * `sha256` and lists `fileList`, and is sound: the backup that wrote it, or a full check, says so.
 */
export function rememberChainFile(fs: FileSystem, path: string, stat: FileStat, sha256: string, fileList: ChainFileList, recordedAt = Date.now()): void {
  const map = recordsOf(fs);
  const key = resolve(path);
  map.delete(key);
  map.set(key, { size: stat.size, mtimeMs: stat.mtimeMs, recordedAt, sha256, fileList });
  if (map.size > MAX_RECORDS) map.delete(map.keys().next().value!);
}

/** Forgets everything remembered about files of `fs` (tests). */
export function forgetChainFiles(fs: FileSystem): void {
  records.delete(fs);
}

function adopt(facts: ChainFileFacts, known: VerifiedFile): void {
  facts.contentChecked = true;
  facts.sha256 = known.sha256;
  facts.fileList = known.fileList;
}

/**
 * Fills in what `checkChainFileContent` would for the newest file of a chain (its SHA-256 and
 * file list, or the problem that makes it unusable), by the cheapest of the three proofs of the
 * module documentation, and remembers a sound file for next time. `facts` comes from
 * `readChainManifest` (its manifest was read and parsed).
 */
export async function checkNewestChainFile(facts: ChainFileFacts, options: InspectOptions): Promise<NewestFileCheck> {
  const map = recordsOf(options.fs);
  const key = resolve(facts.path);
  const known = map.get(key);
  // Taken before the stat: whatever changes the file after this moment gives it a later mtime
  // (once the record is not racy), so an unchanged stat after the read proves the read saw it whole.
  const checkedAt = Date.now();
  const before = await statOrUndefined(options.fs, facts.path);
  const manifestSound = facts.unreadable === undefined && facts.malformed === undefined && facts.manifest !== undefined;
  if (known !== undefined && before !== undefined && manifestSound && before.size === known.size) {
    if (before.mtimeMs === known.mtimeMs && known.recordedAt - known.mtimeMs >= RACY_MS) {
      adopt(facts, known);
      return 'unchanged';
    }
    const sha256 = await hashFile(options.fs, facts.path).catch(() => undefined);
    const after = await statOrUndefined(options.fs, facts.path);
    if (sha256 === known.sha256 && after !== undefined && after.size === before.size && after.mtimeMs === before.mtimeMs) {
      adopt(facts, known);
      rememberChainFile(options.fs, facts.path, before, known.sha256, known.fileList, checkedAt);
      return 'same-bytes';
    }
  }
  map.delete(key);
  await checkChainFileContent(facts, options);
  const after = await statOrUndefined(options.fs, facts.path);
  const sound = facts.unreadable === undefined && facts.malformed === undefined && facts.sha256 !== undefined && facts.fileList !== undefined;
  if (sound && before !== undefined && after !== undefined && after.size === before.size && after.mtimeMs === before.mtimeMs) {
    rememberChainFile(options.fs, facts.path, before, facts.sha256!, facts.fileList!, checkedAt);
  }
  return 'full';
}
