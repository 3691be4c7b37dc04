/**
 * Archive and chain fuzzing: random mutations of valid full backups and of files of a valid
 * incremental chain. Restoring (into an open database) and verifying each must end within a time
 * limit, with a known error code (never ERR_INTERNAL, never an uncoded error) or with success;
 * verify must agree with the restore (valid exactly when it succeeds, with the code it rejects
 * with: VERIFY-003); a refused restore leaves the database as it was; a successful one gives
 * exactly the backed-up content (the manifest's SHA-256 guards every byte that matters).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { Database } from '../../../src/engine/index.js';
import { ERROR_CODES, isCodedError } from '../../../src/errors.js';
import { MemoryFileSystem } from '../../../src/fs/index.js';
import { verifyBackup } from '../../../src/verify/index.js';
import { FAST, within } from '../../faults/_support/databases.js';
import { describeMutations, mutate, mutations } from './byte-mutations.js';

const STEP_MS = 20_000;

/** Valid backups to mutate, on a MemoryFileSystem, and the dumps they restore to. */
export interface FuzzCorpus {
  readonly fs: MemoryFileSystem;
  /** Archives (level 0 and 9) and their common dump. */
  readonly archives: readonly { readonly path: string; readonly bytes: Buffer }[];
  readonly archiveDump: string;
  /** The chain's files (name and bytes, by index) and the dump the chain restores to up to each index. */
  readonly chain: readonly { readonly name: string; readonly bytes: Buffer }[];
  readonly chainDumps: readonly string[];
  /** The database restores go into. */
  readonly target: Database;
}

/** Builds the corpus: a small database, two archives of it, a chain of three files. */
export async function buildCorpus(): Promise<FuzzCorpus> {
  const fs = new MemoryFileSystem();
  await fs.mkdir('/corpus', { recursive: true });
  const source = await Database.create('plocal:/corpus/source', { ...FAST, fs });
  await source.createClass('Item');
  await source.createClass('Other');
  const rids: string[] = [];
  for (let i = 0; i < 12; i++) rids.push((await source.insert('Item', { n: i, text: `record ${i} `.repeat(i * 3) })).rid);
  await source.insert('Other', { other: true });
  const chainDumps: string[] = [];
  await source.incrementalBackup('/corpus/chain');
  chainDumps.push(await source.dump());
  await source.update(rids[0]!, { n: 0, changed: true });
  await source.delete(rids[1]!);
  await source.incrementalBackup('/corpus/chain');
  chainDumps.push(await source.dump());
  await source.createUser('reader1', 'secret', 'reader');
  await source.insert('Item', { n: 99 });
  await source.incrementalBackup('/corpus/chain');
  chainDumps.push(await source.dump());
  await source.backup('/corpus/level0.zip', { compressionLevel: 0, bufferSize: 4096 });
  await source.backup('/corpus/level9.zip', { compressionLevel: 9 });
  const archiveDump = await source.dump();
  await source.close();
  const chainNames = (await fs.readdir('/corpus/chain')).map((entry) => entry.name).filter((name) => name.endsWith('.ibu'));
  const target = await Database.create('plocal:/corpus/target', { ...FAST, fs });
  await target.createClass('Before');
  await target.insert('Before', { original: true });
  return {
    fs,
    archives: await Promise.all(['/corpus/level0.zip', '/corpus/level9.zip'].map(async (path) => ({ path, bytes: await fs.readFile(path) }))),
    archiveDump,
    chain: await Promise.all(chainNames.map(async (name) => ({ name, bytes: await fs.readFile(`/corpus/chain/${name}`) }))),
    chainDumps,
    target,
  };
}

async function replaceFile(fs: MemoryFileSystem, path: string, bytes: Buffer): Promise<void> {
  const handle = await fs.open(path, 'w');
  await handle.write(bytes, 0, bytes.length, 0);
  await handle.close();
}

/** Restores `input` into the corpus's target and verifies it; checks the oracle described in the module comment. */
async function restoreAndVerify(corpus: FuzzCorpus, input: string, restoredDumps: readonly string[], what: string): Promise<string | undefined> {
  const before = await corpus.target.dump();
  let code: string | undefined;
  try {
    await within(corpus.target.restore(input), STEP_MS, `${what}: restore`);
  } catch (error) {
    if (!isCodedError(error)) throw new Error(`${what}: the restore failed without a code: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    code = error.code;
  }
  if (code !== undefined) {
    expect(Object.keys(ERROR_CODES), what).toContain(code);
    expect(code, `${what}: an internal error`).not.toBe('ERR_INTERNAL');
    expect(await corpus.target.dump(), `${what}: a refused restore changed the database`).toBe(before);
  } else {
    expect(restoredDumps, `${what}: a restore that succeeded gave other content`).toContain(await corpus.target.dump());
  }
  const report = await within(verifyBackup(input, { fs: corpus.fs }), STEP_MS, `${what}: verify`);
  expect({ valid: report.valid, code: report.code }, `${what}: verify disagrees with the restore`).toEqual(code === undefined ? { valid: true, code: undefined } : { valid: false, code });
  return code;
}

/** Counts of what the mutated inputs led to (code or `restored`), across a run. */
export type Outcomes = Map<string, number>;

/** The property: a mutated archive restores exactly or is refused with a code, and verify agrees. */
export function archiveProperty(corpus: FuzzCorpus, outcomes: Outcomes): fc.IAsyncPropertyWithHooks<[number, import('./byte-mutations.js').Mutation[]]> {
  return fc.asyncProperty(fc.nat(), mutations(), async (pick, list) => {
    const archive = corpus.archives[pick % corpus.archives.length]!;
    await replaceFile(corpus.fs, '/corpus/mutated.zip', mutate(archive.bytes, list));
    const code = await restoreAndVerify(corpus, '/corpus/mutated.zip', [corpus.archiveDump], `${archive.path} mutated by ${describeMutations(list)}`);
    outcomes.set(code ?? 'restored', (outcomes.get(code ?? 'restored') ?? 0) + 1);
  });
}

/**
 * The property for chains: one file of the chain mutated, or renamed to another index, or left
 * out; the whole chain restores exactly (to the state before the newest file when that one is
 * left out) or is refused with a code, and verify agrees.
 */
export function chainProperty(corpus: FuzzCorpus, outcomes: Outcomes): fc.IAsyncPropertyWithHooks<[number, import('./byte-mutations.js').Mutation[], 'mutate' | 'rename' | 'drop', number]> {
  let run = 0;
  return fc.asyncProperty(fc.nat(), mutations(), fc.constantFrom('mutate' as const, 'mutate' as const, 'rename' as const, 'drop' as const), fc.nat({ max: 9 }), async (pick, list, how, index) => {
    const directory = `/corpus/mutated-chain-${run++}`;
    await corpus.fs.mkdir(directory);
    const victim = pick % corpus.chain.length;
    for (const [i, file] of corpus.chain.entries()) {
      if (i !== victim) await replaceFile(corpus.fs, `${directory}/${file.name}`, file.bytes);
      else if (how === 'mutate') await replaceFile(corpus.fs, `${directory}/${file.name}`, mutate(file.bytes, list));
      else if (how === 'rename') await replaceFile(corpus.fs, `${directory}/${file.name.replace(/_(\d+)(_full)?\.ibu$/, `_${index}$2.ibu`)}`, file.bytes);
    }
    const what = `chain file ${corpus.chain[victim]!.name} ${how === 'mutate' ? `mutated by ${describeMutations(list)}` : how === 'rename' ? `renamed to index ${index}` : 'left out'}`;
    try {
      // Leaving out the newest file leaves a valid, shorter chain.
      const last = corpus.chain.length - 1;
      const expected = how === 'drop' && victim === last ? [corpus.chainDumps[last - 1]!] : [corpus.chainDumps[last]!];
      const code = await restoreAndVerify(corpus, `${directory}/`, expected, what);
      outcomes.set(code ?? 'restored', (outcomes.get(code ?? 'restored') ?? 0) + 1);
    } finally {
      await corpus.fs.rm(directory, { recursive: true, force: true });
    }
  });
}
