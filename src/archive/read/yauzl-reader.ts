import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { archiveError, toArchiveError } from './archive-error.js';
import type { ByteSource } from './byte-source.js';

/** Bytes per read when yauzl streams an entry's data (fewer, larger reads: each is a trip to the thread pool). */
const STREAM_CHUNK = 256 * 1024;

/**
 * Lets yauzl read through a {@link ByteSource} (`yauzl.fromRandomAccessReader`), so that our
 * fault injection and our truncation errors reach every read yauzl makes. Closing is ours to do:
 * `close()` here does nothing, the archive closes the source itself.
 */
export class ByteSourceReader extends yauzl.RandomAccessReader {
  constructor(private readonly source: ByteSource) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const source = this.source;
    let position = start;
    return new Readable({
      highWaterMark: STREAM_CHUNK,
      read() {
        const length = Math.min(STREAM_CHUNK, end - position);
        if (length <= 0) {
          this.push(null);
          return;
        }
        source.read(position, length).then(
          (bytes) => {
            if (bytes.length === 0) {
              this.destroy(archiveError('ERR_ARCHIVE_TRUNCATED', `the archive ends at byte ${position}, before byte ${end} of an entry`, { archive: source.label, offset: position }));
              return;
            }
            position += bytes.length;
            this.push(bytes);
          },
          (error: unknown) => this.destroy(toArchiveError(error, { archive: source.label, offset: position })),
        );
      },
    });
  }

  // yauzl calls read(buffer, offset, length, position, callback(err, bytesRead)) for headers and
  // treats bytesRead < length as "unexpected EOF"; answering directly avoids a stream per header.
  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null, bytesRead?: number) => void): void {
    this.source.read(position, length).then(
      (bytes) => {
        bytes.copy(buffer, offset);
        callback(null, bytes.length);
      },
      (error: unknown) => callback(toArchiveError(error, { archive: this.source.label, offset: position })),
    );
  }

  override close(callback: (err: Error | null) => void): void {
    setImmediate(() => callback(null));
  }
}
