/**
 * IMPORT DATABASE: reads an export into an empty database, reproducing its classes, record ids,
 * versions, deleted positions and users (with their password hashes).
 *
 * @packageDocumentation
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Database, ImportedRecord } from '../engine/index.js';
import { asCodedError, errnoOf, fail, messageOf } from '../errors.js';
import { type FileSystem, nodeFileSystem } from '../fs/index.js';
import { type ExportDocument, MAX_EXPORT_JSON_BYTES, validateExportDocument } from './export-format.js';

/** Options of {@link importDatabase}. */
export interface ImportOptions {
  /** Where the export file is read from (default: the database's own file system for a `plocal:` database, else the real disk). */
  readonly fs?: FileSystem;
}

/** Records stored per write operation, and the JSON bytes that also end one. */
const BATCH_RECORDS = 500;
const BATCH_BYTES = 4 * 1024 * 1024;

const gunzipAsync = promisify(gunzip);

async function readCompressed(fs: FileSystem, path: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') throw fail('ERR_ARCHIVE_NOT_FOUND', `The export '${path}' does not exist`, { details: { path } });
    if (code === 'EISDIR') throw fail('ERR_EXPORT_INVALID', `'${path}' is a directory, not an export`, { details: { path } });
    throw asCodedError(error, 'ERR_IO', `Reading '${path}' failed: ${messageOf(error)}`);
  }
}

/** Unzips, decodes and checks an export file's bytes. */
export async function parseExport(compressed: Buffer): Promise<ExportDocument> {
  let bytes: Buffer;
  try {
    bytes = await gunzipAsync(compressed, { maxOutputLength: MAX_EXPORT_JSON_BYTES });
  } catch (error) {
    const tooLarge = errnoOf(error) === 'ERR_BUFFER_TOO_LARGE';
    throw fail('ERR_EXPORT_INVALID', tooLarge ? `The export holds more than ${MAX_EXPORT_JSON_BYTES} bytes of JSON` : `The file is not gzip: ${messageOf(error)}`, {
      cause: error,
    });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw fail('ERR_EXPORT_INVALID', 'The export is not UTF-8 text', { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw fail('ERR_EXPORT_INVALID', `The export is not JSON: ${messageOf(error)}`, { cause: error });
  }
  return validateExportDocument(value);
}

function checkEmpty(db: Database): void {
  const classes = db.classes();
  if (classes.length > 0) {
    throw fail('ERR_DATABASE_NOT_EMPTY', `Database '${db.name}' is not empty (it has the class '${classes[0]!.name}'): import only into a database just created`, {
      details: { database: db.name },
    });
  }
}

/**
 * Imports the export at `path` into `db`, which must hold no class (and so no record). Afterwards
 * `db`'s dump equals the exported database's, and each exported user logs in with its password.
 * The file is read and checked whole before anything changes. Needs the `restore` permission.
 *
 * @throws BackupConformanceError `ERR_PERMISSION_DENIED`, `ERR_DATABASE_NOT_EMPTY`,
 * `ERR_ARCHIVE_NOT_FOUND`, `ERR_EXPORT_INVALID` (the database unchanged in each case), `ERR_IO`.
 */
export async function importDatabase(db: Database, path: string, options: ImportOptions = {}): Promise<void> {
  const fs = options.fs ?? (db.storage.kind === 'plocal' ? db.storage.fs : nodeFileSystem);
  db.checkPermission('restore');
  checkEmpty(db);
  const document = await parseExport(await readCompressed(fs, path));
  checkEmpty(db);
  for (const exported of document.classes) {
    const info = await db.createClass(exported.name);
    if (info.clusterId !== exported.clusterId) {
      throw fail('ERR_DATABASE_NOT_EMPTY', `Class '${exported.name}' got cluster ${info.clusterId}, not ${exported.clusterId}: another session created a class during the import`);
    }
  }
  for (const exported of document.classes) {
    let batch: ImportedRecord[] = [];
    let bytes = 0;
    for (const record of exported.records) {
      batch.push(record);
      bytes += JSON.stringify(record.content).length;
      if (batch.length >= BATCH_RECORDS || bytes >= BATCH_BYTES) {
        await db.importRecords(exported.name, batch);
        batch = [];
        bytes = 0;
      }
    }
    await db.importRecords(exported.name, batch, exported.nextPosition);
  }
  await db.importUsers(document.users);
}
