import assert from 'node:assert/strict';
import type { Role } from '../../adapter.js';
import { scenario } from '../../scenario.js';

/** A content whose canonical text is written out by hand below: members out of order, escapes, numbers. */
const TRICKY = {
  é: 'accent',
  b: 1,
  B: { 'z': [3, { d: null, c: true }], a: 'é\n"\\\u0001\t' },
  a: [],
  big: 1e21,
  tenth: 0.1,
  negativeZero: -0,
  empty: {},
} as const;

/** The canonical JSON text of {@link TRICKY}, per spec/adapter.md: keys by UTF-16 code units, JSON.stringify's escapes and numbers. */
const TRICKY_TEXT = '{"B":{"a":"é\\n\\"\\\\\\u0001\\t","z":[3,{"c":true,"d":null}]},"a":[],"b":1,"big":1e+21,"empty":{},"negativeZero":0,"tenth":0.1,"é":"accent"}';

export default scenario({
  id: 'storage/dump-exact-form',
  title: 'the dump is exactly the canonical JSON text spec/adapter.md defines: members, sort orders, escapes, numbers',
  requirements: ['STORAGE-022'],
  async run(ctx) {
    // Explicit credentials (the same as the defaults): the form is checked whatever path created the admin.
    const db = await ctx.impl.createDatabase(ctx.urlOf('db'), { user: 'admin', password: 'admin' });
    await db.createClass('Zeta');
    await db.createClass('beta');
    await db.createClass('Alpha');
    const zeta = [];
    for (let n = 0; n < 11; n++) zeta.push(await db.insert('Zeta', { n }));
    const tricky = await db.insert('Alpha', TRICKY as never);
    await db.update(zeta[10]!.rid, { n: 10, updated: 1 });
    const tenth = await db.update(zeta[10]!.rid, { updated: 2, n: 10 });
    const users: Array<[string, Role]> = [['admin', 'admin']];
    if (ctx.impl.supports.includes('permissions')) {
      await db.createUser('zed', 'z-pass', 'writer');
      await db.createUser('Bob', 'b-pass', 'reader');
      users.unshift(['Bob', 'reader']);
      users.push(['zed', 'writer']);
    }

    const zetaRecords = zeta
      .slice(0, 10)
      .map((r, n) => `{"content":{"n":${n}},"rid":"${r.rid}","version":1}`)
      .concat(`{"content":{"n":10,"updated":2},"rid":"${tenth.rid}","version":3}`);
    const expected =
      '{"classes":[' +
      `{"name":"Alpha","records":[{"content":${TRICKY_TEXT},"rid":"${tricky.rid}","version":1}]},` +
      `{"name":"Zeta","records":[${zetaRecords.join(',')}]},` +
      '{"name":"beta","records":[]}' +
      '],"format":"orientdb-backup-conformance/dump@1","users":[' +
      users.map(([name, role]) => `{"name":"${name}","role":"${role}"}`).join(',') +
      ']}';
    const dump = await db.dump();
    if (dump !== expected) {
      const at = [...dump].findIndex((char, i) => char !== expected[i]);
      ctx.log(`first difference at ${at}: ...${dump.slice(Math.max(0, at - 40), at + 40)}`);
      ctx.log(`expected there:        ...${expected.slice(Math.max(0, at - 40), at + 40)}`);
    }
    assert.equal(dump, expected);
  },
});
