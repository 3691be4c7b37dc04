import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { expectCode } from '../../assertions.js';
import { scenario } from '../../scenario.js';

async function expectNothingAt(path: string, what: string): Promise<void> {
  await assert.rejects(stat(path), `${what}: nothing may be created at ${path}`);
}

export default [
  scenario({
    id: 'incremental/closed-connection',
    title: 'an incremental backup through a closed connection is refused with ERR_DATABASE_CLOSED, nothing created',
    requirements: ['INCR-034'],
    features: ['incremental'],
    async run(ctx) {
      const db = await ctx.newDatabase('source');
      const other = await ctx.impl.openDatabase(ctx.urlOf('source'), 'admin', 'admin');
      await db.close();
      await expectCode(db.incrementalBackup(ctx.path('chain')), 'ERR_DATABASE_CLOSED', 'a closed connection');
      await expectNothingAt(ctx.path('chain'), 'a closed connection');
      await other.close();
    },
  }),
  scenario({
    id: 'incremental/memory-database',
    title: 'an incremental backup of a memory: database is refused with ERR_UNSUPPORTED_STORAGE, nothing created',
    requirements: ['INCR-035'],
    features: ['incremental', 'memory-storage'],
    async run(ctx) {
      const db = await ctx.impl.createDatabase(`memory:incr-${ctx.seed}-${Date.now()}`);
      await db.createClass('Item');
      await db.insert('Item', { n: 1 });
      await expectCode(db.incrementalBackup(ctx.path('chain')), 'ERR_UNSUPPORTED_STORAGE', 'a memory: database');
      await expectNothingAt(ctx.path('chain'), 'a memory: database');
    },
  }),
  scenario({
    id: 'incremental/reader-refused',
    title: "an incremental backup through a reader's connection is refused with ERR_PERMISSION_DENIED, nothing created",
    requirements: ['INCR-036'],
    features: ['incremental', 'permissions'],
    async run(ctx) {
      const db = await ctx.newDatabase('source');
      await db.createUser('reading', 'secret', 'reader');
      const reader = await ctx.impl.openDatabase(ctx.urlOf('source'), 'reading', 'secret');
      await expectCode(reader.incrementalBackup(ctx.path('chain')), 'ERR_PERMISSION_DENIED', "a reader's connection");
      await expectNothingAt(ctx.path('chain'), "a reader's connection");
    },
  }),
];
