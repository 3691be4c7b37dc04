/**
 * Reading a chain directory: every file's manifest, and the content of the files the caller needs
 * checked in full.
 *
 * @packageDocumentation
 */
import type { ArchiveLimits } from '../archive/read/index.js';
import type { FileSystem } from '../fs/index.js';
import { type ChainFileFacts, checkChainFileContent, readChainManifest } from './inspect-chain-file.js';
import { listChainFiles } from './list-chain-files.js';
import { checkNewestChainFile } from './verified-chain-files.js';

/** Options of {@link readChain}. */
export interface ReadChainOptions {
  readonly fs: FileSystem;
  readonly limits?: Partial<ArchiveLimits>;
  /**
   * Which files get their content checked besides their manifest: `'all'` (restore, verify; with
   * `upToIndex`, only the files whose manifest gives an index up to it, and those whose index is
   * unknown) or `'newest'` (the file(s) with the highest index: what an incremental backup builds
   * on; a file this process wrote or checked before and that is provably unchanged is not read
   * again, see `verified-chain-files.ts`).
   */
  readonly content: 'all' | 'newest';
  /** See `content`. */
  readonly upToIndex?: number;
}

/**
 * Reads the chain files of `directory` (see `listChainFiles`): every manifest, then the content of
 * the files `options.content` names. `ERR_BACKUP_DIR_NOT_FOUND` when the directory is missing; an
 * empty array when it holds no chain file.
 */
export async function readChain(directory: string, options: ReadChainOptions): Promise<ChainFileFacts[]> {
  const names = await listChainFiles(options.fs, directory);
  const inspect = { fs: options.fs, limits: options.limits };
  const files: ChainFileFacts[] = [];
  for (const name of names) files.push(await readChainManifest(directory, name, inspect));
  let wanted: ChainFileFacts[];
  if (options.content === 'all') {
    const { upToIndex } = options;
    wanted = files.filter((facts) => upToIndex === undefined || facts.rawIndex === undefined || facts.rawIndex <= upToIndex);
  } else {
    const highest = files.reduce((max, facts) => (facts.manifest === undefined ? max : Math.max(max, facts.manifest.index)), -1);
    wanted = files.filter((facts) => facts.manifest !== undefined && facts.manifest.index === highest);
  }
  for (const facts of wanted) {
    if (options.content === 'newest') await checkNewestChainFile(facts, inspect);
    else await checkChainFileContent(facts, inspect);
  }
  return files;
}
