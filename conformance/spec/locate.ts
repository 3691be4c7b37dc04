/**
 * Finds the package root (and so `spec/`) at run time, from the location of the running module,
 * so that the suite works from the sources (vitest, tsx) and from `dist/` alike.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarnessError } from '../errors.js';

/** The `name` of this package's package.json. */
export const PACKAGE_NAME = 'orientdb-backup-conformance';

/**
 * Walks up from `fromUrl` (a `file:` URL or a path) to the directory whose package.json is named
 * {@link PACKAGE_NAME}. Throws `ERR_SPEC_NOT_FOUND` when there is none.
 */
export function findPackageRoot(fromUrl: string | URL = import.meta.url): string {
  const start = typeof fromUrl === 'string' && !fromUrl.startsWith('file:') ? fromUrl : fileURLToPath(fromUrl);
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new HarnessError('ERR_SPEC_NOT_FOUND', `no package.json named "${PACKAGE_NAME}" above ${start}`);
}

/** The default `spec/` directory: `<package root>/spec`. */
export function defaultSpecDirectory(): string {
  return join(findPackageRoot(), 'spec');
}

/** The package's version, reported as the suite version. */
export function suiteVersion(): string {
  const manifest = JSON.parse(readFileSync(join(findPackageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

function readPackageName(manifest: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}
