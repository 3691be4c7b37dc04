import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

/** One entry of an archive as yauzl reads it, with its data. */
export interface ReadEntry {
  name: string;
  method: number;
  crc32: number;
  size: number;
  compressedSize: number;
  /** Upper 16 bits of the external attributes: the Unix mode when made on Unix. */
  unixMode: number;
  /** The creator's platform (high byte of "version made by"): 3 = Unix. */
  madeBy: number;
  /** The raw DOS date and time fields as written. */
  dosDate: number;
  dosTime: number;
  generalPurposeBitFlag: number;
  data: Buffer;
  sha256: string;
  /** CRC-32 of the data read back (yauzl does not check it). */
  actualCrc32: number;
}

/** The parsed archive. */
export interface ReadArchive {
  comment: string;
  entries: ReadEntry[];
}

/** Reads every entry of `zip` with yauzl, returning the data and the raw header fields. */
export async function readZip(zip: Buffer): Promise<ReadArchive> {
  const file = await yauzl.fromBufferPromise(zip, { lazyEntries: true, validateEntrySizes: true });
  const entries: ReadEntry[] = [];
  try {
    for await (const entry of file.eachEntry()) {
      const stream = await file.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const data = Buffer.concat(chunks);
      entries.push({
        name: entry.fileName,
        method: entry.compressionMethod,
        crc32: entry.crc32,
        size: entry.uncompressedSize,
        compressedSize: entry.compressedSize,
        unixMode: entry.externalFileAttributes >>> 16,
        madeBy: entry.versionMadeBy >>> 8,
        dosDate: entry.lastModFileDate,
        dosTime: entry.lastModFileTime,
        generalPurposeBitFlag: entry.generalPurposeBitFlag,
        data,
        sha256: sha256Hex(data),
        actualCrc32: crc32(data),
      });
    }
  } finally {
    file.close();
  }
  return { comment: file.comment, entries };
}

/** Hex SHA-256 of `data`. */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The DOS date and time fields archiver writes for `date` (UTC fields, 2-second resolution). */
export function dosFieldsUtc(date: Date): { dosDate: number; dosTime: number } {
  return {
    dosDate: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
    dosTime: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
  };
}
