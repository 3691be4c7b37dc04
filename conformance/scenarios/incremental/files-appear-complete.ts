import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { delay } from '../../assertions.js';
import { scenario } from '../../scenario.js';
import { MANIFEST_ENTRY, fileSize } from './_support/chain.js';
import { fillClass } from './_support/database.js';
import { readZipEntries } from './_support/zip.js';

interface Sighting {
  readonly name: string;
  readonly size: number;
  /** `true`, or why the bytes read were not a complete archive. */
  readonly valid: string | true;
}

/**
 * Lists `dir` every few milliseconds while `running` is pending and reads each `.ibu` file seen,
 * again whenever its size changed since it was last read.
 */
async function watch(dir: string, running: Promise<unknown>): Promise<Sighting[]> {
  let done = false;
  void running.then(
    () => (done = true),
    () => (done = true),
  );
  const sightings: Sighting[] = [];
  const lastSize = new Map<string, number>();
  while (!done) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith('.ibu')) continue;
      const size = await stat(join(dir, name)).then((s) => s.size, () => undefined);
      if (size === undefined || lastSize.get(name) === size) continue;
      const bytes = await readFile(join(dir, name)).catch(() => undefined);
      if (bytes === undefined) continue;
      lastSize.set(name, bytes.length);
      let valid: string | true = true;
      try {
        if (!readZipEntries(bytes).has(MANIFEST_ENTRY)) valid = `no ${MANIFEST_ENTRY}`;
      } catch (error) {
        valid = (error as Error).message;
      }
      sightings.push({ name, size: bytes.length, valid });
    }
    await delay(2);
  }
  return sightings;
}

export default scenario({
  id: 'incremental/files-appear-complete',
  title: 'while a backup runs, every .ibu file seen in the directory is a complete archive of its final size',
  requirements: ['INCR-010'],
  features: ['incremental'],
  timeoutMs: 120_000,
  async run(ctx) {
    const db = await ctx.newDatabase('source');
    await db.createClass('Item');
    const records = await fillClass(db, 'Item', 4000, { size: 1000, seed: ctx.seed });
    const dir = ctx.path('chain');
    let observed = 0;
    for (let round = 0; round < 3; round++) {
      if (round > 0) for (const record of records.slice(round * 500, round * 500 + 400)) await db.update(record.rid, { n: round, changed: true });
      const running = db.incrementalBackup(dir);
      const sightings = await watch(dir, running);
      const name = await running;
      for (const { name: file, size, valid } of sightings) {
        assert.equal(valid, true, `round ${round}: ${file} was seen while the backup ran but was not a complete archive: ${String(valid)}`);
        assert.equal(size, await fileSize(join(dir, file)), `round ${round}: ${file} was seen at ${size} bytes, not at its final size`);
      }
      if (sightings.some((sighting) => sighting.name === name)) observed++;
    }
    ctx.log(`the new file was seen during the backup in ${observed} of 3 rounds`);
  },
});
