/**
 * The torn power-loss copy of MemoryFileSystem: unsynced writes reach the disk in part, sector by
 * sector (never as bytes that were never written), and unsynced directory changes all or none.
 */
import { describe, expect, it } from 'vitest';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { seededRandom } from '../../src/testing/seeded-random.js';
import { treeOf } from './_support/databases.js';

async function write(fs: MemoryFileSystem, path: string, bytes: Buffer, position: number, sync: boolean): Promise<void> {
  const handle = await fs.open(path, 'r+');
  await handle.write(bytes, 0, bytes.length, position);
  if (sync) await handle.sync();
  await handle.close();
}

async function scenario(): Promise<MemoryFileSystem> {
  const fs = new MemoryFileSystem();
  await fs.mkdir('/d');
  await (await fs.open('/d/f', 'w')).close();
  await write(fs, '/d/f', Buffer.alloc(1536, 'a'), 0, true);
  await fs.syncDir('/d');
  // Unsynced: three sectors overwritten, the file grown by one, a new file.
  await write(fs, '/d/f', Buffer.alloc(1536, 'b'), 0, false);
  await write(fs, '/d/f', Buffer.alloc(512, 'c'), 1536, false);
  await (await fs.open('/d/new', 'w')).close();
  return fs;
}

describe('MemoryFileSystem.powerLossCopy with torn writes', () => {
  it('tears nothing in with random() = 0.99 (the untorn copy) and everything with random() = 0 (the crash copy)', async () => {
    const fs = await scenario();
    expect(await treeOf(fs.powerLossCopy({ random: () => 0.99 }), '/')).toEqual(await treeOf(fs.powerLossCopy(), '/'));
    expect(await treeOf(fs.powerLossCopy({ random: () => 0 }), '/')).toEqual(await treeOf(fs.processCrashCopy(), '/'));
  });

  it('leaves every sector holding one of its versions and the size one of its sizes, and meets many mixes', async () => {
    const fs = await scenario();
    const random = seededRandom(7);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const copy = fs.powerLossCopy({ random: random.next });
      const bytes = await copy.readFile('/d/f');
      expect([1536, 2048]).toContain(bytes.length);
      const sectors = [];
      for (let at = 0; at < bytes.length; at += 512) {
        const sector = bytes.subarray(at, at + 512);
        const letter = String.fromCharCode(sector[0]!);
        expect(sector.every((byte) => byte === sector[0])).toBe(true);
        expect(at < 1536 ? ['a', 'b'] : ['c']).toContain(letter);
        sectors.push(letter);
      }
      const names = (await copy.readdir('/d')).map((entry) => entry.name);
      seen.add(`${sectors.join('')} ${names.join(',')}`);
    }
    expect(seen.size).toBeGreaterThan(12);
  });
});
