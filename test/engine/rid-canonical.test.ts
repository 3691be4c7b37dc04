/**
 * A RID written with leading zeros names the same record, and load and update answer with the
 * record's canonical RID (STORAGE-014), as OrientDB's ORecordId does: the RID a caller gets back
 * must compare equal to the one the record was inserted under.
 */
import { describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/index.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { FAST } from './_helpers.js';

describe('record ids with leading zeros', () => {
  it('load and update resolve the canonical RID', async () => {
    const db = await Database.create('plocal:/rid-canonical', { fs: new MemoryFileSystem(), ...FAST });
    await db.createClass('Person');
    await db.insert('Person', { n: 0 });
    const record = await db.insert('Person', { n: 1 });
    expect(record.rid).toBe('#1:1');
    expect(await db.load('#001:01')).toEqual(record);
    expect(await db.update('#01:001', { n: 2 })).toEqual({ rid: '#1:1', version: 2, content: { n: 2 } });
    await db.delete('#0001:1');
    expect(await db.count('Person')).toBe(1);
    await db.close();
  });
});
