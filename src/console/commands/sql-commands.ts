/**
 * The SQL subset: CREATE CLASS, INSERT INTO ... CONTENT, SELECT, UPDATE ... CONTENT,
 * DELETE FROM ... WHERE @rid = ..., CREATE USER ... IDENTIFIED BY ... ROLE ....
 *
 * Records are printed as one line of canonical JSON each, the form of a dump record
 * (`{"content":{...},"rid":"#1:0","version":1}`), so that scripts and scenarios can read them.
 *
 * @packageDocumentation
 */
import { canonicalJson } from '../../engine/canonical-json.js';
import type { DbRecord, JsonObject, Role } from '../../engine/index.js';
import { fail, isCodedError, messageOf } from '../../errors.js';
import type { Word } from '../command-lexer.js';
import { type ConsoleCommand, expectArguments, isKeyword, refuseOptions, syntaxError } from '../console-command.js';

/** A record as SELECT, INSERT and UPDATE print it. */
export function recordLine(record: DbRecord): string {
  return canonicalJson({ content: record.content, rid: record.rid, version: record.version });
}

/** Parses a CONTENT word: a JSON object, else `ERR_CONSOLE_SYNTAX`. */
function jsonContent(command: ConsoleCommand, word: Word | undefined): JsonObject {
  if (word === undefined) throw syntaxError(command, 'CONTENT needs a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(word.value);
  } catch (error) {
    throw syntaxError(command, `CONTENT is not JSON (${messageOf(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw syntaxError(command, 'CONTENT must be a JSON object');
  return value as JsonObject;
}

/** `CREATE CLASS <name>`. */
export const createClassCommand: ConsoleCommand = {
  keywords: ['CREATE', 'CLASS'],
  syntax: ['CREATE CLASS <name>'],
  summary: 'Creates a class (and its cluster).',
  needsDatabase: true,
  async run({ session, args }) {
    const [name] = expectArguments(this, args, [1], 'a class name');
    const db = session.requireDatabase();
    await db.createClass(name!);
    session.print(`Class created successfully. Total classes in database now: ${db.classes().length}.`);
  },
};

/** `INSERT INTO <class> CONTENT <json>`. */
export const insertCommand: ConsoleCommand = {
  keywords: ['INSERT', 'INTO'],
  syntax: ['INSERT INTO <class> CONTENT <json>'],
  summary: 'Inserts a record and prints it as one line of JSON.',
  needsDatabase: true,
  async run({ session, args }) {
    refuseOptions(this, args);
    if (args.length !== 3 || !isKeyword(args[1], 'CONTENT')) throw syntaxError(this, 'INSERT INTO takes a class, CONTENT and a JSON object');
    const content = jsonContent(this, args[2]);
    session.print(recordLine(await session.requireDatabase().insert(args[0]!.value, content)));
  },
};

/** `SELECT FROM <class|rid> [LIMIT <n>]` and `SELECT COUNT(*) FROM <class>`. */
export const selectCommand: ConsoleCommand = {
  keywords: ['SELECT'],
  syntax: ['SELECT FROM <class|rid> [LIMIT <n>]', 'SELECT COUNT(*) FROM <class>'],
  summary: 'Prints the records of a class (in record id order) or one record as JSON lines, or {"count":<n>}.',
  needsDatabase: true,
  async run({ session, args }) {
    const db = session.requireDatabase();
    const from = args.findIndex((word) => isKeyword(word, 'FROM'));
    if (from < 0) throw syntaxError(this, 'SELECT needs FROM');
    const projection = args
      .slice(0, from)
      .map((word) => word.value)
      .join('')
      .toUpperCase();
    const rest = args.slice(from + 1);
    if (projection === 'COUNT(*)') {
      if (rest.length !== 1) throw syntaxError(this, 'SELECT COUNT(*) FROM takes one class');
      session.print(`{"count":${await db.count(rest[0]!.value)}}`);
      return;
    }
    if (projection !== '' && projection !== '*') throw syntaxError(this, `SELECT takes no projection but COUNT(*), got '${projection}'`);
    if (rest.length !== 1 && !(rest.length === 3 && isKeyword(rest[1], 'LIMIT'))) throw syntaxError(this, 'SELECT FROM takes a class or a record id, then optionally LIMIT <n>');
    let limit = Number.POSITIVE_INFINITY;
    if (rest.length === 3) {
      if (!/^\d{1,15}$/.test(rest[2]!.value)) throw syntaxError(this, `LIMIT needs a non-negative integer, got '${rest[2]!.value}'`);
      limit = Number(rest[2]!.value);
    }
    const target = rest[0]!.value;
    if (target.startsWith('#')) {
      if (limit === 0) return;
      try {
        session.print(recordLine(await db.load(target)));
      } catch (error) {
        // As in SQL, a record id that names no record selects nothing.
        if (!isCodedError(error, 'ERR_RECORD_NOT_FOUND')) throw error;
      }
      return;
    }
    let printed = 0;
    if (printed >= limit) {
      await db.count(target); // an unknown class is still an error
      return;
    }
    for await (const record of db.scan(target)) {
      session.print(recordLine(record));
      if (++printed >= limit) break;
    }
  },
};

/** `UPDATE <rid> CONTENT <json>`. */
export const updateCommand: ConsoleCommand = {
  keywords: ['UPDATE'],
  syntax: ['UPDATE <rid> CONTENT <json>'],
  summary: "Replaces a record's content (its version grows by one) and prints it.",
  needsDatabase: true,
  async run({ session, args }) {
    refuseOptions(this, args);
    if (args.length !== 3 || !isKeyword(args[1], 'CONTENT')) throw syntaxError(this, 'UPDATE takes a record id, CONTENT and a JSON object');
    const content = jsonContent(this, args[2]);
    session.print(recordLine(await session.requireDatabase().update(args[0]!.value, content)));
  },
};

/** `DELETE FROM <class> WHERE @rid = <rid>`. */
export const deleteCommand: ConsoleCommand = {
  keywords: ['DELETE', 'FROM'],
  syntax: ['DELETE FROM <class> WHERE @rid = <rid>'],
  summary: 'Deletes one record of a class.',
  needsDatabase: true,
  async run({ session, args }) {
    refuseOptions(this, args);
    const condition = args
      .slice(2)
      .map((word) => word.value)
      .join('');
    const match = /^@rid=(.+)$/i.exec(condition);
    if (args.length < 3 || !isKeyword(args[1], 'WHERE') || match === null) throw syntaxError(this, 'DELETE FROM takes a class, then WHERE @rid = <rid>');
    const db = session.requireDatabase();
    const className = args[0]!.value;
    const info = db.classes().find((candidate) => candidate.name.toLowerCase() === className.toLowerCase());
    if (info === undefined) throw fail('ERR_CLASS_NOT_FOUND', `Class '${className}' does not exist`, { details: { className } });
    const rid = match[1]!;
    const cluster = /^#(\d+):\d+$/.exec(rid);
    if (cluster !== null && Number(cluster[1]) !== info.clusterId) {
      throw fail('ERR_RECORD_NOT_FOUND', `Record ${rid} is not a record of class '${info.name}'`, { details: { rid } });
    }
    await db.delete(rid);
    session.print(`Deleted record ${rid}.`);
  },
};

/** `CREATE USER <name> IDENTIFIED BY <password> ROLE <role>`. */
export const createUserCommand: ConsoleCommand = {
  keywords: ['CREATE', 'USER'],
  syntax: ['CREATE USER <name> IDENTIFIED BY <password> ROLE <role>'],
  summary: 'Creates a user with the role admin, writer or reader.',
  needsDatabase: true,
  async run({ session, args }) {
    refuseOptions(this, args);
    if (args.length !== 6 || !isKeyword(args[1], 'IDENTIFIED') || !isKeyword(args[2], 'BY') || !isKeyword(args[4], 'ROLE')) {
      throw syntaxError(this, 'CREATE USER takes a name, IDENTIFIED BY and a password, then ROLE and a role');
    }
    const [name, , , password, , role] = args.map((word) => word.value);
    await session.requireDatabase().createUser(name!, password!, role as Role);
    session.print(`User '${name}' created with the role ${role}.`);
  },
};
