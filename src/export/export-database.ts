/**
 * EXPORT DATABASE / IMPORT DATABASE: a gzipped JSON export of the logical content, and its import
 * into an empty database. The entry points of `Database.exportDatabase` / `importDatabase`.
 *
 * @packageDocumentation
 */
export { exportDatabase, type ExportOptions } from './write-export.js';
export { importDatabase, parseExport, type ImportOptions } from './read-export.js';
export {
  EXPORT_FORMAT,
  MAX_DELETED_POSITIONS,
  MAX_EXPORT_JSON_BYTES,
  validateExportDocument,
  type ExportDocument,
  type ExportedClass,
  type ExportedRecord,
} from './export-format.js';
