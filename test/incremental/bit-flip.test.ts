/**
 * restic- and borg-style damage sweep (INCR-017, VERIFY-007): one bit flipped at a time at offsets
 * spread over each file of a small chain. A flip in a file that has a successor is always refused
 * (ERR_CHAIN_CORRUPT or ERR_CHAIN_BROKEN_LINK); a flip in the last file is refused or, when it
 * lies where the ZIP format does not look (a time field, the comment), restores the very same
 * database. Verify reports the code the restore refuses with, every time.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCodedError } from '../../src/errors.js';
import { verifyChain } from '../../src/incremental/verify-chain.js';
import { type TestChain, copyDirectory, makeChain, stagedDump, tempDir } from './_helpers.js';

const STRIDE = Number(process.env.FLIP_STRIDE ?? 29);

let root: string;
let cleanup: () => Promise<void>;
let chain: TestChain;

beforeAll(async () => {
  ({ path: root, cleanup } = await tempDir('bit-flip-'));
  chain = await makeChain(root, 2);
});
afterAll(async () => {
  await chain.db.close();
  await cleanup();
});

async function outcome(dir: string): Promise<string> {
  try {
    return (await stagedDump(root, dir)) === chain.dumps[1] ? 'same database' : 'another database';
  } catch (error) {
    return isCodedError(error) ? error.code : `uncoded: ${String(error)}`;
  }
}

describe('one flipped bit', () => {
  for (const index of [0, 1]) {
    it(`in file ${index} ${index === 0 ? '(it has a successor) is always refused' : '(the last) is refused or harmless'}, and verify agrees`, async () => {
      const name = chain.names[index]!;
      const original = await readFile(join(chain.dir, name));
      const dir = await copyDirectory(chain.dir, join(root, `flips-${index}`));
      const seen = new Map<string, number>();
      for (let offset = 0; offset < original.length; offset += STRIDE) {
        const bit = offset % 8;
        const bytes = Buffer.from(original);
        bytes[offset] = (bytes[offset] ?? 0) ^ (1 << bit);
        await writeFile(join(dir, name), bytes);
        const result = await outcome(dir);
        const where = `bit ${bit} of byte ${offset} of ${original.length}`;
        if (index === 0) expect(['ERR_CHAIN_CORRUPT', 'ERR_CHAIN_BROKEN_LINK'], where).toContain(result);
        else expect(['ERR_CHAIN_CORRUPT', 'same database'], where).toContain(result);
        const report = await verifyChain(dir);
        expect(report.code ?? 'same database', `verify, ${where}`).toBe(result);
        seen.set(result, (seen.get(result) ?? 0) + 1);
      }
      await rm(dir, { recursive: true, force: true });
      expect(seen.get('ERR_CHAIN_CORRUPT') ?? 0).toBeGreaterThan(0);
    }, 120_000);
  }
});
