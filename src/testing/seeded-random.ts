/**
 * A small seeded random source for trials that must replay from their printed seed.
 *
 * @packageDocumentation
 */

/** A seeded random source: the same seed gives the same sequence. */
export interface SeededRandom {
  /** The seed it started from. */
  readonly seed: number;
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A new array with `count` distinct elements of `items` (all of them when `count` is larger), in random order. */
  sample<T>(items: readonly T[], count: number): T[];
}

/** A random source (mulberry32) starting from `seed` (an unsigned 32-bit integer). */
export function seededRandom(seed: number): SeededRandom {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seededRandom: the seed must be an integer from 0 to 2^32-1, got ${seed}`);
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('seededRandom.pick: the array is empty');
      return items[int(0, items.length - 1)]!;
    },
    sample: (items, count) => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = int(0, i);
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy.slice(0, Math.max(0, count));
    },
  };
}

/**
 * The seed named by the environment variable `name` (decimal), or a fresh one when it is unset.
 * Trials print the seed they use, so that `<name>=<seed>` replays them.
 */
export function seedFromEnvironment(name: string, environment: NodeJS.ProcessEnv = process.env): number {
  const text = environment[name];
  if (text === undefined || text === '') return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`${name} must be an integer from 0 to 4294967295, got ${JSON.stringify(text)}`);
  return seed;
}
