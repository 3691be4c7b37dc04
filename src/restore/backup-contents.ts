/**
 * What the backup checks read: the files of a backup, wherever they are (extracted into a
 * staging directory for a restore, still inside the archive for a verify), so that restore and
 * verify run exactly the same checks (`VERIFY-003`).
 *
 * @packageDocumentation
 */
import { join } from 'node:path';
import { type BackupConformanceError, fail, isCodedError } from '../errors.js';
import type { FileSystem } from '../fs/index.js';
import { PAGE_SIZE } from '../engine/constants.js';
import { verifyPage } from '../engine/page.js';
import { ioError } from './staging.js';

/** A data file of a backup (an entry other than a directory). */
export interface BackupFile {
  /** Its path relative to the database directory, `/`-separated. */
  readonly name: string;
  /** Its size in bytes. */
  readonly size: number;
  /** The SHA-256 of its bytes, lower-case hex, when known (archives always; staged chains not). */
  readonly sha256?: string;
}

/** Read access to the files of a backup. */
export interface BackupContents {
  /** Every data file, in archive order. */
  readonly files: readonly BackupFile[];
  /** The whole bytes of a (small) file of {@link BackupContents.files}. */
  read(name: string): Promise<Buffer>;
  /**
   * The first problem of a paged file: a size that is not a multiple of the page size
   * (`ERR_CORRUPT_DATABASE`) or a page failing its checksum (`ERR_CORRUPT_PAGE`); undefined when
   * every page is sound.
   */
  pageProblem(name: string): Promise<BackupConformanceError | undefined>;
}

/**
 * Checks the pages of one file as its bytes stream by, in chunks of any size: every full page
 * with `verifyPage`, and at the end that no partial page is left over. Keeps at most one page.
 */
export class PageScanner {
  private readonly partial = Buffer.alloc(PAGE_SIZE);
  private partialBytes = 0;
  private pageIndex = 0;
  private found: BackupConformanceError | undefined;

  constructor(
    /** The file's name, for messages and `details.entry`. */
    readonly file: string,
  ) {}

  /** Feeds the next bytes of the file. */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && this.found === undefined) {
      if (this.partialBytes === 0 && chunk.length - at >= PAGE_SIZE) {
        this.check(Buffer.from(chunk.buffer, chunk.byteOffset + at, PAGE_SIZE));
        at += PAGE_SIZE;
        continue;
      }
      const take = Math.min(PAGE_SIZE - this.partialBytes, chunk.length - at);
      this.partial.set(chunk.subarray(at, at + take), this.partialBytes);
      this.partialBytes += take;
      at += take;
      if (this.partialBytes === PAGE_SIZE) {
        this.check(this.partial);
        this.partialBytes = 0;
      }
    }
  }

  /** Ends the file; resolves its first problem, if any. */
  finish(): BackupConformanceError | undefined {
    if (this.found === undefined && this.partialBytes !== 0) {
      const size = this.pageIndex * PAGE_SIZE + this.partialBytes;
      this.found = fail('ERR_CORRUPT_DATABASE', `The file '${this.file}' is ${size} bytes long, not a multiple of the page size ${PAGE_SIZE}`, {
        details: { entry: this.file, size },
      });
    }
    return this.found;
  }

  private check(page: Buffer): void {
    try {
      verifyPage(page, this.file, this.pageIndex);
    } catch (error) {
      this.found = isCodedError(error)
        ? fail(error.code, error.message, { details: { ...error.details, entry: this.file } })
        : fail('ERR_CORRUPT_PAGE', `Page ${this.pageIndex} of '${this.file}' is corrupt`, { details: { entry: this.file, page: this.pageIndex } });
    }
    this.pageIndex++;
  }
}

const READ_CHUNK = 256 * 1024;

/**
 * The contents of a database staged in `directory`: `files` as extracted (or listed), read
 * back from disk through `fs`.
 */
export function stagedContents(fs: FileSystem, directory: string, files: readonly BackupFile[]): BackupContents {
  return {
    files,
    async read(name) {
      const path = join(directory, ...name.split('/'));
      try {
        return await fs.readFile(path);
      } catch (error) {
        throw ioError(error, 'Reading', path);
      }
    },
    async pageProblem(name) {
      const path = join(directory, ...name.split('/'));
      const scanner = new PageScanner(name);
      let handle;
      try {
        handle = await fs.open(path, 'r');
      } catch (error) {
        throw ioError(error, 'Opening', path);
      }
      try {
        const buffer = Buffer.alloc(READ_CHUNK);
        for (let position = 0; ; ) {
          const count = await handle.read(buffer, 0, READ_CHUNK, position);
          if (count === 0) break;
          scanner.push(buffer.subarray(0, count));
          position += count;
        }
      } catch (error) {
        throw ioError(error, 'Reading', path);
      } finally {
        await handle.close().catch(() => undefined);
      }
      return scanner.finish();
    },
  };
}
