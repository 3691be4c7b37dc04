/**
 * Database URLs: `plocal:<path>` and `memory:<name>`; `remote:` is refused as the reference has
 * no server.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { fail } from '../errors.js';

/** A parsed database URL. */
export type DatabaseUrl =
  | { readonly kind: 'plocal'; readonly url: string; readonly directory: string }
  | { readonly kind: 'memory'; readonly url: string; readonly name: string };

/** OrientDB's message for backups against remote storage (the same form is used for every remote URL). */
export const REMOTE_NOT_SUPPORTED_MESSAGE =
  'backup is not supported against remote storage. Open the database with plocal or use the incremental backup in the Enterprise Edition';

/**
 * Parses a database URL. Relative `plocal:` paths are resolved against the working directory.
 * `remote:` gives `ERR_REMOTE_NOT_SUPPORTED`; anything else malformed gives `ERR_INVALID_URL`.
 */
export function parseDatabaseUrl(url: unknown): DatabaseUrl {
  if (typeof url !== 'string') throw fail('ERR_INVALID_URL', `A database URL must be a string, got ${typeof url}`);
  const match = /^([A-Za-z]+):(.*)$/s.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  const rest = match?.[2] ?? '';
  if (scheme === 'remote') throw fail('ERR_REMOTE_NOT_SUPPORTED', REMOTE_NOT_SUPPORTED_MESSAGE, { details: { url } });
  if (scheme === 'plocal') {
    if (rest.trim() === '' || rest.includes('\0')) throw fail('ERR_INVALID_URL', `The plocal URL '${url}' has no path`, { details: { url } });
    return { kind: 'plocal', url, directory: resolve(rest) };
  }
  if (scheme === 'memory') {
    if (rest === '' || /[\0/\\]/.test(rest)) {
      throw fail('ERR_INVALID_URL', `The memory URL '${url}' needs a name without slashes`, { details: { url } });
    }
    return { kind: 'memory', url, name: rest };
  }
  throw fail('ERR_INVALID_URL', `'${url}' is not a database URL: use plocal:<path> or memory:<name>`, { details: { url } });
}
