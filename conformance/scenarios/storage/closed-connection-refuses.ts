import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import type { Connection, Role } from '../../adapter.js';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

/** What the implementation supports beyond the core, and where an export may be written. */
interface Extras {
  readonly withUsers: boolean;
  /** Set for implementations of the feature `export`: a path for `exportDatabase` and `importDatabase`. */
  readonly exportPath?: string;
}

/** Calls every storage operation of `db` and expects each to be refused with ERR_DATABASE_CLOSED. */
async function expectAllRefused(db: Connection, rid: string, extras: Extras, label: string): Promise<void> {
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['createClass', () => db.createClass('Late')],
    ['insert', () => db.insert('Item', { n: 9 })],
    ['load', () => db.load(rid)],
    ['update', () => db.update(rid, { n: 9 })],
    ['delete', () => db.delete(rid)],
    ['count', () => db.count('Item')],
    ['scan', () => db.scan('Item')],
    ['dump', () => db.dump()],
  ];
  if (extras.withUsers) calls.push(['createUser', () => db.createUser('late', 'pass', 'reader' as Role)]);
  const { exportPath } = extras;
  if (exportPath !== undefined) {
    calls.push(['exportDatabase', () => db.exportDatabase(exportPath)], ['importDatabase', () => db.importDatabase(exportPath)]);
  }
  for (const [name, call] of calls) await expectCode(call, 'ERR_DATABASE_CLOSED', `${label}: ${name}`);
}

export default scenario({
  id: 'storage/closed-connection-refuses',
  title: 'every operation on a closed connection is refused with ERR_DATABASE_CLOSED, whether or not others are open',
  requirements: ['STORAGE-020'],
  async run(ctx) {
    const extras: Extras = {
      withUsers: ctx.impl.supports.includes('permissions'),
      ...(ctx.impl.supports.includes('export') ? { exportPath: ctx.path('late-export.json.gz') } : {}),
    };
    const url = ctx.urlOf('db');
    const a = await ctx.newDatabase('db');
    await a.createClass('Item');
    const { rid } = await a.insert('Item', { n: 0 });
    const b = await ctx.impl.openDatabase(url, 'admin', 'admin');

    const before = await readdir(ctx.workdir);
    await a.close();
    await expectAllRefused(a, rid, extras, 'closed while another connection is open');
    await b.close();
    await expectAllRefused(b, rid, extras, 'the last connection closed');
    await expectAllRefused(a, rid, extras, 'the first connection, after the last closed');
    assert.deepEqual(await readdir(ctx.workdir), before, 'the refused operations wrote nothing');
  },
});
