import type { ZipArchive } from 'archiver';
import { fail } from '../../../errors.js';

/** What archiver's ZIP engine recorded for an entry it finished. */
export interface ArchivedEntry {
  readonly method: number;
  readonly size: number;
  readonly compressedSize: number;
  readonly crc32: number;
}

interface EngineEntry {
  getMethod(): number;
  getSize(): number;
  getCompressedSize(): number;
  getCrc(): number;
}

function isEngineEntry(value: unknown): value is EngineEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return ['getMethod', 'getSize', 'getCompressedSize', 'getCrc'].every((method) => typeof entry[method] === 'function');
}

/**
 * Reads the record of the `index`-th entry from archiver's ZIP engine (compress-commons'
 * `ZipArchiveOutputStream`, reached as `archive._module.engine._entries`).
 *
 * archiver's public `'entry'` event carries neither the compressed size nor the CRC-32 of the
 * entry it just wrote, and the listener needs the compressed size at once, so we read the
 * engine's own record: it holds the very numbers written to the data descriptor and central
 * directory. This is the one place that depends on archiver's internals; if they change shape
 * the write fails loudly here (and the writer's tests, which compare these numbers with what
 * yauzl reads back, catch any change of meaning).
 */
export function archivedEntry(archive: ZipArchive, index: number): ArchivedEntry {
  const engine = (archive as unknown as { _module?: { engine?: { _entries?: unknown } } })._module?.engine;
  const entries = engine?._entries;
  const entry = Array.isArray(entries) ? (entries[index] as unknown) : undefined;
  if (!isEngineEntry(entry)) {
    throw fail('ERR_OUTPUT_FAILED', `cannot read archiver's record of entry #${index}: archiver's internals are not what this writer was built for`, {
      details: { index },
    });
  }
  return {
    method: entry.getMethod(),
    size: entry.getSize(),
    compressedSize: entry.getCompressedSize(),
    crc32: entry.getCrc() >>> 0,
  };
}
