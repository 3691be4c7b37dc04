import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type yauzl from 'yauzl';
import { archiveError, type ArchiveErrorContext, toArchiveError } from './archive-error.js';

/** What {@link verifiedEntryData} needs to know about an entry. */
export interface EntryDataPlan {
  readonly method: 0 | 8;
  readonly dataOffset: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly crc32: number;
}

/** Bytes of inflated output per chunk. */
const INFLATE_CHUNK = 256 * 1024;

function openRawStream(zipfile: yauzl.ZipFile, plan: EntryDataPlan): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zipfile.openReadStreamLowLevel(plan.dataOffset, plan.compressedSize, 0, plan.compressedSize, false, null, (error, stream) =>
      error ? reject(error) : resolve(stream),
    );
  });
}

/**
 * Streams an entry's uncompressed bytes and verifies them while they pass: it never yields more
 * than the declared size (inflating stops as soon as one byte more appears, so memory stays at a
 * few zlib chunks whatever the data claims), and after the last byte it checks the size, that
 * the DEFLATE stream used exactly the compressed bytes, and the CRC-32 (`zlib.crc32`).
 * Every failure is coded: `ERR_ARCHIVE_SIZE_MISMATCH`, `ERR_ARCHIVE_CORRUPT_DATA`,
 * `ERR_ARCHIVE_CRC_MISMATCH`, or what the byte source raised (`ERR_IO`, `ERR_ARCHIVE_TRUNCATED`).
 *
 * @param active streams in use are kept here while they run, so that closing the archive can stop them
 */
export async function* verifiedEntryData(
  zipfile: yauzl.ZipFile,
  plan: EntryDataPlan,
  context: ArchiveErrorContext,
  active: Set<Readable>,
): AsyncGenerator<Buffer, void, undefined> {
  let raw: Readable;
  try {
    raw = await openRawStream(zipfile, plan);
  } catch (error) {
    throw toArchiveError(error, context);
  }
  let inflate: zlib.InflateRaw | undefined;
  let output: Readable = raw;
  if (plan.method === 8) {
    // 256 KiB of output per trip to the thread pool instead of 16 KiB: a sixteenth of the round
    // trips (and of the chunks every consumer handles), still a bounded amount of memory.
    const inflater = zlib.createInflateRaw({ chunkSize: INFLATE_CHUNK });
    inflate = inflater;
    raw.on('error', (error) => inflater.destroy(error));
    raw.pipe(inflater);
    output = inflater;
  }
  active.add(output);
  let produced = 0;
  let crc = 0;
  try {
    try {
      for await (const chunk of output as AsyncIterable<Buffer>) {
        produced += chunk.length;
        if (produced > plan.uncompressedSize) {
          throw archiveError('ERR_ARCHIVE_SIZE_MISMATCH', `the entry produces more than its declared ${plan.uncompressedSize} bytes`, context, {
            declared: plan.uncompressedSize,
            producedAtLeast: produced,
          });
        }
        crc = zlib.crc32(chunk, crc);
        yield chunk;
      }
    } catch (error) {
      throw toArchiveError(error, context);
    }
    if (produced !== plan.uncompressedSize) {
      throw archiveError('ERR_ARCHIVE_SIZE_MISMATCH', `the entry produces ${produced} bytes, not its declared ${plan.uncompressedSize}`, context, {
        declared: plan.uncompressedSize,
        produced,
      });
    }
    if (inflate !== undefined && inflate.bytesWritten !== plan.compressedSize) {
      throw archiveError('ERR_ARCHIVE_CORRUPT_DATA', `the DEFLATE stream ends after ${inflate.bytesWritten} of the entry's ${plan.compressedSize} compressed bytes`, context, {
        consumed: inflate.bytesWritten,
        compressedSize: plan.compressedSize,
      });
    }
    if (crc !== plan.crc32) {
      throw archiveError('ERR_ARCHIVE_CRC_MISMATCH', `the entry's CRC-32 is 0x${crc.toString(16).padStart(8, '0')}, not the declared 0x${plan.crc32.toString(16).padStart(8, '0')}`, context, {
        declared: plan.crc32,
        actual: crc,
      });
    }
  } finally {
    active.delete(output);
    inflate?.destroy();
    raw.destroy();
  }
}
