/**
 * Console commands on databases and the session: CREATE DATABASE, CONNECT, DISCONNECT,
 * DROP DATABASE, INFO and LIST CLASSES.
 *
 * @packageDocumentation
 */
import { fail } from '../../errors.js';
import { type ConsoleCommand, expectArguments } from '../console-command.js';

/** `CREATE DATABASE <url> [<user> <password>]`: creates a database and connects to it. */
export const createDatabaseCommand: ConsoleCommand = {
  keywords: ['CREATE', 'DATABASE'],
  syntax: ['CREATE DATABASE <url> [<user> <password>]'],
  summary: 'Creates a database (its admin is admin/admin unless a user is given) and connects to it.',
  needsDatabase: false,
  async run({ session, args }) {
    const [url, user = 'admin', password = 'admin'] = expectArguments(this, args, [1, 3], 'a URL, then optionally a user and a password');
    await session.create(url!, user, password);
    session.print('Database created successfully.');
    session.print(`Current database is: ${url}`);
  },
};

/** `CONNECT <url> <user> <password>`. */
export const connectCommand: ConsoleCommand = {
  keywords: ['CONNECT'],
  syntax: ['CONNECT <url> <user> <password>'],
  summary: 'Connects to a database, leaving the current one; a relative plocal: path is resolved against the working directory.',
  needsDatabase: false,
  async run({ session, args }) {
    const [url, user, password] = expectArguments(this, args, [3], 'a URL, a user and a password');
    await session.connect(url!, user!, password!);
    session.print(`Connecting to database [${url}] with user '${user}'...OK`);
  },
};

/** `DISCONNECT`. */
export const disconnectCommand: ConsoleCommand = {
  keywords: ['DISCONNECT'],
  syntax: ['DISCONNECT'],
  summary: 'Leaves the current database (its writes made durable first).',
  needsDatabase: true,
  async run({ session, args }) {
    expectArguments(this, args, [0], 'no argument');
    const left = await session.disconnect();
    session.print(`Disconnecting from the database [${left.typedUrl}]...OK`);
  },
};

/** `DROP DATABASE [<url> <user> <password>]`. */
export const dropDatabaseCommand: ConsoleCommand = {
  keywords: ['DROP', 'DATABASE'],
  syntax: ['DROP DATABASE [<url> <user> <password>]'],
  summary: 'Deletes the current database (or the one given) with all its files; needs the admin role.',
  needsDatabase: false,
  async run({ session, args }) {
    const given = expectArguments(this, args, [0, 3], 'no argument, or a URL, a user and a password');
    if (given.length === 3) {
      await session.drop(given[0]!, given[1]!, given[2]!);
      session.print(`Database '${given[0]}' deleted successfully`);
      return;
    }
    const db = session.requireDatabase();
    const connection = session.connection!;
    if (db.user.role !== 'admin') {
      throw fail('ERR_PERMISSION_DENIED', `User '${db.user.name}' may not drop the database: it needs the admin role`);
    }
    const name = db.name;
    await session.drop(connection.typedUrl, connection.user, connection.password);
    session.print(`Database '${name}' deleted successfully`);
  },
};

/** `INFO`. */
export const infoCommand: ConsoleCommand = {
  keywords: ['INFO'],
  syntax: ['INFO'],
  summary: 'Describes the current database and user.',
  needsDatabase: true,
  async run({ session, args }) {
    expectArguments(this, args, [0], 'no argument');
    const db = session.requireDatabase();
    const connection = session.connection!;
    const classes = db.classes();
    let records = 0;
    for (const info of classes) records += await db.count(info.name);
    session.print(`Database: ${db.name}`);
    session.print(`URL: ${connection.typedUrl}`);
    session.print(`Storage: ${db.storage.kind}${db.storage.directory === null ? '' : ` (${db.storage.directory})`}`);
    session.print(`User: ${db.user.name}`);
    session.print(`Role: ${db.user.role}`);
    session.print(`Classes: ${classes.length}`);
    session.print(`Records: ${records}`);
  },
};

/** `LIST CLASSES`. */
export const listClassesCommand: ConsoleCommand = {
  keywords: ['LIST', 'CLASSES'],
  syntax: ['LIST CLASSES'],
  summary: 'Prints a line per class: its name and its number of records.',
  needsDatabase: true,
  async run({ session, args }) {
    expectArguments(this, args, [0], 'no argument');
    const db = session.requireDatabase();
    const classes = db.classes().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const width = Math.max(0, ...classes.map((info) => info.name.length));
    for (const info of classes) session.print(`${info.name.padEnd(width)}  ${await db.count(info.name)}`);
  },
};
