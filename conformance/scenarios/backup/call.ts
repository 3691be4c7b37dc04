/**
 * The two calls the manual shows (BACKUP-001, BACKUP-002).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { scenario } from '../../scenario.js';
import { expectRestoresTo, fileOutput, fill, sizeOf, streamOutput } from './_support/helpers.js';

/** The manual's six parameters, five of them null. */
const sixParameters = scenario({
  id: 'backup/manual-six-parameters',
  title: 'backup(out, null, null, null, null, null) writes an archive that restores to the dump',
  requirements: ['BACKUP-001'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 10);
    const atLock = await conn.dump();
    const path = ctx.path('b.zip');
    await conn.backup(fileOutput(path), null, null, null, null, null);
    await expectRestoresTo(conn, path, atLock);
  },
});

/** The manual's Java example: a stream on a file, a listener, level 9, buffer 2048. */
const javaExample = scenario({
  id: 'backup/manual-java-example',
  title: "the manual's example backup(out, null, null, listener, 9, 2048) writes a complete archive in writes of at most 2048 bytes",
  requirements: ['BACKUP-002'],
  features: ['stream-output'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 40, 300);
    const messages: string[] = [];
    const path = ctx.path('mydb.zip');
    const result = await conn.backup(streamOutput(path), null, null, (message) => void messages.push(message), 9, 2048);
    assert.equal(await sizeOf(path), result.bytes, 'the file behind the stream should hold exactly the bytes reported');
    assert.ok((await readFile(path)).subarray(0, 4).equals(Buffer.from('PK\u0003\u0004', 'latin1')), 'the file should begin with a ZIP local header');
    assert.ok(messages.length >= 1, 'the listener should have received at least one message');
    const writes = result.writes ?? [];
    assert.ok(writes.length > 0, 'the writes made to the stream should be reported');
    assert.ok(Math.max(...writes) <= 2048, `no write should exceed 2048 bytes (the largest was ${Math.max(...writes)})`);
  },
});

export default [sixParameters, javaExample];
