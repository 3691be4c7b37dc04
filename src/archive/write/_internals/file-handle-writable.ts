import { Writable } from 'node:stream';
import type { FileHandle } from '../../../fs/index.js';

/**
 * A Writable over a {@link FileHandle} of our `FileSystem`, writing sequentially from offset 0
 * (short writes are continued). It never closes the handle: its owner does, after `sync()`.
 */
export class FileHandleWritable extends Writable {
  private position = 0;

  constructor(private readonly handle: FileHandle) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll(chunk).then(() => callback(), callback);
  }

  private async writeAll(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const written = await this.handle.write(chunk, offset, chunk.length - offset, this.position);
      if (!(written > 0)) throw new Error(`the file accepted no bytes at offset ${this.position}`);
      offset += written;
      this.position += written;
    }
  }
}
