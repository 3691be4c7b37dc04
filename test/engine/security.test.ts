import { describe, expect, it } from 'vitest';
import { Database, ROLE_PERMISSIONS, type Permission } from '../../src/engine/index.js';
import { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword } from '../../src/engine/passwords.js';
import { MemoryFileSystem } from '../../src/fs/index.js';
import { FAST, expectCode } from './_helpers.js';

const ALL: Permission[] = ['backup', 'restore', 'write', 'read', 'schema', 'users'];

describe('passwords', () => {
  it('hashes with scrypt, a random salt and the cost in the hash', async () => {
    const one = await hashPassword('secret');
    const two = await hashPassword('secret');
    expect(one.salt).not.toBe(two.salt);
    expect(Buffer.from(one.salt, 'base64')).toHaveLength(16);
    expect(one.hash).toMatch(new RegExp(`^scrypt:${DEFAULT_SCRYPT_COST}:8:1:`));
    expect(await verifyPassword('secret', one)).toBe(true);
    expect(await verifyPassword('Secret', one)).toBe(false);
    expect(await verifyPassword('secret', { salt: one.salt, hash: 'plain' })).toBe(false);
    expect(await verifyPassword('secret', { salt: one.salt, hash: 'scrypt:1073741824:8:1:AAAA' })).toBe(false);
  });
});

describe('users, authentication and roles', () => {
  it('creates admin/admin by default and stores no plain password', async () => {
    const fs = new MemoryFileSystem();
    const db = await Database.create('plocal:/sec1', { fs, ...FAST });
    expect(db.user).toEqual({ name: 'admin', role: 'admin' });
    expect(db.users()).toEqual([{ name: 'admin', role: 'admin' }]);
    const metadata = JSON.parse((await fs.readFile('/sec1/database.ocf')).toString()) as { users: { name: string; hash: string }[] };
    expect(metadata.users[0]).toMatchObject({ name: 'admin', role: 'admin' });
    expect(JSON.stringify(metadata)).not.toMatch(/"admin"\s*,\s*"password"/);
    await db.close();
    await expectCode(Database.open('plocal:/sec1', 'admin', 'wrong', { fs }), 'ERR_AUTH');
    await expectCode(Database.open('plocal:/sec1', 'nobody', 'admin', { fs }), 'ERR_AUTH');
    const again = await Database.open('plocal:/sec1', 'admin', 'admin', { fs });
    await again.close();
  });

  it('creates the database with the user and password given', async () => {
    const fs = new MemoryFileSystem();
    const db = await Database.create('plocal:/sec2', { fs, ...FAST, user: 'root', password: 'p4ss' });
    expect(db.users()).toEqual([{ name: 'root', role: 'admin' }]);
    await db.close();
    await expectCode(Database.open('plocal:/sec2', 'admin', 'admin', { fs }), 'ERR_AUTH');
    await (await Database.open('plocal:/sec2', 'root', 'p4ss', { fs })).close();
  });

  it('grants each role its permissions and nothing more', async () => {
    const fs = new MemoryFileSystem();
    const admin = await Database.create('plocal:/sec3', { fs, ...FAST });
    await admin.createClass('Doc');
    await admin.createUser('w', 'wpass', 'writer');
    await admin.createUser('r', 'rpass', 'reader');
    await expectCode(admin.createUser('w', 'again', 'reader'), 'ERR_USER_EXISTS');
    await expectCode(admin.createUser('x', 'pass', 'owner' as never), 'ERR_INVALID_ROLE');
    await expectCode(admin.createUser('bad name', 'pass', 'reader'), 'ERR_INVALID_ARGUMENT');
    expect(admin.users().map((user) => user.name)).toEqual(['admin', 'r', 'w']);

    const writer = await Database.open('plocal:/sec3', 'w', 'wpass', { fs });
    const reader = await Database.open('plocal:/sec3', 'r', 'rpass', { fs });
    for (const [session, role] of [[admin, 'admin'], [writer, 'writer'], [reader, 'reader']] as const) {
      for (const permission of ALL) {
        const allowed = ROLE_PERMISSIONS[role].includes(permission);
        if (allowed) session.checkPermission(permission);
        else expect(await expectCode(() => session.checkPermission(permission), 'ERR_PERMISSION_DENIED')).toBeTruthy();
      }
    }
    expect(ROLE_PERMISSIONS.writer).toEqual(['write', 'read', 'schema']);
    expect(ROLE_PERMISSIONS.reader).toEqual(['read']);

    const { rid } = await writer.insert('Doc', { by: 'writer' });
    await writer.createClass('WriterClass');
    await expectCode(writer.createUser('y', 'pass', 'reader'), 'ERR_PERMISSION_DENIED');
    await expectCode(writer.freeze(), 'ERR_PERMISSION_DENIED');
    expect((await reader.load(rid)).content).toEqual({ by: 'writer' });
    expect(await reader.count('Doc')).toBe(1);
    await expectCode(reader.insert('Doc', {}), 'ERR_PERMISSION_DENIED');
    await expectCode(reader.update(rid, {}), 'ERR_PERMISSION_DENIED');
    await expectCode(reader.delete(rid), 'ERR_PERMISSION_DENIED');
    await expectCode(reader.createClass('ReaderClass'), 'ERR_PERMISSION_DENIED');
    await expectCode(() => reader.checkPermission('everything' as Permission), 'ERR_INVALID_ARGUMENT');
    await expectCode(Database.drop('plocal:/sec3', 'w', 'wpass', { fs }), 'ERR_PERMISSION_DENIED');
    for (const session of [admin, writer, reader]) await session.close();
  });
});
