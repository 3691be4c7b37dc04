/**
 * Seeded randomness for scenarios: every choice derives from the scenario's seed (`ctx.seed`), so
 * that a failure replays from the seed the report prints.
 *
 * @packageDocumentation
 */

/** A generator of floats in [0, 1) from a 32-bit seed (mulberry32): small, fast and the same everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random choices from one seed; areas extend it with the data they generate. */
export class Random {
  private readonly source: () => number;

  constructor(seed: number) {
    this.source = seededRandom(seed);
  }

  /** A float in [0, 1). */
  next(): number {
    return this.source();
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** An integer in [min, max], log-uniformly distributed (small values as likely as large ones per decade). */
  logInt(min: number, max: number): number {
    const value = Math.floor(Math.exp(Math.log(min) + this.next() * (Math.log(max + 1) - Math.log(min))));
    return Math.min(max, Math.max(min, value));
  }
}
