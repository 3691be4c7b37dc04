import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { scenario } from '../../scenario.js';
import { MANIFEST_ENTRY, sha256 } from './_support/chain.js';
import { buildChain } from './_support/setup.js';
import { entryData, readZip } from './_support/zip.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SHA256 = /^[0-9a-f]{64}$/;

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export default scenario({
  id: 'incremental/archive-and-manifest',
  title: 'each file is a ZIP archive whose backup-manifest.json has the members of a backup manifest and of a chain file',
  requirements: ['INCR-008'],
  features: ['incremental'],
  async run(ctx) {
    const chain = await buildChain(ctx, { files: 3 });
    for (const [index, name] of chain.names.entries()) {
      const bytes = await readFile(join(chain.dir, name));
      const { entries } = readZip(bytes);
      const names = entries.map((entry) => entry.name);
      assert.equal(names.filter((entry) => entry === MANIFEST_ENTRY).length, 1, `${name}: exactly one ${MANIFEST_ENTRY}`);
      const data = new Map<string, Buffer>();
      for (const entry of entries) {
        assert.ok(entry.method === 0 || entry.method === 8, `${name}: entry ${entry.name} uses method ${entry.method}`);
        assert.ok(!entry.name.startsWith('/') && !entry.name.includes('\\') && !entry.name.split('/').includes('..'), `${name}: entry name ${entry.name}`);
        const content = entryData(bytes, entry);
        assert.equal(content.length, entry.uncompressedSize, `${name}: entry ${entry.name}: size`);
        assert.equal(crc32(content), entry.crc32, `${name}: entry ${entry.name}: CRC-32`);
        if (!entry.name.endsWith('/')) data.set(entry.name, content);
      }
      const manifest = JSON.parse(data.get(MANIFEST_ENTRY)!.toString('utf8')) as Record<string, unknown>;
      assert.equal(manifest.format, 'orientdb-backup-conformance/backup', `${name}: format`);
      assert.equal(manifest.formatVersion, 1, `${name}: formatVersion`);
      assert.equal(manifest.kind, 'incremental', `${name}: kind`);
      assert.equal(manifest.databaseName, chain.sourceName, `${name}: databaseName`);
      assert.ok(typeof manifest.databaseFormatVersion === 'number' && Number.isSafeInteger(manifest.databaseFormatVersion) && manifest.databaseFormatVersion >= 1, `${name}: databaseFormatVersion`);
      assert.ok(typeof manifest.instanceId === 'string' && manifest.instanceId !== '', `${name}: instanceId`);
      assert.ok(isCount(manifest.lsn), `${name}: lsn must be a non-negative integer`);
      assert.ok(typeof manifest.createdAt === 'string' && ISO_UTC.test(manifest.createdAt), `${name}: createdAt must be YYYY-MM-DDTHH:mm:ss.sssZ`);
      assert.equal(manifest.index, index, `${name}: index`);
      assert.equal(manifest.full, index === 0, `${name}: full`);
      assert.ok(isCount(manifest.startLsn), `${name}: startLsn must be a non-negative integer`);
      if (index === 0) assert.equal(manifest.startLsn, 0, `${name}: startLsn of index 0`);
      assert.ok((manifest.startLsn as number) <= (manifest.lsn as number), `${name}: startLsn <= lsn`);
      if (index === 0) {
        assert.equal(manifest.previous, null, `${name}: previous of index 0`);
      } else {
        const previous = manifest.previous as Record<string, unknown> | null;
        assert.ok(previous !== null && typeof previous === 'object' && typeof previous.name === 'string' && typeof previous.sha256 === 'string' && SHA256.test(previous.sha256), `${name}: previous must be { name, sha256 }`);
      }
      const files = manifest.files as Array<{ name: string; size: number; sha256: string }>;
      assert.ok(Array.isArray(files), `${name}: files`);
      const listed = files.map((file) => file.name);
      assert.deepEqual(listed, [...listed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), `${name}: files sorted by name`);
      const others = [...data.keys()].filter((entry) => entry !== MANIFEST_ENTRY).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.deepEqual(listed, others, `${name}: files lists exactly the other entries`);
      for (const file of files) {
        assert.equal(file.size, data.get(file.name)!.length, `${name}: size of ${file.name}`);
        assert.equal(file.sha256, sha256(data.get(file.name)!), `${name}: sha256 of ${file.name}`);
      }
    }
  },
});
