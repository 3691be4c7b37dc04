/**
 * Judging a chain from the facts read about its files, in the order spec/incremental.md INCR-024
 * fixes, so that the code reported is the most informative one: a file that cannot be read, then
 * an unsupported version, then a malformed file, then a file of another database, a duplicated
 * index, a missing index, and last a broken link (a foreign or tampered file also breaks the link
 * after it, which would otherwise hide the real cause).
 *
 * @packageDocumentation
 */
import { MANIFEST_FORMAT_VERSION } from '../backup/manifest.js';
import { FORMAT_VERSION } from '../engine/constants.js';
import type { ChainProblem } from './chain-problem.js';
import type { ChainFileFacts } from './inspect-chain-file.js';

/** Options of {@link evaluateChain}. */
export interface EvaluateChainOptions {
  /** Judge only the files whose manifest gives an index up to this one (point-in-time restore). */
  readonly upToIndex?: number;
  /** Check the links (`previous.sha256`, `startLsn`); needs every file's content checked. */
  readonly checkLinks: boolean;
  /** The instance id of the database about to extend the chain (incremental backup). */
  readonly databaseInstanceId?: string;
}

/** The verdict on a chain. */
export interface ChainEvaluation {
  /** Every file, in index order (files whose index is unknown last, by the index their name announces, then by name). */
  readonly files: readonly ChainFileFacts[];
  /** The files to apply, in index order (meaningful when there is no `problem`). */
  readonly selected: readonly ChainFileFacts[];
  /** The first problem in INCR-024's order; `undefined` for a sound chain. */
  readonly problem?: ChainProblem;
  /** For each file with a defect (by name), the first one in INCR-024's order. */
  readonly fileProblems: ReadonlyMap<string, ChainProblem>;
}

function orderKey(facts: ChainFileFacts): number {
  return facts.manifest?.index ?? facts.rawIndex ?? facts.nameIndex ?? Number.POSITIVE_INFINITY;
}

function reportOrder(a: ChainFileFacts, b: ChainFileFacts): number {
  return orderKey(a) - orderKey(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function fileProblem(facts: ChainFileFacts, code: ChainProblem['code'], text: string): ChainProblem {
  const index = facts.manifest?.index ?? facts.rawIndex;
  return {
    code,
    message: `The backup file '${facts.name}'${index === undefined ? '' : ` (index ${index})`} ${text}`,
    file: facts.name,
    ...(index === undefined ? {} : { index }),
  };
}

/** The version problem of a file, if any (INCR-020). */
function versionProblem(facts: ChainFileFacts): ChainProblem | undefined {
  if (facts.formatVersion !== MANIFEST_FORMAT_VERSION) {
    return fileProblem(facts, 'ERR_CHAIN_VERSION', `has manifest format version ${JSON.stringify(facts.formatVersion)}; this implementation reads ${MANIFEST_FORMAT_VERSION}`);
  }
  if (facts.databaseFormatVersion !== FORMAT_VERSION) {
    return fileProblem(facts, 'ERR_CHAIN_VERSION', `holds database format version ${JSON.stringify(facts.databaseFormatVersion)}; this implementation opens ${FORMAT_VERSION}`);
  }
  return undefined;
}

/**
 * Judges a chain. Every check runs, so that each file gets its own first defect (for the lines of
 * a verify report), and `problem` is the first defect of the first check, in INCR-024's order,
 * that found one:
 *
 * 1. a file that cannot be read (`unreadable`: `ERR_CHAIN_CORRUPT`, or `ERR_IO` /
 *    `ERR_ARCHIVE_LIMIT_EXCEEDED` when the disk or a limit is the reason);
 * 2. `ERR_CHAIN_VERSION`: a manifest `formatVersion` other than 1 or a `databaseFormatVersion`
 *    other than the engine's;
 * 3. `ERR_CHAIN_CORRUPT`: a malformed manifest or content (`malformed`);
 * 4. `ERR_INVALID_OPTIONS`: an `upToIndex` above the chain's highest index;
 * 5. `ERR_CHAIN_FOREIGN_DATABASE`: a file whose instance id differs from that of the chain's
 *    lowest-index file, or a chain of another instance than `databaseInstanceId`;
 * 6. `ERR_CHAIN_DUPLICATE_INDEX`: two files with one index (the message names the index);
 * 7. `ERR_CHAIN_GAP`: an index missing from 0 to the highest (or `upToIndex`); the message names it;
 * 8. `ERR_CHAIN_BROKEN_LINK` (with `checkLinks`): a file whose `previous.sha256` is not the hash of
 *    the file before it, whose `startLsn` is not that file's `lsn`, or whose `lsn` is lower.
 *
 * Files above `upToIndex` take part in checks 1 to 4 only (their manifest was read).
 */
export function evaluateChain(files: readonly ChainFileFacts[], options: EvaluateChainOptions): ChainEvaluation {
  const ordered = [...files].sort(reportOrder);
  const fileProblems = new Map<string, ChainProblem>();
  let overall: ChainProblem | undefined;
  const report = (facts: ChainFileFacts | undefined, found: ChainProblem): void => {
    if (facts !== undefined && !fileProblems.has(facts.name)) fileProblems.set(facts.name, found);
    overall ??= found;
  };

  // 1 to 3: each file on its own.
  for (const facts of ordered) if (facts.unreadable !== undefined) report(facts, facts.unreadable);
  for (const facts of ordered) {
    if (facts.unreadable !== undefined) continue;
    const found = versionProblem(facts);
    if (found !== undefined) report(facts, found);
  }
  for (const facts of ordered) if (facts.malformed !== undefined && !fileProblems.has(facts.name)) report(facts, facts.malformed);

  // 4: the range of a point-in-time restore.
  const withManifest = ordered.filter((facts) => facts.manifest !== undefined);
  const highest = withManifest.reduce((max, facts) => Math.max(max, facts.manifest!.index), -1);
  const { upToIndex } = options;
  if (upToIndex !== undefined && highest >= 0 && upToIndex > highest && fileProblems.size === 0) {
    report(undefined, { code: 'ERR_INVALID_OPTIONS', message: `upToIndex ${upToIndex} is above the chain's highest index ${highest}`, index: upToIndex });
  }
  const chain = withManifest.filter((facts) => upToIndex === undefined || facts.manifest!.index <= upToIndex);

  // 5: one database.
  const lowest = chain[0];
  if (lowest !== undefined) {
    for (const facts of chain) {
      if (facts.manifest!.instanceId !== lowest.manifest!.instanceId) {
        report(facts, fileProblem(facts, 'ERR_CHAIN_FOREIGN_DATABASE', `belongs to another database (instance ${facts.manifest!.instanceId}) than the chain's first file '${lowest.name}' (instance ${lowest.manifest!.instanceId})`));
      }
    }
    if (options.databaseInstanceId !== undefined && lowest.manifest!.instanceId !== options.databaseInstanceId) {
      report(lowest, fileProblem(lowest, 'ERR_CHAIN_FOREIGN_DATABASE', `belongs to another database (instance ${lowest.manifest!.instanceId}) than the one backed up (instance ${options.databaseInstanceId})`));
    }
  }

  // 6: one file per index.
  const byIndex = new Map<number, ChainFileFacts[]>();
  for (const facts of chain) {
    const list = byIndex.get(facts.manifest!.index) ?? [];
    list.push(facts);
    byIndex.set(facts.manifest!.index, list);
  }
  for (const [index, list] of [...byIndex.entries()].sort((a, b) => a[0] - b[0])) {
    if (list.length < 2) continue;
    const names = list.map((facts) => `'${facts.name}'`).join(', ');
    for (const facts of list) {
      report(facts, { code: 'ERR_CHAIN_DUPLICATE_INDEX', message: `Index ${index} is claimed by more than one backup file: ${names}`, file: facts.name, index });
    }
  }

  // 7: no missing index.
  const last = upToIndex ?? highest;
  for (let index = 0; index <= last; index++) {
    if (byIndex.has(index)) continue;
    let next = index + 1;
    while (next <= last && !byIndex.has(next)) next++;
    const after = byIndex.get(next)?.[0];
    const missing = next - 1 === index ? `Index ${index} is missing` : `Indexes ${index} to ${next - 1} are missing`;
    const found: ChainProblem = {
      code: 'ERR_CHAIN_GAP',
      message: `${missing} from the chain${after === undefined ? '' : ` (the next file is '${after.name}', index ${next})`}`,
      index,
      ...(after === undefined ? {} : { file: after.name }),
    };
    report(after, found);
    index = next - 1;
  }

  // 8: each file follows the one before it.
  if (options.checkLinks) {
    for (const facts of chain) {
      const manifest = facts.manifest!;
      if (manifest.index === 0) continue;
      const before = byIndex.get(manifest.index - 1);
      if (before === undefined || before.length !== 1) continue;
      const previous = before[0]!;
      const link = manifest.previous;
      let why: string | undefined;
      if (link === null) why = 'has no link to the file before it';
      else if (previous.sha256 !== undefined && link.sha256 !== previous.sha256) why = `does not follow '${previous.name}': its previous-file hash does not match that file's bytes`;
      else if (manifest.startLsn !== previous.manifest!.lsn) why = `does not follow '${previous.name}': it starts at LSN ${manifest.startLsn}, where that file ends at LSN ${previous.manifest!.lsn}`;
      else if (manifest.lsn < previous.manifest!.lsn) why = `ends at LSN ${manifest.lsn}, before '${previous.name}' (LSN ${previous.manifest!.lsn})`;
      if (why !== undefined) report(facts, fileProblem(facts, 'ERR_CHAIN_BROKEN_LINK', why));
    }
  }

  const selected = [...chain].sort((a, b) => a.manifest!.index - b.manifest!.index || reportOrder(a, b));
  return { files: ordered, selected, fileProblems, ...(overall === undefined ? {} : { problem: overall }) };
}
