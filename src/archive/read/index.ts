/**
 * Safe ZIP reading for restore and verify: yauzl underneath, and every check it lacks on top
 * (see {@link openArchive}). Every failure is a `BackupConformanceError` with a stable code.
 *
 * @packageDocumentation
 */
export { type ArchiveLimits, DEFAULT_ARCHIVE_LIMITS, resolveArchiveLimits } from './limits.js';
export { type ArchiveEntryInfo, type ArchiveIndex, openArchive, type OpenArchiveOptions, type SafeArchive } from './open-archive.js';
export { type ExtractArchiveOptions, extractArchive, type ExtractedEntry, inspectArchive, type InspectArchiveOptions } from './extract-archive.js';
export { type ArchiveErrorRule, classifyArchiveError, toArchiveError, YAUZL_ERROR_TABLE } from './archive-error.js';
