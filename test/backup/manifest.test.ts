import { describe, expect, it } from 'vitest';
import { MANIFEST_ENTRY, buildManifest, parseManifest } from '../../src/backup/manifest.js';

const sha = 'a'.repeat(64);
const full = {
  kind: 'full' as const,
  databaseName: 'mydb',
  databaseFormatVersion: 1,
  instanceId: 'id-1',
  lsn: 42,
  createdAt: '2026-11-29T05:00:00.000Z',
  files: [
    { name: 'b.pcl', size: 8192, sha256: sha },
    { name: 'a.ocf', size: 10, sha256: sha },
  ],
};

function bytesOf(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

describe('backup manifest', () => {
  it('builds a sorted manifest that parses back to itself', () => {
    const { manifest, bytes } = buildManifest(full);
    expect(manifest.files.map((file) => file.name)).toEqual(['a.ocf', 'b.pcl']);
    expect(parseManifest(bytes)).toEqual(manifest);
    expect(manifest).toMatchObject({ format: 'orientdb-backup-conformance/backup', formatVersion: 1, kind: 'full' });
  });

  it('round-trips incremental manifests with their chain link', () => {
    const { manifest, bytes } = buildManifest({
      ...full,
      kind: 'incremental',
      index: 1,
      full: false,
      startLsn: 40,
      previous: { name: 'mydb_2026-11-29-05-00-00_0_full.ibu', sha256: sha },
    });
    expect(parseManifest(bytes)).toEqual(manifest);
  });

  it.each([
    ['not JSON', Buffer.from('{')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ['an array', bytesOf([])],
    ['another format', bytesOf({ ...buildManifest(full).manifest, format: 'x' })],
    ['another version', bytesOf({ ...buildManifest(full).manifest, formatVersion: 2 })],
    ['a bad hash', bytesOf({ ...buildManifest(full).manifest, files: [{ name: 'a', size: 1, sha256: 'ABC' }] })],
    ['unsorted files', bytesOf({ ...buildManifest(full).manifest, files: [{ name: 'b', size: 1, sha256: sha }, { name: 'a', size: 1, sha256: sha }] })],
    ['duplicate files', bytesOf({ ...buildManifest(full).manifest, files: [{ name: 'a', size: 1, sha256: sha }, { name: 'a', size: 1, sha256: sha }] })],
    ['listing itself', bytesOf({ ...buildManifest(full).manifest, files: [{ name: MANIFEST_ENTRY, size: 1, sha256: sha }] })],
    ['a negative size', bytesOf({ ...buildManifest(full).manifest, files: [{ name: 'a', size: -1, sha256: sha }] })],
    ['a bad date', bytesOf({ ...buildManifest(full).manifest, createdAt: 'yesterday' })],
    ['an unknown kind', bytesOf({ ...buildManifest(full).manifest, kind: 'partial' })],
    ['index 0 not full', bytesOf({ ...buildManifest(full).manifest, kind: 'incremental', index: 0, full: false, startLsn: 0, previous: null })],
    ['index 1 without previous', bytesOf({ ...buildManifest(full).manifest, kind: 'incremental', index: 1, full: false, startLsn: 0, previous: null })],
    ['startLsn past lsn', bytesOf({ ...buildManifest(full).manifest, kind: 'incremental', index: 0, full: true, startLsn: 99, previous: null })],
  ])('refuses %s with ERR_MANIFEST_INVALID', (_what, bytes) => {
    expect(() => parseManifest(bytes)).toThrow(expect.objectContaining({ code: 'ERR_MANIFEST_INVALID' }));
  });

  it('ignores unknown members', () => {
    const { manifest } = buildManifest(full);
    expect(parseManifest(bytesOf({ ...manifest, extra: true }))).toEqual(manifest);
  });
});
