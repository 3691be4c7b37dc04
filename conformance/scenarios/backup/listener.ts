/**
 * The listener: messages per file, the summary, throwing listeners (BACKUP-037 to BACKUP-041).
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { codeOf } from '../../assertions.js';
import { throwingListener } from '../../listeners.js';
import { scenario } from '../../scenario.js';
import { type ZipEntryInspection } from '../../support/zip-inspect.js';
import { dataEntries, expectRestoresTo, expectUnlocked, fileOutput, fill, inspectArchive, namesIn, outcomeOf } from './_support/helpers.js';

/** True when `message` holds `value` as a decimal integer of its own (not part of a longer number). */
function holdsInteger(message: string, value: number): boolean {
  return new RegExp(`(?<![\\d.])${value}(?![\\d.])`).test(message);
}

/** The percentage saved by compressing an entry. */
function saved(entry: ZipEntryInspection): number {
  return entry.size === 0 ? 0 : 100 - (entry.compressedSize * 100) / entry.size;
}

/** Backs up a database of a few classes with a recording listener; resolves the messages, the archive and the result. */
async function backupWithMessages(ctx: Parameters<Parameters<typeof scenario>[0]['run']>[0]) {
  const conn = await ctx.newDatabase('db');
  await fill(conn, 40, 300);
  await conn.createClass('Empty');
  const messages: string[] = [];
  const result = await conn.backup(fileOutput(ctx.path('b.zip')), null, null, (message) => void messages.push(message), 6);
  return { messages, result, archive: await inspectArchive(ctx.path('b.zip')) };
}

const perFile = scenario({
  id: 'backup/listener-message-per-file',
  title: "the listener hears of every archived file: its name, size, compressed size and the ratio",
  requirements: ['BACKUP-037'],
  async run(ctx) {
    const { messages, archive } = await backupWithMessages(ctx);
    const entries = dataEntries(archive);
    assert.ok(entries.length > 0, 'the archive should hold data entries');
    for (const entry of entries) {
      const at = messages.findIndex((message) => message.includes(entry.name));
      assert.ok(at >= 0, `no message names ${entry.name}`);
      // The entry's messages: the one naming it and, in OrientDB's two-part form, the next one
      // unless it names another entry.
      const next = messages[at + 1];
      const about = next === undefined || entries.some((other) => other !== entry && next.includes(other.name)) ? messages[at]! : `${messages[at]!}\n${next}`;
      assert.ok(holdsInteger(about, entry.size), `the messages about ${entry.name} should give its size ${entry.size}: ${JSON.stringify(about)}`);
      assert.ok(holdsInteger(about, entry.compressedSize), `the messages about ${entry.name} should give its compressed size ${entry.compressedSize}: ${JSON.stringify(about)}`);
      if (entry.size > 0) {
        const percentages = [...about.matchAll(/(-?\d+(?:\.\d+)?)\s*%/g)].map((match) => Number(match[1]));
        const ratio = saved(entry);
        assert.ok(
          percentages.some((value) => Math.abs(value - ratio) <= 1 || Math.abs(value - (100 - ratio)) <= 1),
          `the messages about ${entry.name} should give the ratio of its sizes (${ratio.toFixed(1)}% saved): ${JSON.stringify(about)}`,
        );
      }
    }
  },
});

const wording = scenario({
  id: 'backup/listener-orientdb-wording',
  title: 'per file the listener hears "- Compressing file <entry>..." then "ok size=.. compressedSize=.. ratio=..% elapsed=.."',
  requirements: ['BACKUP-038'],
  async run(ctx) {
    const { messages, archive } = await backupWithMessages(ctx);
    for (const entry of dataEntries(archive)) {
      const at = messages.indexOf(`- Compressing file ${entry.name}...`);
      assert.ok(at >= 0, `no message "- Compressing file ${entry.name}..."`);
      const ok = /^ok size=(\d+) compressedSize=(\d+) ratio=(-?\d+)% elapsed=(\d+(?:\.\d+)?)(?:ms)?$/.exec(messages[at + 1] ?? '');
      assert.ok(ok, `the message after "- Compressing file ${entry.name}..." should be "ok size=<n> compressedSize=<n> ratio=<r>% elapsed=<t>", it is ${JSON.stringify(messages[at + 1])}`);
      assert.equal(Number(ok[1]), entry.size, `${entry.name}: size`);
      assert.equal(Number(ok[2]), entry.compressedSize, `${entry.name}: compressedSize`);
      assert.ok(Math.abs(Number(ok[3]) - saved(entry)) <= 1, `${entry.name}: ratio ${ok[3]}% should be the percentage saved, ${saved(entry).toFixed(1)}%`);
    }
  },
});

const summary = scenario({
  id: 'backup/listener-summary-last',
  title: "the last message gives the number of entries and the archive's size in bytes",
  requirements: ['BACKUP-039'],
  async run(ctx) {
    const { messages, result, archive } = await backupWithMessages(ctx);
    const last = messages.at(-1) ?? '';
    assert.ok(holdsInteger(last, archive.entries.length), `the last message should give the number of entries, ${archive.entries.length}: ${JSON.stringify(last)}`);
    assert.ok(holdsInteger(last, result.bytes), `the last message should give the archive's size, ${result.bytes} bytes: ${JSON.stringify(last)}`);
  },
});

/** Listeners that throw: on every message, and from the third on. */
const THROWING = [
  { name: 'always', throwFrom: 1 },
  { name: 'from-the-third-message', throwFrom: 3 },
] as const;

const throwingSafe = THROWING.map(({ name, throwFrom }) =>
  scenario({
    id: `backup/throwing-listener-${name}-is-safe`,
    title: `a listener that throws ${name === 'always' ? 'on every message' : 'from the third message on'} leaves the database unlocked and no corrupt archive`,
    requirements: ['BACKUP-040'],
    async run(ctx) {
      const conn = await ctx.newDatabase('db');
      await fill(conn, 20, 300);
      const other = await ctx.impl.openDatabase(ctx.urlOf('db'), 'admin', 'admin');
      const atLock = await conn.dump();
      const outcome = await outcomeOf(conn.backup(fileOutput(ctx.path('b.zip')), null, null, throwingListener({ throwFrom })));
      await expectUnlocked(other);
      if (outcome.ok) {
        await expectRestoresTo(conn, ctx.path('b.zip'), atLock, 'the archive written despite the listener, restored,');
        return;
      }
      assert.equal(codeOf(outcome.error), 'ERR_LISTENER_FAILED', `a backup stopped by its listener should reject with ERR_LISTENER_FAILED, received ${codeOf(outcome.error) ?? 'no code'}`);
      assert.deepEqual(await namesIn(ctx.workdir), ['db'], 'a backup stopped by its listener should leave nothing at the target');
    },
  }),
);

const throwingIgnored = scenario({
  id: 'backup/throwing-listener-ignored',
  title: "a backup resolves with a complete archive although its listener throws",
  requirements: ['BACKUP-041'],
  async run(ctx) {
    const conn = await ctx.newDatabase('db');
    await fill(conn, 20, 300);
    await conn.backup(fileOutput(ctx.path('b.zip')), null, null, throwingListener({ throwFrom: 1 }));
    const archive = await inspectArchive(ctx.path('b.zip'));
    assert.deepEqual(archive.problems, [], 'the archive should be complete');
  },
});

export default [perFile, wording, summary, ...throwingSafe, throwingIgnored];
