/**
 * The manifest checks (RESTORE-039 to RESTORE-042).
 */
import { scenario } from '../../scenario.js';
import { MANIFEST, assertIntact, backupFile, expectRefused, fixturesOf, restoreFrom, rezip, seededDatabase, withManifest, type TestDatabase } from './support.js';

async function expectAllRefused(db: TestDatabase, paths: readonly string[], code: string): Promise<void> {
  for (const path of paths) {
    const before = await db.conn.dump();
    await expectRefused(restoreFrom(db.conn, path), code, path);
    await assertIntact(db, before, `after ${path} was refused`);
  }
}

type Manifest = Record<string, unknown> & { files: { name: string; size: number; sha256: string }[] };

export default [
  scenario({
    id: 'restore/invalid-manifest-refused',
    title: 'a manifest that is not JSON of the documented shape is refused with ERR_MANIFEST_INVALID',
    requirements: ['RESTORE-039'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert('Item', { after: 'the backup' });
      const variants: [string, (manifest: Manifest) => unknown][] = [
        ['format-version-2', (m) => ({ ...m, formatVersion: 2 })],
        ['no-instance-id', (m) => ({ ...m, instanceId: undefined })],
        ['lsn-string', (m) => ({ ...m, lsn: '12' })],
        ['sha256-short', (m) => ({ ...m, files: m.files.map((f, i) => (i === 0 ? { ...f, sha256: f.sha256.slice(1) } : f)) })],
        ['size-fraction', (m) => ({ ...m, files: m.files.map((f, i) => (i === 0 ? { ...f, size: f.size + 0.5 } : f)) })],
        ['listed-twice', (m) => ({ ...m, files: [...m.files, m.files[0]] })],
      ];
      const forged = [];
      for (const [name, change] of variants) forged.push(await rezip(ctx, archive, `${name}.zip`, (entries) => withManifest(entries, (m) => change(m as Manifest))));
      forged.push(
        await rezip(ctx, archive, 'not-json.zip', (entries) => entries.map((entry) => (entry.name === MANIFEST ? { ...entry, data: entry.data.subarray(0, entry.data.length - 3) } : entry))),
      );
      await expectAllRefused(db, [...forged, ...fixturesOf('ERR_MANIFEST_INVALID')], 'ERR_MANIFEST_INVALID');
    },
  }),

  scenario({
    id: 'restore/manifest-missing-file-refused',
    title: 'a file the manifest lists that is not in the archive is refused with ERR_MANIFEST_MISSING_FILE',
    requirements: ['RESTORE-040'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert('Item', { after: 'the backup' });
      const forged = await rezip(ctx, archive, 'missing.zip', (entries) => {
        const victim = entries.find((entry) => entry.name !== MANIFEST)!.name;
        return entries.filter((entry) => entry.name !== victim);
      });
      await expectAllRefused(db, [forged, ...fixturesOf('ERR_MANIFEST_MISSING_FILE')], 'ERR_MANIFEST_MISSING_FILE');
    },
  }),

  scenario({
    id: 'restore/manifest-unlisted-file-refused',
    title: 'a file in the archive that the manifest does not list is refused with ERR_MANIFEST_UNLISTED_FILE',
    requirements: ['RESTORE-041'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert('Item', { after: 'the backup' });
      const forged = await rezip(ctx, archive, 'unlisted.zip', (entries) => [...entries, { name: 'extra/unlisted.bin', data: Buffer.from('nobody vouches for me') }]);
      await expectAllRefused(db, [forged, ...fixturesOf('ERR_MANIFEST_UNLISTED_FILE')], 'ERR_MANIFEST_UNLISTED_FILE');
    },
  }),

  scenario({
    id: 'restore/manifest-mismatch-refused',
    title: 'an entry whose size or SHA-256 differs from its manifest item is refused with ERR_MANIFEST_MISMATCH',
    requirements: ['RESTORE-042'],
    async run(ctx) {
      const db = await seededDatabase(ctx, 'db');
      const archive = await backupFile(ctx, db.conn);
      await db.conn.insert('Item', { after: 'the backup' });
      const otherBytes = await rezip(ctx, archive, 'other-bytes.zip', (entries) =>
        entries.map((entry, index) => {
          if (entry.name === MANIFEST || index !== 0) return entry;
          const data = Buffer.from(entry.data);
          data[data.length >> 1] = data[data.length >> 1]! ^ 0x20;
          return { ...entry, data };
        }),
      );
      const size = await rezip(ctx, archive, 'size.zip', (entries) =>
        withManifest(entries, (m) => ({ ...m, files: (m as Manifest).files.map((f, i) => (i === 0 ? { ...f, size: f.size + 1 } : f)) })),
      );
      const hash = await rezip(ctx, archive, 'hash.zip', (entries) =>
        withManifest(entries, (m) => ({ ...m, files: (m as Manifest).files.map((f, i) => (i === 0 ? { ...f, sha256: 'f'.repeat(64) } : f)) })),
      );
      await expectAllRefused(db, [otherBytes, size, hash, ...fixturesOf('ERR_MANIFEST_MISMATCH')], 'ERR_MANIFEST_MISMATCH');
    },
  }),
];
