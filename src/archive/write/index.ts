/**
 * The streaming ZIP writer: a generic archive of named byte sources, DEFLATE-compressed on every
 * core (pigz-style blocks joined into one stream) into a standard ZIP container written here,
 * with validated options, coded errors, bounded memory, exact output chunks and no promise
 * left unsettled.
 *
 * @packageDocumentation
 */
export type { WriteZipOptions, WriteZipToFileOptions, ZipChunkReader, ZipEntryStats, ZipFinalEntry, ZipSource, ZipSourceData, ZipWriteResult } from './types.js';
export { validateCompressionLevel } from './validate-compression-level.js';
export { MAX_BUFFER_SIZE, validateBufferSize } from './validate-buffer-size.js';
export { validateOutput } from './validate-output.js';
export { validateOutputPath } from './validate-output-path.js';
export { writeZip } from './write-zip.js';
export { writeZipToFile } from './write-zip-to-file.js';
export { removeStaleTemporaries } from './stale-temporaries.js';
