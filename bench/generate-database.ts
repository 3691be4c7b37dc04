/**
 * Realistic databases for the benchmarks: JSON documents that compress like real records (names,
 * e-mails, addresses, order lines, a line of free text), mixed with attachments whose content is
 * base64 of random bytes (DEFLATE saves only base64's quarter: "incompressible" blobs).
 * Deterministic for a seed. Written through the engine, so the files are real database files.
 *
 * @packageDocumentation
 */
import { createCipheriv } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Database, type JsonObject, isTransientFile } from '../src/engine/index.js';

/** What {@link generateDatabase} made; saved as JSON beside the database for child processes. */
export interface GeneratedDatabase {
  /** `plocal:` URL of the database. */
  readonly url: string;
  /** Its directory. */
  readonly directory: string;
  /** Bytes of its files (what a backup archives). */
  readonly bytes: number;
  /** Pages of 8 KiB in its paged files. */
  readonly pages: number;
  /** Person documents: RIDs `#<personCluster>:0` to `#<personCluster>:<persons - 1>`. */
  readonly persons: number;
  readonly personCluster: number;
  /** Attachment records (blobs). */
  readonly attachments: number;
  /** The share of the bytes of inserted JSON that are blobs (0 to 1). */
  readonly blobShare: number;
  readonly seed: number;
}

/** The user and password of generated databases. */
export const BENCH_USER = { user: 'admin', password: 'admin' } as const;

const FIRST = ['Ada', 'Bruno', 'Chiara', 'Dario', 'Elena', 'Fabio', 'Giulia', 'Hugo', 'Irene', 'Jonas', 'Karin', 'Luca', 'Marta', 'Nico', 'Olga', 'Paolo'];
const LAST = ['Rossi', 'Bianchi', 'Ferrari', 'Esposito', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti'];
const CITIES = [
  ['Turin', 'IT', '10121'],
  ['Oslo', 'NO', '0150'],
  ['Lima', 'PE', '15001'],
  ['Kyoto', 'JP', '600-8216'],
  ['Accra', 'GH', 'GA-184'],
  ['Quito', 'EC', '170150'],
  ['Perth', 'AU', '6000'],
  ['Lyon', 'FR', '69001'],
] as const;
const STREETS = ['Via Roma', 'Main Street', 'Rue de la Paix', 'Calle Mayor', 'Hauptstrasse', 'Avenida Central'];
const WORDS = 'order shipped delayed customer asked refund again called twice prefers email weekend delivery gift wrap fragile priority returned'.split(' ');
const TAGS = ['vip', 'new', 'churn-risk', 'b2b', 'newsletter', 'promo', 'support', 'beta'];

/** xorshift32: fast, deterministic, good enough for test data. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/**
 * Person document `n` (`variant` 0 is the original; another variant is an update of it), about
 * 1 KiB of JSON. With `length`, its note is padded or cut so that the JSON is exactly that many
 * UTF-16 units (ASCII: bytes) long, so an update keeps the record's size.
 */
export function personDocument(n: number, variant = 0, length?: number): JsonObject {
  const next = random(n * 2654435761 + variant * 40503 + 1);
  const pick = <T>(items: readonly T[]): T => items[next() % items.length]!;
  const first = pick(FIRST);
  const last = pick(LAST);
  const [city, country, zip] = pick(CITIES);
  const orders = Array.from({ length: 2 + (next() % 5) }, () => ({
    sku: `SKU-${10000 + (next() % 90000)}`,
    qty: 1 + (next() % 4),
    price: (next() % 20000) / 100,
    at: `2024-${String(1 + (next() % 12)).padStart(2, '0')}-${String(1 + (next() % 28)).padStart(2, '0')}`,
  }));
  const document: JsonObject = {
    name: `${first} ${last}`,
    email: `${first.toLowerCase()}.${last.toLowerCase()}${next() % 10000}@example.org`,
    age: 18 + (next() % 70),
    active: next() % 5 !== 0,
    tags: Array.from({ length: 1 + (next() % 3) }, () => pick(TAGS)),
    address: { street: `${pick(STREETS)} ${1 + (next() % 200)}`, city, zip, country },
    orders,
    note: '',
    version: variant,
  };
  // The update of a document changes its note (and version) only: same shape, same size.
  const words = random(n * 7919 + variant * 104729 + 7);
  document.note = Array.from({ length: 6 + (words() % 14) }, () => WORDS[words() % WORDS.length]).join(' ');
  if (length !== undefined) {
    document.note = `${document.note as string} ${'x'.repeat(200)}`;
    const size = JSON.stringify(document).length;
    const note = document.note as string;
    document.note = size <= length ? note + ' '.repeat(length - size) : note.slice(0, Math.max(0, note.length - (size - length)));
  }
  return document;
}

/** An attachment: `bytes` random bytes as base64 (about 4/3 as many characters). */
function attachmentDocument(n: number, bytes: number, seed: number): JsonObject {
  const key = Buffer.alloc(16);
  key.writeUInt32LE(n, 0);
  key.writeUInt32LE(seed, 4);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const data = Buffer.concat([cipher.update(Buffer.alloc(bytes)), cipher.final()]);
  return { name: `scan-${n}.bin`, mime: 'application/octet-stream', size: bytes, data: data.toString('base64') };
}

/** Bytes of the database's own files (the lock and temporary files left out). */
export async function databaseBytes(directory: string): Promise<{ bytes: number; pages: number }> {
  let bytes = 0;
  let pages = 0;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    if (!entry.isFile() || isTransientFile(entry.name)) continue;
    const size = (await stat(join(directory, entry.name))).size;
    bytes += size;
    if (entry.name.endsWith('.pcl') || entry.name.endsWith('.cpm')) pages += Math.floor(size / 8192);
  }
  return { bytes, pages };
}

/**
 * Creates the database `directory` (which must not exist) and fills it until its files hold
 * about `targetBytes`: Person documents and Attachment blobs in the ratio `blobShare` of
 * inserted bytes (default 0.3). Writes `<directory>.json` (a {@link GeneratedDatabase}).
 */
export async function generateDatabase(directory: string, targetBytes: number, options: { seed?: number; blobShare?: number } = {}): Promise<GeneratedDatabase> {
  const seed = options.seed ?? 1;
  const blobShare = options.blobShare ?? 0.3;
  const url = `plocal:${directory}`;
  const db = await Database.create(url, { ...BENCH_USER, durability: 'batch', scryptCost: 1024 });
  try {
    await db.createClass('Person');
    await db.createClass('Attachment');
    const personCluster = db.classes().find((info) => info.name === 'Person')!.clusterId;
    const next = random(seed);
    let persons = 0;
    let attachments = 0;
    let personBytes = 0;
    let blobBytes = 0;
    for (;;) {
      // A batch of inserts (about 2 MiB), then a look at the files (their size includes page slack and maps).
      for (let i = 0; i < 1500; i++) {
        if (blobBytes < (personBytes + blobBytes) * blobShare) {
          const document = attachmentDocument(attachments, 16 * 1024 + (next() % (48 * 1024)), seed);
          blobBytes += (document.data as string).length;
          await db.insert('Attachment', document);
          attachments++;
        } else {
          const document = personDocument(persons);
          personBytes += JSON.stringify(document).length;
          await db.insert('Person', document);
          persons++;
        }
      }
      await db.flush();
      // The paged files only: the log comes and goes with checkpoints.
      if ((await databaseBytes(directory)).pages * 8192 >= targetBytes) break;
    }
    await db.flush();
    await db.storage.checkpoint();
    const { bytes, pages } = await databaseBytes(directory);
    const generated: GeneratedDatabase = { url, directory, bytes, pages, persons, personCluster, attachments, blobShare: blobBytes / (blobBytes + personBytes), seed };
    await writeFile(`${directory}.json`, `${JSON.stringify(generated, null, 2)}\n`);
    return generated;
  } finally {
    await db.close();
  }
}

/**
 * Updates `count` Person documents chosen at random (seeded), each with new content of the
 * same size, so that each update rewrites its page in place. Resolves once durable.
 */
export async function updatePersons(db: Database, generated: GeneratedDatabase, count: number, seed: number): Promise<void> {
  const next = random(seed);
  for (let i = 0; i < count; i++) {
    const n = next() % generated.persons;
    const length = JSON.stringify(personDocument(n)).length;
    await db.update(`#${generated.personCluster}:${n}`, personDocument(n, seed + i + 1, length));
  }
  await db.flush();
}
