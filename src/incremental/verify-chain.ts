/**
 * Verifies a directory of incremental backup files without restoring it (spec/verify.md
 * VERIFY-007 and VERIFY-008).
 *
 * @packageDocumentation
 */
import { type ArchiveLimits } from '../archive/read/index.js';
import { isCodedError } from '../errors.js';
import { type FileSystem, nodeFileSystem } from '../fs/index.js';
import type { VerifyResult } from '../verify/verify-backup.js';
import { evaluateChain } from './evaluate-chain.js';
import type { ChainFileFacts } from './inspect-chain-file.js';
import { requireChainDirectory } from './list-chain-files.js';
import { readChain } from './read-chain.js';

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  /** The file system to read through (default: the real disk). */
  readonly fs?: FileSystem;
  /** Limits every chain file is read with. */
  readonly limits?: Partial<ArchiveLimits>;
}

function verdict(code: string | undefined): string {
  return code === undefined ? 'verdict: valid' : `verdict: invalid (${code})`;
}

function label(facts: ChainFileFacts): string {
  const index = facts.manifest?.index ?? facts.rawIndex;
  return index === undefined ? facts.name : `${facts.name} (index ${index})`;
}

/**
 * Checks every file of the chain in `dir` exactly as a restore of the whole directory would
 * (`stageChain`'s checks, without writing anything): each file in full (CRC-32s, manifest, sizes,
 * hashes, pages), then instance ids, indexes and links. Resolves a report rather than rejecting
 * for a defective chain: `lines` holds one line per `.ibu` file in index order,
 * `<name> (index <i>): ok` or `<name> (index <i>): <CODE> <message>` (each file's own first
 * defect; a file after a missing index carries `ERR_CHAIN_GAP`, a file whose link fails
 * `ERR_CHAIN_BROKEN_LINK`), so every file before the first defective one reads `ok`, and last
 * `verdict: valid` or `verdict: invalid (<CODE>)` with the code a restore would reject with. A
 * missing directory (`ERR_BACKUP_DIR_NOT_FOUND`) or one without `.ibu` files (`ERR_CHAIN_EMPTY`)
 * gives the verdict line alone. Other failures (bad options) reject.
 */
export async function verifyChain(dir: string, options: VerifyChainOptions = {}): Promise<VerifyResult> {
  const fs = options.fs ?? nodeFileSystem;
  const read = { fs, limits: options.limits };
  let files: ChainFileFacts[];
  try {
    await requireChainDirectory(fs, dir);
    files = await readChain(dir, { ...read, content: 'all' });
  } catch (error) {
    if (isCodedError(error)) return { valid: false, code: error.code, lines: [verdict(error.code)] };
    throw error;
  }
  if (files.length === 0) return { valid: false, code: 'ERR_CHAIN_EMPTY', lines: [verdict('ERR_CHAIN_EMPTY')] };
  const evaluation = evaluateChain(files, { checkLinks: true });
  const lines = evaluation.files.map((facts) => {
    const found = evaluation.fileProblems.get(facts.name);
    return found === undefined ? `${label(facts)}: ok` : `${label(facts)}: ${found.code} ${found.message}`;
  });
  const code = evaluation.problem?.code;
  lines.push(verdict(code));
  return { valid: code === undefined, ...(code === undefined ? {} : { code }), lines };
}
