/**
 * Console scenarios: EXPORT DATABASE and IMPORT DATABASE, the export API they share, and the
 * agreement between a backup and an export of one database.
 */
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Connection, RecordData } from '../../adapter.js';
import { expectCode } from '../../assertions.js';
import { scenario, type ScenarioContext } from '../../scenario.js';
import { connect, dumpOf, expectSuccess, runCommands } from './support.js';

/** A database with two classes, an updated record, a deleted one and (with `permissions`) two more users. Left open. */
async function sample(ctx: ScenarioContext, name: string): Promise<{ conn: Connection; records: RecordData[]; users: Array<[string, string]> }> {
  const conn = await ctx.newDatabase(name);
  await conn.createClass('Item');
  await conn.createClass('Other');
  const first = await conn.insert('Item', { n: 1, text: 'one', nested: { list: [1, 2, { deep: 'é' }] } });
  const second = await conn.insert('Item', { n: 2 });
  await conn.insert('Item', { n: 3 });
  await conn.update(first.rid, { n: 1, text: 'changed' });
  await conn.delete(second.rid);
  await conn.insert('Other', { other: true });
  const users: Array<[string, string]> = [['admin', 'admin']];
  if (ctx.impl.supports.includes('permissions')) {
    await conn.createUser('reader1', 'r3ad-er', 'reader');
    await conn.createUser('writer1', 'wr1ter', 'writer');
    users.push(['reader1', 'r3ad-er'], ['writer1', 'wr1ter']);
  }
  const records = [...(await conn.scan('Item')), ...(await conn.scan('Other'))];
  return { conn, records, users };
}

/** Every object inside a JSON value, itself included. */
function objectsIn(value: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) for (const item of value) objectsIn(item, found);
  else if (typeof value === 'object' && value !== null) {
    found.push(value as Record<string, unknown>);
    for (const item of Object.values(value)) objectsIn(item, found);
  }
  return found;
}

export default [
  scenario({
    id: 'console/export-writes-gzipped-json',
    title: 'EXPORT DATABASE writes a gzip file of one UTF-8 JSON document holding classes, records (RID, version, content) and users with roles',
    requirements: ['CONSOLE-040'],
    features: ['console', 'export'],
    async run(ctx) {
      const { conn, records } = await sample(ctx, 'exported');
      const dump = JSON.parse(await conn.dump()) as { classes: { name: string }[]; users: { name: string; role: string }[] };
      await conn.close();
      expectSuccess(await runCommands(ctx, [connect(ctx.urlOf('exported')), 'EXPORT DATABASE exported.json.gz']), 'EXPORT DATABASE');
      const bytes = await readFile(ctx.path('exported.json.gz'));
      assert.deepEqual([...bytes.subarray(0, 3)], [0x1f, 0x8b, 8], 'the file is not gzip (RFC 1952, DEFLATE)');
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(gunzipSync(bytes));
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch (error) {
        assert.fail(`the content is not one JSON document: ${(error as Error).message}`);
      }
      const objects = objectsIn(document);
      const valuesOf = (object: Record<string, unknown>): unknown[] => Object.values(object);
      for (const { name } of dump.classes) {
        assert.ok(objects.some((object) => valuesOf(object).includes(name)), `the export does not name the class ${name}`);
      }
      for (const record of records) {
        const holder = objects.find((object) => {
          const values = valuesOf(object);
          return values.includes(record.rid) && values.includes(record.version) && values.some((value) => isDeepStrictEqual(value, record.content));
        });
        assert.ok(holder !== undefined, `no object of the export holds record ${record.rid} with version ${record.version} and its content`);
      }
      for (const user of dump.users) {
        assert.ok(
          objects.some((object) => valuesOf(object).includes(user.name) && valuesOf(object).includes(user.role)),
          `the export does not hold the user ${user.name} with the role ${user.role}`,
        );
      }
    },
  }),

  scenario({
    id: 'console/import-reproduces-the-dump',
    title: 'IMPORT DATABASE of an export into a database just created reproduces the exported dump',
    requirements: ['CONSOLE-041'],
    features: ['console', 'export'],
    async run(ctx) {
      const { conn } = await sample(ctx, 'source');
      const dump = await conn.dump();
      await conn.close();
      await (await ctx.newDatabase('target')).close();
      expectSuccess(await runCommands(ctx, [connect(ctx.urlOf('source')), 'EXPORT DATABASE source.json.gz']), 'EXPORT DATABASE');
      expectSuccess(await runCommands(ctx, [connect(ctx.urlOf('target')), 'IMPORT DATABASE source.json.gz']), 'IMPORT DATABASE');
      assert.equal(await dumpOf(ctx, ctx.urlOf('target')), dump);
    },
  }),

  scenario({
    id: 'console/export-api-round-trip',
    title: 'exportDatabase then importDatabase into a database just created gives the same dump, and users keep their passwords',
    requirements: ['CONSOLE-042'],
    features: ['export'],
    async run(ctx) {
      const { conn, users } = await sample(ctx, 'api-source');
      const path = ctx.path('api.json.gz');
      await conn.exportDatabase(path);
      const target = await ctx.newDatabase('api-target');
      await target.importDatabase(path);
      assert.equal(await target.dump(), await conn.dump());
      await target.close();
      await conn.close();
      for (const [user, password] of users) {
        const session = await ctx.impl.openDatabase(ctx.urlOf('api-target'), user, password);
        await session.close();
      }
    },
  }),

  scenario({
    id: 'console/import-refusals',
    title: 'importing into a database with a class or a record is ERR_DATABASE_NOT_EMPTY, a file that is not an export ERR_EXPORT_INVALID; nothing changes',
    requirements: ['CONSOLE-043'],
    features: ['export'],
    async run(ctx) {
      const { conn } = await sample(ctx, 'valid-source');
      const valid = ctx.path('valid.json.gz');
      await conn.exportDatabase(valid);
      await conn.close();

      const withClass = await ctx.newDatabase('with-class');
      await withClass.createClass('Existing');
      const withRecord = await ctx.newDatabase('with-record');
      await withRecord.createClass('Existing');
      await withRecord.insert('Existing', { here: true });
      for (const target of [withClass, withRecord]) {
        const before = await target.dump();
        await expectCode(target.importDatabase(valid), 'ERR_DATABASE_NOT_EMPTY', `import into ${target.url}`);
        assert.equal(await target.dump(), before, `a refused import changed ${target.url}`);
      }

      const bad: Array<[string, Buffer]> = [
        ['plain text', Buffer.from('this is not gzip\n')],
        ['gzip of text that is not JSON', gzipSync('not json at all')],
        ['gzip of JSON that is not an export', gzipSync('{"hello": "world"}')],
      ];
      const empty = await ctx.newDatabase('empty');
      const before = await empty.dump();
      for (const [what, bytes] of bad) {
        const path = ctx.path(`bad-${bad.findIndex(([w]) => w === what)}.gz`);
        await writeFile(path, bytes);
        await expectCode(empty.importDatabase(path), 'ERR_EXPORT_INVALID', what);
        assert.equal(await empty.dump(), before, `importing ${what} changed the database`);
      }
      await Promise.all([withClass.close(), withRecord.close(), empty.close()]);
    },
  }),

  scenario({
    id: 'console/backup-and-export-agree',
    title: "restoring a database's backup and importing its export give equal dumps",
    requirements: ['CONSOLE-044'],
    features: ['export'],
    async run(ctx) {
      const { conn } = await sample(ctx, 'agreeing');
      const dump = await conn.dump();
      const exported = ctx.path('agreeing.json.gz');
      const archive = ctx.path('agreeing.zip');
      await conn.exportDatabase(exported);
      await conn.backup({ kind: 'file', path: archive }, null, null, null);
      await conn.close();

      const restored = await ctx.newDatabase('restored');
      await restored.restore({ kind: 'file', path: archive }, null, null, null);
      const imported = await ctx.newDatabase('imported');
      await imported.importDatabase(exported);
      assert.equal(await restored.dump(), await imported.dump(), 'the restored backup and the imported export differ');
      assert.equal(await imported.dump(), dump);
      await Promise.all([restored.close(), imported.close()]);
    },
  }),
];
