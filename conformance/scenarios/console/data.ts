/**
 * Console scenarios: the SQL subset that loads and reads records, and the durability of what a
 * script inserted.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import type { JsonObject, RecordData } from '../../adapter.js';
import { canonicalJson } from '../../dump.js';
import { scenario } from '../../scenario.js';
import { connect, describeRun, dumpOf, expectFailure, expectSuccess, jsonLines, runCommands } from './support.js';

/** A record as SELECT prints it. */
function printed(record: RecordData): string {
  return canonicalJson({ content: record.content, rid: record.rid, version: record.version });
}

export default [
  scenario({
    id: 'console/sql-writes-like-the-adapter',
    title: 'CREATE CLASS, INSERT, UPDATE and DELETE through the console give the dump the adapter gives',
    requirements: ['CONSOLE-018'],
    features: ['console'],
    async run(ctx) {
      const contents: JsonObject[] = [{ n: 1, tags: ['a', 'b'], nested: { z: null, a: true } }, { n: 2 }, { n: 3, text: 'ü' }];
      const replacement: JsonObject = { n: 20, replaced: 1.5 };

      await (await ctx.newDatabase('by-console')).close();
      const inserted = await runCommands(ctx, [
        connect(ctx.urlOf('by-console')),
        'CREATE CLASS Item',
        ...contents.map((content) => `INSERT INTO Item CONTENT ${JSON.stringify(content)}`),
      ]);
      expectSuccess(inserted, 'CREATE CLASS and INSERT');
      const records = jsonLines(inserted).map((line) => JSON.parse(line) as RecordData);
      assert.equal(records.length, 3, `INSERT prints each stored record: ${describeRun(inserted)}`);

      const byAdapter = await ctx.newDatabase('by-adapter');
      await byAdapter.createClass('Item');
      const expected: RecordData[] = [];
      for (const content of contents) expected.push(await byAdapter.insert('Item', content));
      assert.deepEqual(jsonLines(inserted), expected.map(printed), 'INSERT prints the stored record as SELECT does');
      await byAdapter.update(expected[1]!.rid, replacement);
      await byAdapter.delete(expected[0]!.rid);

      const changed = await runCommands(ctx, [
        connect(ctx.urlOf('by-console')),
        `UPDATE ${records[1]!.rid} CONTENT ${JSON.stringify(replacement)}`,
        `DELETE FROM Item WHERE @rid = ${records[0]!.rid}`,
      ]);
      expectSuccess(changed, 'UPDATE and DELETE');
      assert.equal(await dumpOf(ctx, ctx.urlOf('by-console')), await byAdapter.dump());
      await byAdapter.close();
    },
  }),

  scenario({
    id: 'console/create-user-like-the-adapter',
    title: 'CREATE USER ... IDENTIFIED BY ... ROLE ... creates the user the adapter creates; an unknown role is ERR_INVALID_ROLE',
    requirements: ['CONSOLE-018'],
    features: ['console', 'permissions'],
    async run(ctx) {
      await (await ctx.newDatabase('users-console')).close();
      const url = ctx.urlOf('users-console');
      expectSuccess(await runCommands(ctx, [connect(url), 'CREATE USER wendy IDENTIFIED BY w3ndy ROLE writer']), 'CREATE USER');
      const byAdapter = await ctx.newDatabase('users-adapter');
      await byAdapter.createUser('wendy', 'w3ndy', 'writer');
      assert.equal(await dumpOf(ctx, url), await byAdapter.dump());
      await byAdapter.close();
      const asWendy = await ctx.impl.openDatabase(url, 'wendy', 'w3ndy');
      await asWendy.close();
      expectFailure(await runCommands(ctx, [connect(url), 'CREATE USER xavier IDENTIFIED BY x ROLE chief']), 'ERR_INVALID_ROLE', 'an unknown role');
    },
  }),

  scenario({
    id: 'console/sql-refusals',
    title: 'INSERT into an unknown class is ERR_CLASS_NOT_FOUND; content that is not JSON is ERR_CONSOLE_SYNTAX',
    requirements: ['CONSOLE-018'],
    features: ['console'],
    async run(ctx) {
      const conn = await ctx.newDatabase('refusing');
      await conn.createClass('Item');
      await conn.close();
      const url = ctx.urlOf('refusing');
      expectFailure(await runCommands(ctx, [connect(url), 'INSERT INTO Nowhere CONTENT {"a": 1}']), 'ERR_CLASS_NOT_FOUND', 'an unknown class');
      for (const content of ['not-json', '{"a": }', '{"a": 1', "{'a': 1}"]) {
        expectFailure(await runCommands(ctx, [connect(url), `INSERT INTO Item CONTENT ${content}`]), 'ERR_CONSOLE_SYNTAX', `CONTENT ${content}`);
      }
      const dump = JSON.parse(await dumpOf(ctx, url)) as { classes: { records: unknown[] }[] };
      assert.deepEqual(dump.classes[0]!.records, [], 'a refused INSERT stored a record');
    },
  }),

  scenario({
    id: 'console/select-prints-json-lines',
    title: 'SELECT prints records as canonical JSON lines in RID order, honours LIMIT, and COUNT(*) prints {"count":n}',
    requirements: ['CONSOLE-019'],
    features: ['console'],
    async run(ctx) {
      const conn = await ctx.newDatabase('selected');
      await conn.createClass('Item');
      const first = await conn.insert('Item', { b: 2, a: 1, é: 'x', list: [{ y: 1, x: 2 }] });
      const second = await conn.insert('Item', { n: 2 });
      const third = await conn.insert('Item', { n: 3 });
      await conn.update(first.rid, { b: 3, a: 1 });
      const updated = await conn.update(first.rid, { b: 4, a: 1, nested: { d: 1, c: 2 } });
      await conn.close();
      const run = await runCommands(ctx, [
        connect(ctx.urlOf('selected')),
        'SELECT FROM Item',
        'SELECT FROM Item LIMIT 2',
        `SELECT FROM ${second.rid}`,
        'SELECT COUNT(*) FROM Item',
      ]);
      expectSuccess(run, 'SELECT');
      const all = [updated, second, third].map(printed);
      assert.deepEqual(jsonLines(run), [...all, ...all.slice(0, 2), printed(second), '{"count":3}'], describeRun(run));
    },
  }),

  scenario({
    id: 'console/script-inserts-are-durable',
    title: 'every record a script of 2000 INSERTs reported is there once the console exited 0',
    requirements: ['CONSOLE-020'],
    features: ['console'],
    async run(ctx) {
      await (await ctx.newDatabase('bulk')).close();
      const script = ctx.path('bulk.osql');
      const inserts = Array.from({ length: 2000 }, (_, i) => `INSERT INTO Bulk CONTENT {"i": ${i}, "text": "record ${i}"}`);
      await writeFile(script, `${connect(ctx.urlOf('bulk'))}\nCREATE CLASS Bulk\n${inserts.join('\n')}\n`);
      expectSuccess(await ctx.impl.console([script], { cwd: ctx.workdir }), 'the INSERT script');
      const conn = await ctx.impl.openDatabase(ctx.urlOf('bulk'), 'admin', 'admin');
      try {
        const records = await conn.scan('Bulk');
        const seen = records.map((record) => (record.content as { i: number }).i).sort((a, b) => a - b);
        assert.equal(seen.length, 2000, `expected 2000 records, found ${seen.length}`);
        seen.forEach((i, index) => assert.equal(i, index, `record ${index} is missing or doubled`));
      } finally {
        await conn.close();
      }
    },
  }),
];
