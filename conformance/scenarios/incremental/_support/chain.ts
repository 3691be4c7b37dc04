/**
 * Helpers of the incremental scenarios for looking at and damaging chain files on disk.
 *
 * @packageDocumentation
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readZip, readZipEntries, writeStoredZip } from './zip.js';

/** The manifest entry of every backup file. */
export const MANIFEST_ENTRY = 'backup-manifest.json';

/** A chain file's manifest as a plain object. */
export type Manifest = Record<string, unknown> & {
  readonly kind: string;
  readonly index: number;
  readonly full: boolean;
  readonly startLsn: number;
  readonly lsn: number;
  readonly instanceId: string;
  readonly previous: { readonly name: string; readonly sha256: string } | null;
  readonly files: ReadonlyArray<{ readonly name: string; readonly size: number; readonly sha256: string }>;
};

/** The names of the `.ibu` files of `dir`, sorted by name. */
export async function chainFileNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ibu')).map((entry) => entry.name).sort();
}

/** The manifest of the chain file at `path`. */
export async function readManifest(path: string): Promise<Manifest> {
  const entries = readZipEntries(await readFile(path));
  const bytes = entries.get(MANIFEST_ENTRY);
  assert.ok(bytes !== undefined, `${path} has no ${MANIFEST_ENTRY}`);
  return JSON.parse(bytes.toString('utf8')) as Manifest;
}

/** The chain files of `dir` with their manifests, in index order. */
export async function chainByIndex(dir: string): Promise<Array<{ name: string; manifest: Manifest }>> {
  const files = [];
  for (const name of await chainFileNames(dir)) files.push({ name, manifest: await readManifest(join(dir, name)) });
  return files.sort((a, b) => a.manifest.index - b.manifest.index);
}

/** The chain file of `dir` whose manifest has index `index`. */
export async function chainFile(dir: string, index: number): Promise<string> {
  const found = (await chainByIndex(dir)).find((file) => file.manifest.index === index);
  assert.ok(found !== undefined, `no chain file with index ${index} in ${dir}`);
  return found.name;
}

/** SHA-256 of bytes, in hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Name -> SHA-256 of every regular file directly in `dir` (the state "byte-identical" compares). */
export async function directoryState(dir: string): Promise<Map<string, string>> {
  const state = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) state.set(entry.name, sha256(await readFile(join(dir, entry.name))));
    else state.set(`${entry.name}/`, 'directory');
  }
  return state;
}

/** Asserts that `dir` holds exactly the files of `before`, byte for byte. */
export async function expectDirectoryUnchanged(dir: string, before: Map<string, string>, what: string): Promise<void> {
  const after = await directoryState(dir);
  assert.deepEqual([...after.entries()].sort(), [...before.entries()].sort(), `${what}: the files of ${dir} changed`);
}

/** Flips bit `bit` of the byte at `offset` of the file at `path`. */
export async function flipBit(path: string, offset: number, bit = 0): Promise<void> {
  const bytes = await readFile(path);
  assert.ok(offset >= 0 && offset < bytes.length, `offset ${offset} is outside ${path} (${bytes.length} bytes)`);
  bytes[offset] = (bytes[offset] ?? 0) ^ (1 << bit);
  await writeFile(path, bytes);
}

/**
 * The offset of a byte in the middle of the data of an entry other than the manifest (the largest
 * one), where a flipped bit changes that entry's content.
 */
export async function dataByteOffset(path: string): Promise<{ offset: number; entry: string }> {
  const { entries } = readZip(await readFile(path));
  const candidates = entries.filter((entry) => entry.name !== MANIFEST_ENTRY && entry.compressedSize > 0).sort((a, b) => b.compressedSize - a.compressedSize);
  const entry = candidates[0];
  assert.ok(entry !== undefined, `${path} has no entry with data besides its manifest`);
  return { offset: entry.dataOffset + Math.floor(entry.compressedSize / 2), entry: entry.name };
}

/** Rewrites the chain file at `path` as a STORED ZIP with the same entries, its manifest changed by `change`. */
export async function rezipWithManifest(path: string, change: (manifest: Record<string, unknown>) => void): Promise<void> {
  const entries = readZipEntries(await readFile(path));
  const manifestBytes = entries.get(MANIFEST_ENTRY);
  assert.ok(manifestBytes !== undefined, `${path} has no ${MANIFEST_ENTRY}`);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as Record<string, unknown>;
  change(manifest);
  entries.delete(MANIFEST_ENTRY);
  const list = [...entries.entries()].map(([name, data]) => ({ name, data }));
  list.push({ name: MANIFEST_ENTRY, data: Buffer.from(JSON.stringify(manifest, null, 2), 'utf8') });
  await writeFile(path, writeStoredZip(list));
}

/** The size of the file at `path`. */
export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

/** Asserts that the message of `error` contains `text` (where a requirement asks it to name a file or an index). */
export function expectMessageNames(error: Error, text: string, what: string): void {
  assert.ok(error.message.includes(text), `${what}: the error's message should name ${JSON.stringify(text)}: ${error.message}`);
}

/** Asserts that the message of `error` names the index `index` (as a whole number). */
export function expectMessageNamesIndex(error: Error, index: number, what: string): void {
  assert.match(error.message, new RegExp(`(^|\\D)${index}(\\D|$)`), `${what}: the error's message should name index ${index}: ${error.message}`);
}
