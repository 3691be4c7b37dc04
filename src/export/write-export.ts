/**
 * EXPORT DATABASE: streams the logical content of a database as gzipped JSON to a file, written
 * atomically (a temporary file beside the target, fsync, rename), so a failed export leaves
 * nothing at the target.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { validateOutputPath } from '../archive/write/index.js';
import type { Database } from '../engine/index.js';
import { asCodedError, messageOf } from '../errors.js';
import { type FileHandle, type FileSystem, nodeFileSystem } from '../fs/index.js';
import { EXPORT_FORMAT } from './export-format.js';

/** Options of {@link exportDatabase}. */
export interface ExportOptions {
  /** Where the export file is written (default: the database's own file system for a `plocal:` database, else the real disk). */
  readonly fs?: FileSystem;
}

/** Text is handed to gzip in pieces of about this many characters. */
const PIECE_CHARS = 64 * 1024;

/** The export document as text, in pieces, read while the database is frozen. */
async function* exportText(db: Database): AsyncGenerator<string> {
  const users = db.exportUsers().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header = {
    format: EXPORT_FORMAT,
    database: { name: db.name, exportedAt: new Date().toISOString() },
    users,
  };
  const opening = JSON.stringify(header);
  let piece = `${opening.slice(0, -1)},\n"classes":[`;
  const classes = [...db.classes()].sort((a, b) => a.clusterId - b.clusterId);
  for (const [index, info] of classes.entries()) {
    const nextPosition = await db.nextPosition(info.name);
    piece += `${index === 0 ? '' : ','}\n${JSON.stringify({ name: info.name, clusterId: info.clusterId, nextPosition }).slice(0, -1)},"records":[`;
    let first = true;
    for await (const record of db.scan(info.name)) {
      piece += `${first ? '' : ','}\n${JSON.stringify({ rid: record.rid, version: record.version, content: record.content })}`;
      first = false;
      if (piece.length >= PIECE_CHARS) {
        yield piece;
        piece = '';
      }
    }
    piece += ']}';
  }
  yield `${piece}\n]}\n`;
}

/** A writable stream appending to an open file handle. */
function handleSink(handle: FileHandle): Writable {
  let position = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      (async () => {
        let done = 0;
        while (done < chunk.length) done += await handle.write(chunk, done, chunk.length - done, position + done);
        position += chunk.length;
      })().then(() => callback(), callback);
    },
  });
}

/**
 * Writes a gzipped JSON export of `db` to `path` (format in `export-format.ts`). The export holds
 * password hashes, so it needs the `backup` permission; the database is frozen while it is read,
 * so the export is one consistent state (writers wait, readers go on).
 *
 * @throws BackupConformanceError `ERR_PERMISSION_DENIED`, `ERR_INVALID_OUTPUT` (no such
 * directory, a directory at `path`), `ERR_IO` (writing failed; nothing is left at `path`).
 */
export async function exportDatabase(db: Database, path: string, options: ExportOptions = {}): Promise<void> {
  const fs = options.fs ?? (db.storage.kind === 'plocal' ? db.storage.fs : nodeFileSystem);
  db.checkPermission('backup');
  const target = await validateOutputPath(path, fs);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.export-tmp`);
  await db.freeze();
  try {
    const handle = await fs.open(temp, 'wx').catch((error: unknown) => {
      throw asCodedError(error, 'ERR_IO', `Cannot create '${temp}': ${messageOf(error)}`);
    });
    try {
      await pipeline(Readable.from(exportText(db)), createGzip(), handleSink(handle));
      await handle.sync();
    } finally {
      await handle.close().catch(() => undefined);
    }
    await fs.rename(temp, target);
    await fs.syncDir(dirname(target)).catch(() => undefined);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw asCodedError(error, 'ERR_IO', `Exporting to '${target}' failed: ${messageOf(error)}`);
  } finally {
    await db.release();
  }
}
