/**
 * The default compressionLevel and bufferSize (BACKUP-003, BACKUP-004).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { scenario } from '../../scenario.js';
import { ITEM, dataEntries, fileOutput, fill, inspectArchive, noise, streamOutput, text } from './_support/helpers.js';

/** The default compression level is 9. */
const defaultLevel = scenario({
  id: 'backup/default-level-nine',
  title: 'an omitted compressionLevel compresses as level 9',
  requirements: ['BACKUP-003'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await conn.createClass(ITEM);
    // Text varied enough that levels 6 and 9 give different sizes.
    for (let i = 0; i < 24; i++) await conn.insert(ITEM, { n: i, text: text(6000, i), more: `${noise(400, i)}${text(3000, i + 100)}` });
    await conn.backup(fileOutput(ctx.path('nine.zip')), null, null, null, 9);
    await conn.backup(fileOutput(ctx.path('omitted.zip')), null, null, null);
    const nine = dataEntries(await inspectArchive(ctx.path('nine.zip')));
    const omitted = dataEntries(await inspectArchive(ctx.path('omitted.zip')));
    let compared = 0;
    for (const entry of omitted) {
      const twin = nine.find((candidate) => candidate.name === entry.name && candidate.crc32 === entry.crc32 && candidate.size === entry.size);
      if (twin === undefined || entry.size === 0) continue;
      compared++;
      assert.equal(entry.method, 8, `${entry.name}: an omitted level should write DEFLATE entries`);
      assert.equal(entry.compressedSize, twin.compressedSize, `${entry.name}: compressed size with the level omitted should equal that of level 9`);
    }
    assert.ok(compared > 0, 'the two archives should share data entries with identical content');
  },
});

/** The default buffer size is 1048576 bytes. */
const defaultBufferSize = scenario({
  id: 'backup/default-buffer-size',
  title: 'an omitted bufferSize delivers writes of at most 1048576 bytes, at most ceil(bytes / 1048576) + 1 of them',
  requirements: ['BACKUP-004'],
  features: ['stream-output'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await conn.createClass(ITEM);
    for (let i = 0; i < 3; i++) await conn.insert(ITEM, { n: i, data: noise(900_000, i) });
    const result = await conn.backup(streamOutput(ctx.path('b.zip')), null, null, null, 0);
    assert.ok(result.bytes > 2 * 1_048_576, `the archive should be larger than 2 MiB for this check (it is ${result.bytes} bytes)`);
    const writes = result.writes ?? [];
    assert.ok(writes.length > 0, 'the writes made to the stream should be reported');
    assert.ok(Math.max(...writes) <= 1_048_576, `no write should exceed 1048576 bytes (the largest was ${Math.max(...writes)})`);
    const bound = Math.ceil(result.bytes / 1_048_576) + 1;
    assert.ok(writes.length <= bound, `at most ${bound} writes expected for ${result.bytes} bytes, received ${writes.length}`);
  },
});

export default [defaultLevel, defaultBufferSize];
