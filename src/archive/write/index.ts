/**
 * The streaming ZIP writer: a generic archive of named byte sources, written with archiver 8 and
 * wrapped so that callers never meet archiver's pitfalls (warnings that drop entries, promises
 * that never settle, out-of-range levels that crash, output not yet flushed when it says done).
 *
 * @packageDocumentation
 */
export type { WriteZipOptions, WriteZipToFileOptions, ZipEntryStats, ZipFinalEntry, ZipSource, ZipSourceData, ZipWriteResult } from './types.js';
export { validateCompressionLevel } from './validate-compression-level.js';
export { MAX_BUFFER_SIZE, validateBufferSize } from './validate-buffer-size.js';
export { validateOutput } from './validate-output.js';
export { validateOutputPath } from './validate-output-path.js';
export { writeZip } from './write-zip.js';
export { writeZipToFile } from './write-zip-to-file.js';
