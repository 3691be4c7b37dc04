/**
 * A minimal full backup for the restore tests, built from the engine's snapshot, the ZIP writer
 * and the shared manifest: the restore tests do not depend on the backup module (built at the
 * same time by another helper), only on the archive format of spec/backup.md.
 */
import { MANIFEST_ENTRY, buildManifest } from '../../../src/backup/manifest.js';
import { writeZipToFile } from '../../../src/archive/write/index.js';
import type { Database } from '../../../src/engine/index.js';
import type { FileSystem } from '../../../src/fs/index.js';

/** Options of {@link backupToFile}. */
export interface TestBackupOptions {
  readonly level?: number;
  readonly fs?: FileSystem;
  /** Leaves the manifest out (an archive as another ZIP tool would make it). */
  readonly withoutManifest?: boolean;
}

/** Writes a full backup of `db` to `path`; resolves the archive's entry names (manifest last). */
export async function backupToFile(db: Database, path: string, options: TestBackupOptions = {}): Promise<string[]> {
  const snapshot = await db.storage.beginSnapshot({ mode: 'freeze' });
  try {
    const sources = snapshot.files.map((file) => ({ name: file.name, size: file.size, open: () => snapshot.readFile(file.name, 64 * 1024) }));
    const result = await writeZipToFile(path, sources, {
      compressionLevel: options.level ?? 6,
      bufferSize: 64 * 1024,
      comment: `OrientDB Backup executed on ${new Date().toISOString()}`,
      ...(options.fs === undefined ? {} : { fs: options.fs }),
      finalEntries: (written) => {
        if (options.withoutManifest === true) return [];
        const { bytes } = buildManifest({
          kind: 'full',
          databaseName: snapshot.name,
          databaseFormatVersion: snapshot.formatVersion,
          instanceId: snapshot.instanceId,
          lsn: snapshot.lsn,
          createdAt: new Date().toISOString(),
          files: written.map(({ name, size, sha256 }) => ({ name, size, sha256 })),
        });
        return [{ name: MANIFEST_ENTRY, data: bytes }];
      },
    });
    return result.entries.map((entry) => entry.name);
  } finally {
    await snapshot.release();
  }
}
