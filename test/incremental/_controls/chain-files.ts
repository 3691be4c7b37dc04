/**
 * Rewriting chain files the way a defective implementation would have written them, for the
 * negative controls: the entries changed, the manifest's `files` recomputed so that the file stays
 * self-consistent, written atomically (a temporary file renamed over it) so that nothing but the
 * intended defect shows.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { entryData, readZip, readZipEntries, writeStoredZip } from '../../../conformance/scenarios/incremental/_support/zip.js';

const MANIFEST = 'backup-manifest.json';

/**
 * Changes a chain file's entries (without the manifest) and its manifest in place; returning
 * `false` leaves the file as it is.
 */
export type ChainFileChange = (entries: Map<string, Buffer>, manifest: Record<string, unknown>) => void | false | Promise<void | false>;

/** Rewrites the chain file at `path` after `change`; the manifest's `files` are recomputed. */
export async function rewriteChainFile(path: string, change: ChainFileChange): Promise<void> {
  const entries = readZipEntries(await readFile(path));
  const manifest = JSON.parse(entries.get(MANIFEST)!.toString('utf8')) as Record<string, unknown>;
  entries.delete(MANIFEST);
  if ((await change(entries, manifest)) === false) return;
  manifest.files = [...entries.keys()].sort().map((name) => ({
    name,
    size: entries.get(name)!.length,
    sha256: createHash('sha256').update(entries.get(name)!).digest('hex'),
  }));
  const list = [...entries.entries()].map(([name, data]) => ({ name, data }));
  list.push({ name: MANIFEST, data: Buffer.from(JSON.stringify(manifest, null, 2), 'utf8') });
  const temporary = join(dirname(path), `.${basename(path)}.rewrite.tmp`);
  await writeFile(temporary, writeStoredZip(list));
  await rename(temporary, path);
}

/** The manifests of the `.ibu` files of `dir` that can be read, by file name. */
export async function readableManifests(dir: string): Promise<Map<string, Record<string, unknown>>> {
  const manifests = new Map<string, Record<string, unknown>>();
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.ibu'));
  } catch {
    return manifests;
  }
  for (const name of names) {
    try {
      const bytes = await readFile(join(dir, name));
      const entry = readZip(bytes).entries.find((candidate) => candidate.name === MANIFEST);
      if (entry !== undefined) manifests.set(name, JSON.parse(entryData(bytes, entry).toString('utf8')) as Record<string, unknown>);
    } catch {
      // unreadable: left to the real implementation
    }
  }
  return manifests;
}
