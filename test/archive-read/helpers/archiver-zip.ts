import { ZipArchive } from 'archiver';
import { PassThrough } from 'node:stream';

/** An entry for {@link archiverZip}. */
export interface ArchiverEntry {
  readonly name: string;
  readonly data: Buffer;
  /** Force STORED for this entry (archiver's `store`). */
  readonly store?: boolean;
}

/**
 * Builds a ZIP in memory with archiver 8 (a real third-party writer). Warnings are errors, and
 * the promise settles on error too, so a test never hangs on archiver's pitfalls.
 */
export async function archiverZip(entries: readonly ArchiverEntry[], options: { level: number; forceZip64?: boolean; comment?: string }): Promise<Buffer> {
  const zip = new ZipArchive({ zlib: { level: options.level }, forceZip64: options.forceZip64 ?? false, comment: options.comment });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    sink.on('end', resolve);
    zip.on('error', reject);
    zip.on('warning', reject);
  });
  zip.pipe(sink);
  const date = new Date(Date.UTC(2024, 0, 1));
  for (const entry of entries) {
    if (entry.name.endsWith('/')) zip.append(Buffer.alloc(0), { name: entry.name, date });
    // Only pass `store` when asked: an explicit false would override level 0's STORED default.
    else zip.append(entry.data, entry.store === undefined ? { name: entry.name, date } : { name: entry.name, date, store: entry.store });
  }
  await zip.finalize();
  await done;
  return Buffer.concat(chunks);
}
