/**
 * fast-check parameters for this area's properties. fast-check prints the seed and the path of a
 * failing run; `FC_SEED=<seed> [FC_PATH=<path>] npx vitest run test/archive-write` replays it.
 */
export function replayable(numRuns: number): { numRuns: number; seed?: number; path?: string; endOnFailure?: boolean } {
  const seed = process.env.FC_SEED;
  const path = process.env.FC_PATH;
  return {
    numRuns,
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
  };
}
