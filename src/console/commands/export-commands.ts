/**
 * EXPORT DATABASE and IMPORT DATABASE.
 *
 * @packageDocumentation
 */
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type ConsoleCommand, expectArguments, secondsSince } from '../console-command.js';

/** `EXPORT DATABASE <file>`. */
export const exportCommand: ConsoleCommand = {
  keywords: ['EXPORT', 'DATABASE'],
  syntax: ['EXPORT DATABASE <file>'],
  summary: 'Writes a gzipped JSON export of the current database: classes, records (ids, versions, contents) and users.',
  needsDatabase: true,
  async run({ session, args }) {
    const db = session.requireDatabase();
    const [file] = expectArguments(this, args, [1], 'a file');
    await session.flush();
    session.print(`Exporting current database to: database ${basename(file!)} in GZipped JSON format...`);
    const start = performance.now();
    await db.exportDatabase(session.resolvePath(file!));
    session.print(`Database export completed in ${secondsSince(start)} seconds`);
  },
};

/** `IMPORT DATABASE <file>`. */
export const importCommand: ConsoleCommand = {
  keywords: ['IMPORT', 'DATABASE'],
  syntax: ['IMPORT DATABASE <file>'],
  summary: 'Imports an export into the current database, which must be empty (just created).',
  needsDatabase: true,
  async run({ session, args }) {
    const db = session.requireDatabase();
    const [file] = expectArguments(this, args, [1], 'a file');
    session.print(`Importing database from file ${file}...`);
    const start = performance.now();
    await db.importDatabase(session.resolvePath(file!));
    await session.flush();
    session.print(`Database import completed in ${secondsSince(start)} seconds`);
  },
};
