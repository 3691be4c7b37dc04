/**
 * Verifying one archive without restoring it: the same checks as a restore, in the same order,
 * so that the report's code is the one a restore of the same bytes rejects with (`VERIFY-003`).
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { openArchive, type SafeArchive } from '../archive/read/open-archive.js';
import type { ArchiveLimits } from '../archive/read/limits.js';
import { BackupConformanceError, asCodedError } from '../errors.js';
import { type FileSystem, nodeFileSystem } from '../fs/index.js';
import { type BackupContents, type BackupFile, PageScanner } from '../restore/backup-contents.js';
import { checkBackupContents } from '../restore/check-backup.js';
import type { VerifyResult } from './verify-result.js';
import { invalidResult, verdictLine } from './verify-result.js';

/** Options of {@link verifyArchive}. */
export interface VerifyArchiveOptions {
  /** Where the archive is read from (default: the real disk). */
  readonly fs?: FileSystem;
  /** Archive limits, as for a restore (default: the reader's defaults). */
  readonly limits?: Partial<ArchiveLimits>;
}

/** What one pass over an entry found. */
interface EntryOutcome {
  readonly file?: BackupFile;
  readonly dataProblem?: BackupConformanceError;
  readonly pageProblem?: BackupConformanceError;
}

async function readEntryOnce(archive: SafeArchive, name: string): Promise<EntryOutcome> {
  const hash = createHash('sha256');
  const scanner = new PageScanner(name);
  let size = 0;
  try {
    for await (const chunk of archive.readEntry(name)) {
      hash.update(chunk);
      scanner.push(chunk);
      size += chunk.length;
    }
  } catch (error) {
    return { dataProblem: asCodedError(error, 'ERR_ARCHIVE_MALFORMED') };
  }
  const pageProblem = scanner.finish();
  return { file: { name, size, sha256: hash.digest('hex') }, ...(pageProblem === undefined ? {} : { pageProblem }) };
}

function line(name: string, found: BackupConformanceError | undefined): string {
  return found === undefined ? `${name}: ok` : `${name}: ${found.code} ${found.message}`;
}

/**
 * Checks the archive at `path` and reports one line per file and a verdict:
 * 1. the archive's structure (`openArchive`); a failure there gives the verdict line alone;
 * 2. every file entry read once, in central directory order: size, DEFLATE stream, CRC-32, and on
 *    the way its SHA-256 and its page checksums;
 * 3. when every entry read soundly, the manifest and the database structure
 *    (`checkBackupContents`, collecting every problem).
 * The report's code is that of the first problem in this order; each file's line names the first
 * problem found in it, or `ok`. Never rejects for a bad archive.
 */
export async function verifyArchive(path: string, options: VerifyArchiveOptions = {}): Promise<VerifyResult> {
  const fs = options.fs ?? nodeFileSystem;
  let archive: SafeArchive;
  try {
    archive = await openArchive(path, { fs, ...(options.limits === undefined ? {} : { limits: options.limits }) });
  } catch (error) {
    return invalidResult(asCodedError(error, 'ERR_ARCHIVE_MALFORMED'), []);
  }
  try {
    const names = archive.index.entries.filter((entry) => !entry.isDirectory).map((entry) => entry.name);
    const outcomes = new Map<string, EntryOutcome>();
    for (const name of names) outcomes.set(name, await readEntryOnce(archive, name));
    const dataProblems = names.map((name) => outcomes.get(name)!.dataProblem).filter((found) => found !== undefined);
    if (dataProblems.length > 0) {
      return invalidResult(dataProblems[0]!, names.map((name) => line(name, outcomes.get(name)!.dataProblem)));
    }
    const contents: BackupContents = {
      files: names.map((name) => outcomes.get(name)!.file!),
      async read(name) {
        const chunks: Buffer[] = [];
        for await (const chunk of archive.readEntry(name)) chunks.push(chunk);
        return Buffer.concat(chunks);
      },
      async pageProblem(name) {
        return outcomes.get(name)?.pageProblem;
      },
    };
    const { problems } = await checkBackupContents(contents, { all: true });
    const firstByFile = new Map<string, BackupConformanceError>();
    for (const found of problems) {
      const entry = found.details.entry;
      if (typeof entry === 'string' && !firstByFile.has(entry)) firstByFile.set(entry, found);
    }
    const lines = names.map((name) => line(name, firstByFile.get(name)));
    for (const [name, found] of firstByFile) if (!outcomes.has(name)) lines.push(line(name, found));
    if (problems.length > 0) return invalidResult(problems[0]!, lines);
    return { valid: true, lines: [...lines, verdictLine(undefined)] };
  } catch (error) {
    return invalidResult(asCodedError(error, 'ERR_IO'), []);
  } finally {
    await archive.close();
  }
}
