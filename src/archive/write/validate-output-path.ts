import { dirname, resolve } from 'node:path';
import { fail, type BackupConformanceError } from '../../errors.js';
import { nodeFileSystem, type FileSystem } from '../../fs/index.js';
import { describeValue } from './_internals/describe-value.js';
import { errnoOf } from './_internals/errno-of.js';

/**
 * Checks that an archive can be written at `path`, without writing anything: a non-empty string
 * without NUL, whose parent is an existing directory (it is not created) and which is not itself a
 * directory. Resolves the absolute path.
 *
 * A backup calls this before it locks the database, so that a hopeless target is refused with
 * `ERR_INVALID_OUTPUT` and no side effect; {@link writeZipToFile} itself reports the same problems,
 * met while writing, as `ERR_OUTPUT_FAILED` (the directory may change in between).
 *
 * @throws BackupConformanceError `ERR_INVALID_OUTPUT`, with `details.path` (and `details.errno`).
 */
export async function validateOutputPath(path: unknown, fs: FileSystem = nodeFileSystem): Promise<string> {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\u0000')) {
    throw fail('ERR_INVALID_OUTPUT', `the output path must be a non-empty string, received ${describeValue(path)}`);
  }
  const target = resolve(path);
  const parent = dirname(target);
  const refuse = (why: string, cause?: unknown): BackupConformanceError =>
    fail('ERR_INVALID_OUTPUT', `cannot write an archive at ${target}: ${why}`, {
      ...(cause === undefined ? {} : { cause }),
      details: { path: target, ...(errnoOf(cause) === undefined ? {} : { errno: errnoOf(cause) }) },
    });
  const parentStat = await fs.stat(parent).catch((error: unknown) => {
    throw refuse(errnoOf(error) === 'ENOENT' ? `the directory ${parent} does not exist` : `cannot check ${parent}`, error);
  });
  if (!parentStat.isDirectory) throw refuse(`${parent} is not a directory`);
  const targetStat = await fs.stat(target).catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw refuse('cannot check it', error);
  });
  if (targetStat?.isDirectory === true) throw refuse('it is a directory');
  return target;
}
