/**
 * Judging a chain from the facts read about its files (`evaluateChain`): the order of the files,
 * the files selected, the first problem in INCR-024's order and each file's own first problem.
 * The facts are written here by hand, so that each test sets exactly the defect it is about.
 */
import { describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT, type IncrementalManifest } from '../../src/backup/manifest.js';
import { FORMAT_VERSION } from '../../src/engine/constants.js';
import type { ChainProblem } from '../../src/incremental/chain-problem.js';
import { type ChainEvaluation, type EvaluateChainOptions, evaluateChain } from '../../src/incremental/evaluate-chain.js';
import type { ChainFileFacts } from '../../src/incremental/inspect-chain-file.js';

/** A fake SHA-256 per file name. */
const hashOf = (name: string): string => Buffer.from(name).toString('hex').padEnd(64, '0').slice(0, 64);

/** The name of the file with index `index` in the chains below. */
const nameOf = (index: number): string => `f${index}.ibu`;

/** The manifest of file `index` of a sound chain (LSN 10 per file), linked to `nameOf(index - 1)`. */
function manifestOf(index: number, changes: Partial<IncrementalManifest> = {}): IncrementalManifest {
  return {
    format: MANIFEST_FORMAT,
    formatVersion: 1,
    kind: 'incremental',
    databaseName: 'db',
    databaseFormatVersion: FORMAT_VERSION,
    instanceId: 'A',
    lsn: 10 * (index + 1),
    createdAt: '2024-01-02T03:04:05.000Z',
    files: [],
    index,
    full: index === 0,
    startLsn: 10 * index,
    previous: index === 0 ? null : { name: nameOf(index - 1), sha256: hashOf(nameOf(index - 1)) },
    ...changes,
  };
}

/** The facts of file `index` of a sound chain, content checked; `name` defaults to `nameOf(index)`. */
function fileFacts(index: number, changes: Partial<ChainFileFacts> & { name?: string } = {}, manifest: Partial<IncrementalManifest> = {}): ChainFileFacts {
  const name = changes.name ?? nameOf(index);
  return {
    name,
    path: `/chain/${name}`,
    nameIndex: index,
    contentChecked: true,
    formatVersion: 1,
    databaseFormatVersion: FORMAT_VERSION,
    rawIndex: index,
    manifest: manifestOf(index, manifest),
    sha256: hashOf(name),
    ...changes,
  };
}

/** Facts of a file whose manifest could not be read. */
function unreadableFacts(name: string, nameIndex: number | undefined, code: ChainProblem['code'] = 'ERR_CHAIN_CORRUPT'): ChainFileFacts {
  return { name, path: `/chain/${name}`, nameIndex, contentChecked: true, unreadable: { code, message: `The backup file '${name}' is unreadable`, file: name } };
}

/** A malformed-file problem of `facts`. */
function malformed(name: string, index?: number): ChainProblem {
  return { code: 'ERR_CHAIN_CORRUPT', message: `The backup file '${name}' is malformed`, file: name, ...(index === undefined ? {} : { index }) };
}

/** Files 0 to `count - 1` of a sound chain. */
function soundChain(count: number): ChainFileFacts[] {
  return Array.from({ length: count }, (_, index) => fileFacts(index));
}

const LINKS: EvaluateChainOptions = { checkLinks: true };

const names = (files: readonly ChainFileFacts[]): string[] => files.map((facts) => facts.name);

/** Each file's problem code, by name. */
function codes(evaluation: ChainEvaluation): Record<string, string> {
  return Object.fromEntries([...evaluation.fileProblems].map(([name, problem]) => [name, problem.code]));
}

describe('evaluateChain: a sound chain', () => {
  it('orders the files by index and selects them all, with no problem', () => {
    const chain = soundChain(4);
    const evaluation = evaluateChain([chain[2]!, chain[0]!, chain[3]!, chain[1]!], LINKS);
    expect(names(evaluation.files)).toEqual(names(chain));
    expect(names(evaluation.selected)).toEqual(names(chain));
    expect(evaluation.fileProblems.size).toBe(0);
    expect('problem' in evaluation).toBe(false);
  });

  it('judges no files as no chain: nothing selected, no problem', () => {
    const evaluation = evaluateChain([], { checkLinks: true, databaseInstanceId: 'A' });
    expect(evaluation.files).toEqual([]);
    expect(evaluation.selected).toEqual([]);
    expect('problem' in evaluation).toBe(false);
  });

  it('orders by the manifest index, else the raw index, else the index in the name, else last by name', () => {
    const renamed = fileFacts(1, { nameIndex: 7, name: 'z.ibu' }); // key 1 (manifest)
    const newer = fileFacts(0, { formatVersion: 2, manifest: undefined, rawIndex: 0, nameIndex: 9, name: 'y.ibu' }); // key 0 (raw)
    const named = unreadableFacts('x_2.ibu', 2); // key 2 (name)
    const lost = [unreadableFacts('b.ibu', undefined), unreadableFacts('a.ibu', undefined)]; // last, by name
    const evaluation = evaluateChain([...lost, named, renamed, newer], LINKS);
    expect(names(evaluation.files)).toEqual(['y.ibu', 'z.ibu', 'x_2.ibu', 'a.ibu', 'b.ibu']);
  });

  it('orders files of one index by name, whatever the order given', () => {
    const files = ['d', 'c', 'b', 'a'].map((name) => fileFacts(1, { name: `${name}.ibu` }));
    expect(names(evaluateChain([fileFacts(0), ...files], LINKS).files)).toEqual([nameOf(0), 'a.ibu', 'b.ibu', 'c.ibu', 'd.ibu']);
    expect(names(evaluateChain([...files].reverse().concat(fileFacts(0)), LINKS).files)).toEqual([nameOf(0), 'a.ibu', 'b.ibu', 'c.ibu', 'd.ibu']);
  });

  it('accepts a file whose LSN did not move (no change since the previous file)', () => {
    const chain = [fileFacts(0), fileFacts(1, {}, { startLsn: 10, lsn: 10 })];
    expect(evaluateChain(chain, LINKS).problem).toBeUndefined();
  });

  it('skips the hash of the link when the previous file was not hashed', () => {
    const chain = [fileFacts(0, { sha256: undefined, contentChecked: false }), fileFacts(1)];
    expect(evaluateChain(chain, LINKS).problem).toBeUndefined();
  });
});

describe('evaluateChain: the order of the checks (INCR-024)', () => {
  it('reports an unreadable file before an earlier file of an unsupported version', () => {
    const evaluation = evaluateChain([fileFacts(0, { formatVersion: 2 }), unreadableFacts('x_1.ibu', 1, 'ERR_IO')], LINKS);
    expect(evaluation.problem?.code).toBe('ERR_IO');
    expect(evaluation.problem?.file).toBe('x_1.ibu');
    expect(codes(evaluation)).toEqual({ [nameOf(0)]: 'ERR_CHAIN_VERSION', 'x_1.ibu': 'ERR_IO' });
  });

  it('reports a version before an earlier malformed file, and one problem per file, its first', () => {
    const both = fileFacts(2, { databaseFormatVersion: 3, malformed: malformed(nameOf(2), 2) });
    const evaluation = evaluateChain([fileFacts(0), fileFacts(1, { malformed: malformed(nameOf(1), 1) }), both], LINKS);
    expect(evaluation.problem?.code).toBe('ERR_CHAIN_VERSION');
    expect(evaluation.problem?.file).toBe(nameOf(2));
    expect(codes(evaluation)).toEqual({ [nameOf(1)]: 'ERR_CHAIN_CORRUPT', [nameOf(2)]: 'ERR_CHAIN_VERSION' });
    expect(evaluation.fileProblems.get(nameOf(1))).toStrictEqual(malformed(nameOf(1), 1));
  });

  it('reports an unreadable file that is also malformed as unreadable', () => {
    const facts = { ...unreadableFacts('x.ibu', 0), malformed: malformed('x.ibu') };
    const evaluation = evaluateChain([facts], LINKS);
    expect(evaluation.problem).toBe(facts.unreadable);
    expect(evaluation.fileProblems.get('x.ibu')).toBe(facts.unreadable);
  });

  it('reports a malformed file before a foreign, a duplicated, a missing index or a broken link', () => {
    const chain = [
      fileFacts(0),
      fileFacts(1, {}, { instanceId: 'B' }),
      fileFacts(1, { name: 'dup.ibu' }),
      fileFacts(3, {}, { startLsn: 99 }),
      fileFacts(4, { malformed: malformed(nameOf(4), 4) }),
    ];
    const evaluation = evaluateChain(chain, LINKS);
    expect(evaluation.problem?.code).toBe('ERR_CHAIN_CORRUPT');
    expect(codes(evaluation)).toEqual({
      'dup.ibu': 'ERR_CHAIN_DUPLICATE_INDEX',
      [nameOf(1)]: 'ERR_CHAIN_FOREIGN_DATABASE',
      [nameOf(3)]: 'ERR_CHAIN_GAP',
      [nameOf(4)]: 'ERR_CHAIN_CORRUPT',
    });
  });

  it('reports a foreign file before a duplicated index, that before a gap, that before a broken link', () => {
    const base = (): ChainFileFacts[] => [fileFacts(0), fileFacts(1), fileFacts(2, { sha256: 'c'.repeat(64) }), fileFacts(4), fileFacts(5, {}, { startLsn: 1 })];
    expect(evaluateChain(base(), LINKS).problem?.code).toBe('ERR_CHAIN_GAP');
    expect(evaluateChain([...base(), fileFacts(2, { name: 'dup.ibu' })], LINKS).problem?.code).toBe('ERR_CHAIN_DUPLICATE_INDEX');
    expect(evaluateChain([...base(), fileFacts(6, {}, { instanceId: 'B' })], LINKS).problem?.code).toBe('ERR_CHAIN_FOREIGN_DATABASE');
    const linkOnly = evaluateChain([fileFacts(0), fileFacts(1), fileFacts(2, {}, { startLsn: 1 })], LINKS);
    expect(linkOnly.problem?.code).toBe('ERR_CHAIN_BROKEN_LINK');
  });
});

describe('evaluateChain: versions (INCR-020)', () => {
  it('refuses another manifest format version, naming the file and its index', () => {
    const facts = fileFacts(1, { formatVersion: 2, manifest: undefined });
    const evaluation = evaluateChain([fileFacts(0), facts], LINKS);
    expect(evaluation.problem).toStrictEqual({
      code: 'ERR_CHAIN_VERSION',
      message: `The backup file '${nameOf(1)}' (index 1) has manifest format version 2; this implementation reads 1`,
      file: nameOf(1),
      index: 1,
    });
  });

  it('refuses another database format version', () => {
    const evaluation = evaluateChain([fileFacts(0, { databaseFormatVersion: 'x' })], LINKS);
    expect(evaluation.problem).toStrictEqual({
      code: 'ERR_CHAIN_VERSION',
      message: `The backup file '${nameOf(0)}' (index 0) holds database format version "x"; this implementation opens ${FORMAT_VERSION}`,
      file: nameOf(0),
      index: 0,
    });
  });

  it('names no index when the manifest gave none', () => {
    const evaluation = evaluateChain([fileFacts(0, { formatVersion: undefined, rawIndex: undefined, manifest: undefined, name: 'odd.ibu' })], LINKS);
    expect(evaluation.problem).toStrictEqual({
      code: 'ERR_CHAIN_VERSION',
      message: "The backup file 'odd.ibu' has manifest format version undefined; this implementation reads 1",
      file: 'odd.ibu',
    });
  });
});

describe('evaluateChain: upToIndex (INCR-012)', () => {
  it('selects the files up to the index and judges the later ones only by their own reads', () => {
    const chain = [fileFacts(0), fileFacts(1), fileFacts(2, {}, { instanceId: 'B', startLsn: 0 }), fileFacts(3)];
    const evaluation = evaluateChain(chain, { checkLinks: true, upToIndex: 1 });
    expect(evaluation.problem).toBeUndefined();
    expect(names(evaluation.selected)).toEqual([nameOf(0), nameOf(1)]);
    expect(names(evaluation.files)).toEqual(names(chain));
    const damagedLater = evaluateChain([...chain.slice(0, 3), fileFacts(3, { malformed: malformed(nameOf(3), 3) })], { checkLinks: true, upToIndex: 1 });
    expect(damagedLater.problem?.code).toBe('ERR_CHAIN_CORRUPT');
  });

  it('accepts the highest index and refuses one above it with ERR_INVALID_OPTIONS, naming no file', () => {
    const highest = evaluateChain(soundChain(3), { checkLinks: true, upToIndex: 2 });
    expect(highest.problem).toBeUndefined();
    expect(names(highest.selected)).toEqual(names(soundChain(3)));
    const above = evaluateChain(soundChain(3), { checkLinks: true, upToIndex: 3 });
    expect(above.problem).toStrictEqual({ code: 'ERR_INVALID_OPTIONS', message: "upToIndex 3 is above the chain's highest index 2", index: 3 });
    expect(above.fileProblems.size).toBe(0);
    const single = evaluateChain(soundChain(1), { checkLinks: true, upToIndex: 1 });
    expect(single.problem?.code).toBe('ERR_INVALID_OPTIONS');
  });

  it('leaves a defective file first when upToIndex is also too high', () => {
    const evaluation = evaluateChain([fileFacts(0), fileFacts(1, { malformed: malformed(nameOf(1), 1) })], { checkLinks: true, upToIndex: 5 });
    expect(evaluation.problem?.code).toBe('ERR_CHAIN_CORRUPT');
  });

  it('with no readable manifest at all, reports index 0 missing rather than an upToIndex too high', () => {
    expect(evaluateChain([], { checkLinks: true, upToIndex: 0 }).problem).toStrictEqual({ code: 'ERR_CHAIN_GAP', message: 'Index 0 is missing from the chain', index: 0 });
  });
});

describe('evaluateChain: one database (INCR-016)', () => {
  it('refuses each file of another instance than the lowest-index file, naming it', () => {
    const chain = [fileFacts(0), fileFacts(1, {}, { instanceId: 'B' }), fileFacts(2), fileFacts(3, {}, { instanceId: 'C' })];
    const evaluation = evaluateChain(chain, LINKS);
    expect(evaluation.problem).toStrictEqual({
      code: 'ERR_CHAIN_FOREIGN_DATABASE',
      message: `The backup file '${nameOf(1)}' (index 1) belongs to another database (instance B) than the chain's first file '${nameOf(0)}' (instance A)`,
      file: nameOf(1),
      index: 1,
    });
    expect(codes(evaluation)).toEqual({ [nameOf(1)]: 'ERR_CHAIN_FOREIGN_DATABASE', [nameOf(3)]: 'ERR_CHAIN_FOREIGN_DATABASE' });
  });

  it('compares with the lowest-index file even when it is the odd one', () => {
    const chain = [fileFacts(0, {}, { instanceId: 'B' }), fileFacts(1), fileFacts(2)];
    expect(codes(evaluateChain(chain, LINKS))).toEqual({ [nameOf(1)]: 'ERR_CHAIN_FOREIGN_DATABASE', [nameOf(2)]: 'ERR_CHAIN_FOREIGN_DATABASE' });
  });

  it('refuses a chain of another instance than the database backed up, on its lowest-index file', () => {
    expect(evaluateChain(soundChain(2), { checkLinks: true, databaseInstanceId: 'A' }).problem).toBeUndefined();
    const evaluation = evaluateChain(soundChain(2), { checkLinks: true, databaseInstanceId: 'Z' });
    expect(evaluation.problem).toStrictEqual({
      code: 'ERR_CHAIN_FOREIGN_DATABASE',
      message: `The backup file '${nameOf(0)}' (index 0) belongs to another database (instance A) than the one backed up (instance Z)`,
      file: nameOf(0),
      index: 0,
    });
    expect(codes(evaluation)).toEqual({ [nameOf(0)]: 'ERR_CHAIN_FOREIGN_DATABASE' });
  });

  it('reports a foreign file of the chain before the chain being another database\'s', () => {
    const evaluation = evaluateChain([fileFacts(0), fileFacts(1, {}, { instanceId: 'B' })], { checkLinks: true, databaseInstanceId: 'Z' });
    expect(evaluation.problem?.file).toBe(nameOf(1));
    expect(codes(evaluation)).toEqual({ [nameOf(0)]: 'ERR_CHAIN_FOREIGN_DATABASE', [nameOf(1)]: 'ERR_CHAIN_FOREIGN_DATABASE' });
  });

  it('checks no instance when no file has a manifest', () => {
    const evaluation = evaluateChain([unreadableFacts('a.ibu', 0)], { checkLinks: true, databaseInstanceId: 'Z' });
    expect(evaluation.problem?.code).toBe('ERR_CHAIN_CORRUPT');
  });
});

describe('evaluateChain: one file per index (INCR-019)', () => {
  it('refuses every file of a duplicated index, naming the index and the files', () => {
    const chain = [fileFacts(0), fileFacts(1, { name: 'b.ibu' }), fileFacts(1, { name: 'a.ibu' }), fileFacts(2)];
    const evaluation = evaluateChain(chain, LINKS);
    const expected = (file: string): ChainProblem => ({
      code: 'ERR_CHAIN_DUPLICATE_INDEX',
      message: "Index 1 is claimed by more than one backup file: 'a.ibu', 'b.ibu'",
      file,
      index: 1,
    });
    expect(evaluation.problem).toStrictEqual(expected('a.ibu'));
    expect(evaluation.fileProblems.get('b.ibu')).toStrictEqual(expected('b.ibu'));
    expect(codes(evaluation)).toEqual({ 'a.ibu': 'ERR_CHAIN_DUPLICATE_INDEX', 'b.ibu': 'ERR_CHAIN_DUPLICATE_INDEX' });
    expect(names(evaluation.selected)).toEqual([nameOf(0), 'a.ibu', 'b.ibu', nameOf(2)]);
  });

  it('reports the lowest duplicated index first', () => {
    const chain = [fileFacts(0), fileFacts(1), fileFacts(1, { name: 'x1.ibu' }), fileFacts(2), fileFacts(2, { name: 'x2.ibu' }), fileFacts(0, { name: 'x0.ibu' })];
    const evaluation = evaluateChain(chain, LINKS);
    expect(evaluation.problem?.index).toBe(0);
    expect(Object.keys(codes(evaluation)).sort()).toEqual([nameOf(0), nameOf(1), nameOf(2), 'x0.ibu', 'x1.ibu', 'x2.ibu']);
  });

  it('checks no link across a duplicated index', () => {
    // File 2 follows 'b.ibu' (its hash); 'a.ibu' comes first by name but is not its predecessor.
    const chain = [fileFacts(0), fileFacts(1, { name: 'a.ibu' }), fileFacts(1, { name: 'b.ibu' }), fileFacts(2, {}, { previous: { name: 'b.ibu', sha256: hashOf('b.ibu') } })];
    expect(codes(evaluateChain(chain, LINKS))).toEqual({ 'a.ibu': 'ERR_CHAIN_DUPLICATE_INDEX', 'b.ibu': 'ERR_CHAIN_DUPLICATE_INDEX' });
  });
});

describe('evaluateChain: no missing index (INCR-015)', () => {
  it('names a missing index and puts the problem on the file after it', () => {
    const evaluation = evaluateChain([fileFacts(0), fileFacts(2)], LINKS);
    expect(evaluation.problem).toStrictEqual({
      code: 'ERR_CHAIN_GAP',
      message: `Index 1 is missing from the chain (the next file is '${nameOf(2)}', index 2)`,
      index: 1,
      file: nameOf(2),
    });
    expect(codes(evaluation)).toEqual({ [nameOf(2)]: 'ERR_CHAIN_GAP' });
  });

  it('names a run of missing indexes once, from its first', () => {
    const evaluation = evaluateChain([fileFacts(0), fileFacts(3)], LINKS);
    expect(evaluation.problem).toStrictEqual({
      code: 'ERR_CHAIN_GAP',
      message: `Indexes 1 to 2 are missing from the chain (the next file is '${nameOf(3)}', index 3)`,
      index: 1,
      file: nameOf(3),
    });
  });

  it('reports every gap, each on the file after it, and a missing index 0', () => {
    expect(codes(evaluateChain([fileFacts(0), fileFacts(2), fileFacts(4)], LINKS))).toEqual({ [nameOf(2)]: 'ERR_CHAIN_GAP', [nameOf(4)]: 'ERR_CHAIN_GAP' });
    expect(evaluateChain([fileFacts(1), fileFacts(2)], LINKS).problem).toMatchObject({ code: 'ERR_CHAIN_GAP', index: 0, file: nameOf(1) });
  });

  it('reports indexes missing up to upToIndex without a file after them', () => {
    const last = evaluateChain([fileFacts(0), fileFacts(1), fileFacts(3)], { checkLinks: true, upToIndex: 2 });
    expect(last.problem).toStrictEqual({ code: 'ERR_CHAIN_GAP', message: 'Index 2 is missing from the chain', index: 2 });
    expect(last.fileProblems.size).toBe(0);
    const run = evaluateChain([fileFacts(0), fileFacts(1), fileFacts(4), fileFacts(5)], { checkLinks: true, upToIndex: 3 });
    expect(run.problem).toStrictEqual({ code: 'ERR_CHAIN_GAP', message: 'Indexes 2 to 3 are missing from the chain', index: 2 });
  });
});

describe('evaluateChain: links (INCR-018)', () => {
  const broken = (facts: ChainFileFacts, why: string): ChainProblem => ({
    code: 'ERR_CHAIN_BROKEN_LINK',
    message: `The backup file '${facts.name}' (index ${facts.manifest!.index}) ${why}`,
    file: facts.name,
    index: facts.manifest!.index,
  });

  it('refuses a file whose previous-file hash is not that of the file before it', () => {
    const chain = [fileFacts(0), fileFacts(1, { sha256: 'd'.repeat(64) }), fileFacts(2)];
    const evaluation = evaluateChain(chain, LINKS);
    expect(evaluation.problem).toStrictEqual(broken(chain[2]!, `does not follow '${nameOf(1)}': its previous-file hash does not match that file's bytes`));
    expect(codes(evaluation)).toEqual({ [nameOf(2)]: 'ERR_CHAIN_BROKEN_LINK' });
  });

  it('refuses a file that does not start where the file before it ends', () => {
    const chain = [fileFacts(0), fileFacts(1, {}, { startLsn: 5 })];
    expect(evaluateChain(chain, LINKS).problem).toStrictEqual(broken(chain[1]!, `does not follow '${nameOf(0)}': it starts at LSN 5, where that file ends at LSN 10`));
  });

  it('refuses a file that ends before the file before it', () => {
    const chain = [fileFacts(0), fileFacts(1, {}, { startLsn: 10, lsn: 9 })];
    expect(evaluateChain(chain, LINKS).problem).toStrictEqual(broken(chain[1]!, `ends at LSN 9, before '${nameOf(0)}' (LSN 10)`));
  });

  it('refuses a later file without a link', () => {
    const chain = [fileFacts(0), fileFacts(1, {}, { previous: null })];
    expect(evaluateChain(chain, LINKS).problem).toStrictEqual(broken(chain[1]!, 'has no link to the file before it'));
  });

  it('checks no link without checkLinks, nor across a gap', () => {
    const chain = [fileFacts(0), fileFacts(1, { sha256: 'd'.repeat(64) }), fileFacts(2, {}, { startLsn: 3 })];
    expect(evaluateChain(chain, { checkLinks: false }).problem).toBeUndefined();
    expect(codes(evaluateChain([fileFacts(0), fileFacts(2, {}, { startLsn: 3 }), fileFacts(3, {}, { previous: null })], LINKS))).toEqual({
      [nameOf(2)]: 'ERR_CHAIN_GAP',
      [nameOf(3)]: 'ERR_CHAIN_BROKEN_LINK',
    });
  });
});
