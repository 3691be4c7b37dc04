/**
 * BACKUP DATABASE and RESTORE DATABASE, printing what the manual's example and OrientDB print.
 *
 * @packageDocumentation
 */
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validateOutputPath } from '../../archive/write/index.js';
import { type Database, isTransientFile } from '../../engine/index.js';
import { asCodedError, errnoOf, fail, messageOf } from '../../errors.js';
import { BACKUP_SYNTAX, parseBackupArguments } from '../backup-arguments.js';
import { type ConsoleCommand, expectArguments, secondsSince } from '../console-command.js';
import type { ConsoleSession } from '../console-session.js';
import { ProgressBar, progressListener } from '../progress-bar.js';

/** The bytes of the files a backup copies (transient ones left out): the 100% of its progress bar (0 when unknown). */
async function databaseBytes(db: Database): Promise<number> {
  const directory = db.storage.directory;
  if (directory === null) return 0;
  let total = 0;
  try {
    for (const entry of await db.storage.fs.readdir(directory)) {
      if (entry.isFile && !isTransientFile(entry.name)) total += (await db.storage.fs.stat(join(directory, entry.name))).size;
    }
  } catch {
    return 0;
  }
  return total;
}

async function fullBackup(session: ConsoleSession, db: Database, output: string, level: number | undefined, bufferSize: number | undefined): Promise<void> {
  const target = await validateOutputPath(session.resolvePath(output), db.storage.fs);
  session.print(`Backing current database to: database ${basename(output)}`);
  await session.drained();
  const bar = session.io.isTty ? new ProgressBar(session.io.stdout, await databaseBytes(db), (session.io.stdout as { columns?: number }).columns ?? 80) : null;
  const start = performance.now();
  try {
    await db.backup(target, null, null, bar === null ? null : progressListener(bar), level ?? null, bufferSize ?? null);
  } finally {
    bar?.clear();
  }
  session.print(`Backup executed in ${secondsSince(start)} seconds`);
}

/** `BACKUP DATABASE <output-file> [-incremental] [-compressionLevel=<compressionLevel>] [-bufferSize=<bufferSize>]`. */
export const backupCommand: ConsoleCommand = {
  keywords: ['BACKUP', 'DATABASE'],
  syntax: [BACKUP_SYNTAX],
  summary: 'Writes a full backup (a ZIP archive) of the current database, or with -incremental the next file of the chain in a directory.',
  needsDatabase: true,
  async run({ session, args }) {
    const db = session.requireDatabase();
    const parsed = parseBackupArguments(args);
    db.checkPermission('backup');
    await session.flush();
    if (!parsed.incremental) {
      await fullBackup(session, db, parsed.output, parsed.compressionLevel, parsed.bufferSize);
      return;
    }
    session.print(`Executing incremental backup of database '${db.name}' to: ${parsed.output}...`);
    const start = performance.now();
    const file = await db.incrementalBackup(session.resolvePath(parsed.output));
    session.print(`Incremental Backup executed in ${secondsSince(start)} seconds stored in file ${file}`);
  },
};

/** `RESTORE DATABASE <file|directory>`. */
export const restoreCommand: ConsoleCommand = {
  keywords: ['RESTORE', 'DATABASE'],
  syntax: ['RESTORE DATABASE <backup-file|incremental-directory>'],
  summary: 'Restores a full backup archive, or a directory of incremental backup files, into the current database.',
  needsDatabase: true,
  async run({ session, args }) {
    const db = session.requireDatabase();
    const [source] = expectArguments(this, args, [1], 'a backup file or an incremental backup directory');
    db.checkPermission('restore');
    const path = session.resolvePath(source!);
    let isDirectory: boolean;
    try {
      isDirectory = (await db.storage.fs.stat(path)).isDirectory;
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') throw fail('ERR_ARCHIVE_NOT_FOUND', `Nothing to restore at '${path}'`, { details: { path } });
      throw asCodedError(error, 'ERR_IO', `Cannot read '${path}': ${messageOf(error)}`);
    }
    await session.flush();
    session.print(`Restoring database '${db.name}' from ${isDirectory ? 'incremental' : 'full'} backup...`);
    const start = performance.now();
    // Unlike OrientDB (#10319), "Database restored" is printed only when the restore succeeded.
    await db.restore(path, null, null, null);
    session.print(`Database restored in ${secondsSince(start)} seconds`);
  },
};
