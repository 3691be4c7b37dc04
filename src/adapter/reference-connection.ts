/**
 * A {@link Connection} of the conformance adapter over one session of the reference engine.
 *
 * @packageDocumentation
 */
import { createReadStream } from 'node:fs';
import { sep } from 'node:path';
import type {
  BackupOptions,
  BackupOutput,
  BackupResult,
  Connection,
  JsonObject,
  LockedCallable,
  MessageListener,
  RecordData,
  RestoreOptions,
  RestoreSource,
  Role,
} from '../../conformance/adapter.js';
import type { Database } from '../engine/index.js';
import { RecordingOutput } from './recording-output.js';

/** The adapter's view of one engine session. */
export class ReferenceConnection implements Connection {
  constructor(
    /** The engine session. */
    readonly db: Database,
    /** The URL it was opened with. */
    readonly url: string,
  ) {}

  async createClass(name: string): Promise<void> {
    await this.db.createClass(name);
  }

  insert(className: string, content: JsonObject): Promise<RecordData> {
    return this.db.insert(className, content);
  }

  load(rid: string): Promise<RecordData> {
    return this.db.load(rid);
  }

  update(rid: string, content: JsonObject): Promise<RecordData> {
    return this.db.update(rid, content);
  }

  delete(rid: string): Promise<void> {
    return this.db.delete(rid);
  }

  count(className: string): Promise<number> {
    return this.db.count(className);
  }

  async scan(className: string): Promise<RecordData[]> {
    const records: RecordData[] = [];
    for await (const record of this.db.scan(className)) records.push(record);
    return records;
  }

  createUser(name: string, password: string, role: Role): Promise<void> {
    return this.db.createUser(name, password, role);
  }

  dump(): Promise<string> {
    return this.db.dump();
  }

  async backup(
    out: BackupOutput,
    options: BackupOptions | null,
    callable: LockedCallable | null,
    listener: MessageListener | null,
    compressionLevel?: unknown,
    bufferSize?: unknown,
  ): Promise<BackupResult> {
    if (out === null || out.kind === 'file') {
      const summary = await this.db.backup(out === null ? null : out.path, options, callable, listener, compressionLevel, bufferSize);
      return { bytes: summary.bytes };
    }
    const stream = new RecordingOutput(out.path, {
      ...(out.failAfterBytes === undefined ? {} : { failAfterBytes: out.failAfterBytes }),
      ...(out.stallAfterBytes === undefined ? {} : { stallAfterBytes: out.stallAfterBytes }),
    });
    try {
      const summary = await this.db.backup(stream, options, callable, listener, compressionLevel, bufferSize);
      // The backup ends the stream (as OrientDB closes the caller's stream); wait for the file behind it.
      if (!stream.writableEnded) stream.end();
      await stream.fileClosed;
      return { bytes: summary.bytes, writes: [...stream.writes] };
    } finally {
      if (!stream.destroyed && !stream.writableEnded) stream.destroy();
    }
  }

  incrementalBackup(dir: string): Promise<string> {
    return this.db.incrementalBackup(dir);
  }

  async restore(
    source: RestoreSource,
    options: RestoreOptions | null,
    callable: LockedCallable | null,
    listener: MessageListener | null,
  ): Promise<void> {
    if (source.kind === 'stream') {
      const stream = createReadStream(source.path);
      try {
        await this.db.restore(stream, options, callable, listener);
      } finally {
        stream.destroy();
      }
      return;
    }
    // A trailing separator tells the restore that a directory is meant (a missing one is then ERR_BACKUP_DIR_NOT_FOUND).
    await this.db.restore(source.kind === 'directory' && !source.path.endsWith(sep) ? source.path + sep : source.path, options, callable, listener);
  }

  exportDatabase(path: string): Promise<void> {
    return this.db.exportDatabase(path);
  }

  importDatabase(path: string): Promise<void> {
    return this.db.importDatabase(path);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
