import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractArchive, inspectArchive } from '../../src/archive/read/index.js';
import { BackupConformanceError } from '../../src/errors.js';
import { archiverZip } from './helpers/archiver-zip.js';

/**
 * `onData`: the content of each entry, chunk by chunk, in the same pass as the extraction (a
 * restore checks the pages of the database files this way instead of reading them back).
 */

const data = {
  'a.pcl': Buffer.from('x'.repeat(700_000) + 'y'.repeat(300_000)),
  'dir/b.bin': Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) & 0xff)),
  'empty.wal': Buffer.alloc(0),
};

let dir = '';
let zip: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'on-data-'));
  zip = await archiverZip(Object.entries(data).map(([name, bytes]) => ({ name, data: bytes })), { level: 6 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function collector(): { onData: (entry: string, chunk: Buffer) => void; seen: Map<string, Buffer[]> } {
  const seen = new Map<string, Buffer[]>();
  return {
    seen,
    onData: (entry, chunk) => {
      const list = seen.get(entry) ?? [];
      list.push(Buffer.from(chunk));
      seen.set(entry, list);
    },
  };
}

describe('onData', () => {
  it('hands every byte of every file entry, in order, while extracting and while inspecting', async () => {
    for (const run of ['extract', 'inspect'] as const) {
      const { onData, seen } = collector();
      const target = join(dir, `out-${run}`);
      if (run === 'extract') await extractArchive(zip, target, { onData });
      else await inspectArchive(zip, { onData });
      for (const [name, bytes] of Object.entries(data)) {
        expect(Buffer.concat(seen.get(name) ?? []).equals(bytes), `${run} ${name}`).toBe(true);
      }
      if (run === 'extract') expect((await readFile(join(target, 'a.pcl'))).equals(data['a.pcl'])).toBe(true);
    }
  });

  it('a throwing onData stops the extraction with ERR_CALLABLE_FAILED', async () => {
    const outcome = await extractArchive(zip, join(dir, 'out-throws'), {
      onData: () => {
        throw new Error('no more');
      },
    }).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(BackupConformanceError);
    expect((outcome as BackupConformanceError).code).toBe('ERR_CALLABLE_FAILED');
  });

  it('refuses an onData that is not a function', async () => {
    const outcome = await inspectArchive(zip, { onData: 'yes' as never }).catch((error: unknown) => error);
    expect((outcome as BackupConformanceError).code).toBe('ERR_INVALID_OPTIONS');
  });
});
