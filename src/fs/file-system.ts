/**
 * The one door through which the engine, the backup writer and the restore reach the disk.
 * Everything that touches a file takes a {@link FileSystem}, so that tests can swap in a
 * fault-injecting or in-memory one (SQLite-style "fail the Nth call" trials).
 *
 * @packageDocumentation
 */

/** How a file is opened; the same meanings as Node's `fs.open` flags. */
export type OpenFlags = 'r' | 'r+' | 'w' | 'wx' | 'w+' | 'a';

/** The facts about a path that callers need. */
export interface FileStat {
  readonly size: number;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly isSymbolicLink: boolean;
  readonly mtimeMs: number;
}

/** An open file. Positions are absolute byte offsets; no call moves a shared cursor. */
export interface FileHandle {
  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; resolves the count read (0 at end of file). */
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** Writes `length` bytes of `buffer` from `offset` at `position` (or appends when the file was opened with 'a'). Resolves the count written. */
  write(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<number>;
  /** Flushes the file's data and metadata to stable storage (fsync). */
  sync(): Promise<void>;
  /** Truncates or extends the file to `length` bytes. */
  truncate(length: number): Promise<void>;
  /** The file's current facts. */
  stat(): Promise<FileStat>;
  /** Closes the handle; further calls fail. */
  close(): Promise<void>;
}

/** Directory entry as returned by {@link FileSystem.readdir}. */
export interface DirEntry {
  readonly name: string;
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly isSymbolicLink: boolean;
}

/**
 * A minimal asynchronous file system. Errors are Node-style errors with an `errno` `code`
 * (`ENOENT`, `ENOSPC`, ...); callers translate them into coded errors.
 */
export interface FileSystem {
  /** Opens a file. `mode` applies when the file is created. */
  open(path: string, flags: OpenFlags, mode?: number): Promise<FileHandle>;
  /** Reads a whole (small) file. */
  readFile(path: string): Promise<Buffer>;
  /** Facts about a path, following symbolic links. Rejects with ENOENT when missing. */
  stat(path: string): Promise<FileStat>;
  /** Facts about a path without following a final symbolic link. */
  lstat(path: string): Promise<FileStat>;
  /** Lists a directory, sorted by name. */
  readdir(path: string): Promise<DirEntry[]>;
  /** Creates a directory (and its parents when `recursive`). */
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Renames atomically within one file system, replacing a file at `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file. */
  unlink(path: string): Promise<void>;
  /** Removes a file or a directory tree; `force` ignores a missing path. */
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  /** Makes a directory's entries (creations, renames, removals) durable: fsync on the directory. */
  syncDir(path: string): Promise<void>;
  /**
   * The canonical path of an existing path, every symbolic link resolved. Optional: a file system
   * without symbolic links leaves it out, and callers then compare resolved paths.
   */
  realpath?(path: string): Promise<string>;
  /**
   * Makes `newPath` a hard link to the existing file `existingPath`; rejects with EEXIST when
   * something is at `newPath`. Optional: it lets a lock file appear complete and exclusively at
   * once (write it under another name, then link it into place).
   */
  link?(existingPath: string, newPath: string): Promise<void>;
}
