import assert from 'node:assert/strict';
import type { Connection, JsonValue } from '../../adapter.js';
import { scenario } from '../../scenario.js';

/** `value` with the members of every object, at every depth, in reverse order. */
function reversedMembers(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(reversedMembers);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).reverse().map((key) => [key, reversedMembers(value[key] as JsonValue)]));
}

/** The same sequence of operations; `order` decides only the order of members in the contents given. */
async function build(db: Connection, order: (value: JsonValue) => JsonValue, withUsers: boolean): Promise<void> {
  const content = (value: JsonValue) => order(value) as { [key: string]: JsonValue };
  await db.createClass('Person');
  await db.createClass('Address');
  const ada = await db.insert('Person', content({ name: 'Ada', born: 1815, tags: ['math', { first: true, a: 1 }] }));
  const bob = await db.insert('Person', content({ name: 'Bob', z: null, a: { y: 2, x: 1 } }));
  await db.insert('Address', content({ street: 'Main', number: 1, city: { zip: '1000', name: 'X' } }));
  await db.update(ada.rid, content({ name: 'Ada', born: 1815, died: 1852 }));
  await db.delete(bob.rid);
  await db.insert('Person', content({ b: 2, a: 1, B: 3, é: 4 }));
  if (withUsers) {
    await db.createUser('wendy', 'w-pass', 'writer');
    await db.createUser('rita', 'r-pass', 'reader');
  }
}

export default scenario({
  id: 'storage/dump-stable',
  title: 'the dump is the same twice, on two databases built alike at different paths, and whatever the order of members given',
  requirements: ['STORAGE-021'],
  async run(ctx) {
    const withUsers = ctx.impl.supports.includes('permissions');
    const first = await ctx.newDatabase('first');
    await build(first, (value) => value, withUsers);
    const dump = await first.dump();
    assert.equal(await first.dump(), dump, 'two dumps of an unchanged database are equal');
    const other = await ctx.impl.openDatabase(ctx.urlOf('first'), 'admin', 'admin');
    assert.equal(await other.dump(), dump, 'another connection dumps the same');

    const second = await ctx.impl.createDatabase(`plocal:${ctx.path('elsewhere', 'second')}`);
    await build(second, (value) => value, withUsers);
    assert.equal(await second.dump(), dump, 'a database at another path built by the same operations dumps the same');

    const third = await ctx.newDatabase('third');
    await build(third, reversedMembers, withUsers);
    assert.equal(await third.dump(), dump, 'the order of members in the contents given does not change the dump');
  },
});
