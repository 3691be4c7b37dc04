/**
 * The export file: a gzip (RFC 1952) of one UTF-8 JSON document,
 *
 * ```json
 * {"format":"orientdb-backup-conformance/export@1",
 *  "database":{"name":"mydb","exportedAt":"2024-01-01T00:00:00.000Z"},
 *  "users":[{"name":"admin","role":"admin","salt":"<base64>","hash":"scrypt:<N>:<r>:<p>:<base64>"}],
 *  "classes":[{"name":"Item","clusterId":1,"nextPosition":3,"records":[
 *    {"rid":"#1:0","version":1,"content":{...}},
 *    {"rid":"#1:2","version":4,"content":{...}}]}]}
 * ```
 *
 * Classes come in cluster id order (1, 2, ...), records in position order. `nextPosition` is the
 * position the class's next insert gets: with the record ids it tells which positions were
 * deleted, so that an import hands out the same ids afterwards. Users carry their password hashes,
 * never their passwords. Readers ignore members they do not know.
 *
 * @packageDocumentation
 */
import { fail, messageOf } from '../errors.js';
import { type JsonObject, encodeDocument } from '../engine/documents.js';
import { CLASS_NAME_PATTERN, type StoredUser } from '../engine/metadata.js';
import { type Role, isRole } from '../engine/permissions.js';

/** The value of the document's `format` member. */
export const EXPORT_FORMAT = 'orientdb-backup-conformance/export@1';

/** The largest export an import reads: 512 MiB of JSON (about the longest string V8 can hold). */
export const MAX_EXPORT_JSON_BYTES = 512 * 1024 * 1024;

/**
 * The most deleted positions an import recreates in one class. Each costs 8 bytes of position map,
 * and a hostile file could otherwise ask for gigabytes with one number.
 */
export const MAX_DELETED_POSITIONS = 2 ** 24;

/** A record as the export holds it, its record id taken apart. */
export interface ExportedRecord {
  readonly position: number;
  readonly version: number;
  readonly content: JsonObject;
}

/** A class as the export holds it. */
export interface ExportedClass {
  readonly name: string;
  readonly clusterId: number;
  readonly nextPosition: number;
  readonly records: readonly ExportedRecord[];
}

/** A checked export document. */
export interface ExportDocument {
  readonly users: readonly StoredUser[];
  readonly classes: readonly ExportedClass[];
}

const USER_NAME = /^[A-Za-z0-9_.@-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SCRYPT_HASH = /^scrypt:\d{1,8}:\d{1,3}:\d{1,3}:[A-Za-z0-9+/]+={0,2}$/;
const RID = /^#(\d{1,9}):(\d{1,15})$/;

function invalid(path: string, why: string): never {
  throw fail('ERR_EXPORT_INVALID', `The file is not an export: ${path} ${why}`, { details: { path } });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function member(object: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

function arrayAt(object: Record<string, unknown>, key: string, path: string): unknown[] {
  const value = member(object, key);
  if (!Array.isArray(value)) invalid(`${path}.${key}`, 'is not an array');
  return value;
}

function integerAt(object: Record<string, unknown>, key: string, path: string, min: number, max: number): number {
  const value = member(object, key);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    invalid(`${path}.${key}`, `is not an integer from ${min} to ${max}`);
  }
  return value;
}

function checkUsers(items: unknown[]): StoredUser[] {
  const names = new Set<string>();
  const users = items.map((item, index): StoredUser => {
    const path = `$.users[${index}]`;
    if (!isObject(item)) invalid(path, 'is not an object');
    const { name, role, salt, hash } = { name: member(item, 'name'), role: member(item, 'role'), salt: member(item, 'salt'), hash: member(item, 'hash') };
    if (typeof name !== 'string' || !USER_NAME.test(name)) invalid(`${path}.name`, 'is not a user name');
    if (names.has(name)) invalid(`${path}.name`, `repeats the user '${name}'`);
    names.add(name);
    if (!isRole(role)) invalid(`${path}.role`, 'is not one of admin, writer, reader');
    if (typeof salt !== 'string' || !BASE64.test(salt)) invalid(`${path}.salt`, 'is not base64');
    if (typeof hash !== 'string' || !SCRYPT_HASH.test(hash)) invalid(`${path}.hash`, 'is not a password hash');
    return { name, role: role as Role, salt, hash };
  });
  if (!users.some((user) => user.role === 'admin')) invalid('$.users', 'has no user with the admin role');
  return users;
}

function checkRecords(items: unknown[], clusterId: number, nextPosition: number, path: string): ExportedRecord[] {
  let previous = -1;
  return items.map((item, index): ExportedRecord => {
    const at = `${path}.records[${index}]`;
    if (!isObject(item)) invalid(at, 'is not an object');
    const rid = member(item, 'rid');
    const match = typeof rid === 'string' ? RID.exec(rid) : null;
    if (match === null) invalid(`${at}.rid`, 'is not a record id #<cluster>:<position>');
    if (Number(match[1]) !== clusterId) invalid(`${at}.rid`, `is not in the class's cluster ${clusterId}`);
    const position = Number(match[2]);
    if (position <= previous) invalid(`${at}.rid`, 'does not come after the record before it');
    if (position >= nextPosition) invalid(`${at}.rid`, `is not below the class's nextPosition ${nextPosition}`);
    previous = position;
    const version = integerAt(item, 'version', at, 1, 0xffffffff);
    const content = member(item, 'content');
    if (!isObject(content)) invalid(`${at}.content`, 'is not a JSON object');
    try {
      encodeDocument(content);
    } catch (error) {
      invalid(`${at}.content`, `cannot be stored: ${messageOf(error)}`);
    }
    return { position, version, content: content as JsonObject };
  });
}

function checkClasses(items: unknown[]): ExportedClass[] {
  const names = new Set<string>();
  return items.map((item, index): ExportedClass => {
    const path = `$.classes[${index}]`;
    if (!isObject(item)) invalid(path, 'is not an object');
    const name = member(item, 'name');
    if (typeof name !== 'string' || !CLASS_NAME_PATTERN.test(name)) invalid(`${path}.name`, 'is not a class name');
    if (names.has(name.toLowerCase())) invalid(`${path}.name`, `repeats the class '${name}' (names are case-insensitive)`);
    names.add(name.toLowerCase());
    // Cluster ids are handed out 1, 2, ... as classes are created, and no class is ever dropped.
    const clusterId = integerAt(item, 'clusterId', path, index + 1, index + 1);
    const nextPosition = integerAt(item, 'nextPosition', path, 0, Number.MAX_SAFE_INTEGER);
    const records = checkRecords(arrayAt(item, 'records', path), clusterId, nextPosition, path);
    if (nextPosition - records.length > MAX_DELETED_POSITIONS) {
      invalid(`${path}.nextPosition`, `leaves more than ${MAX_DELETED_POSITIONS} deleted positions, more than an import recreates`);
    }
    return { name, clusterId, nextPosition, records };
  });
}

/**
 * Checks a parsed export document and returns its content. Anything that is not an export of this
 * format is `ERR_EXPORT_INVALID`, the message naming the JSON path at fault.
 */
export function validateExportDocument(value: unknown): ExportDocument {
  if (!isObject(value)) invalid('$', 'is not a JSON object');
  if (member(value, 'format') !== EXPORT_FORMAT) invalid('$.format', `is not "${EXPORT_FORMAT}"`);
  const users = checkUsers(arrayAt(value, 'users', '$'));
  const classes = checkClasses(arrayAt(value, 'classes', '$'));
  return { users, classes };
}
