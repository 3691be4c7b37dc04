/**
 * Rewriting archives for the backup area's negative controls: read an archive's entries (with the
 * conformance inspector), change them, and write a plain, standard ZIP again (local headers with
 * sizes and CRC-32, no data descriptors, regular files 0644, the comment kept). Deliberately
 * independent of the package's ZIP writer, so that a control never depends on the code it tests.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';
import { inspectZip } from '../../../conformance/support/zip-inspect.js';

/** An entry to write. */
export interface RewrittenEntry {
  readonly name: string;
  readonly data: Buffer;
  /** 0 (STORED) or 8 (DEFLATE). */
  readonly method: 0 | 8;
  /** zlib level for DEFLATE (0 to 9; 0 gives DEFLATE with stored blocks). */
  readonly level?: number;
}

/** An archive read back: its entries (with their methods) and its comment. */
export interface ReadArchive {
  entries: RewrittenEntry[];
  comment: string;
}

/** Reads an archive file into entries; throws when an entry cannot be read. */
export async function readArchive(path: string): Promise<ReadArchive> {
  const inspection = inspectZip(await readFile(path));
  return {
    comment: inspection.comment ?? '',
    entries: inspection.entries.map((entry) => {
      if (entry.data === undefined) throw new Error(`cannot read ${entry.name} of ${path}`);
      return { name: entry.name, data: entry.data, method: entry.method === 0 ? 0 : 8 };
    }),
  };
}

/** The bytes of a standard ZIP holding `entries` in order, with `comment`. */
export function buildZip(entries: readonly RewrittenEntry[], comment: string, level = 9): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const stored = entry.method === 0 ? entry.data : deflateRawSync(entry.data, { level: entry.level ?? level });
    const crc = crc32(entry.data);
    const flags = /[^\x20-\x7e]/.test(entry.name) ? 0x0800 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(entry.method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(entry.method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, stored);
    centrals.push(central, name);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const commentBytes = Buffer.from(comment, 'utf8');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(commentBytes.length, 20);
  return Buffer.concat([...locals, directory, end, commentBytes]);
}

/** Rewrites the archive at `path` through `change`; resolves the new size. */
export async function rewriteArchive(path: string, change: (archive: ReadArchive) => void | Promise<void>, level = 9): Promise<number> {
  const archive = await readArchive(path);
  await change(archive);
  const bytes = buildZip(archive.entries, archive.comment, level);
  await writeFile(path, bytes);
  return bytes.length;
}

/** The manifest entry's JSON, parsed. */
export function manifestJson(archive: ReadArchive): Record<string, unknown> {
  const entry = archive.entries.find((candidate) => candidate.name === 'backup-manifest.json');
  if (entry === undefined) throw new Error('the archive has no manifest');
  return JSON.parse(entry.data.toString('utf8')) as Record<string, unknown>;
}

/** Replaces the manifest entry's JSON (keeping its method). */
export function setManifestJson(archive: ReadArchive, manifest: Record<string, unknown>): void {
  const index = archive.entries.findIndex((candidate) => candidate.name === 'backup-manifest.json');
  const old = archive.entries[index]!;
  archive.entries[index] = { ...old, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') };
}

/** SHA-256 in lower-case hex. */
export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Sets the "disk number start" of the archive's first central directory record to 1 (in place). */
export async function moveFirstEntryToDiskOne(path: string): Promise<void> {
  const bytes = await readFile(path);
  for (let at = bytes.length - 22; at >= 0; at--) {
    if (bytes.readUInt32LE(at) === 0x06054b50 && at + 22 + bytes.readUInt16LE(at + 20) === bytes.length) {
      bytes.writeUInt16LE(1, bytes.readUInt32LE(at + 16) + 34);
      await writeFile(path, bytes);
      return;
    }
  }
  throw new Error(`no end of central directory record in ${path}`);
}
