/**
 * A small seeded random generator for property scenarios: every choice derives from the
 * scenario's seed, so a failure replays with the same seed.
 *
 * @packageDocumentation
 */
import type { JsonObject, JsonValue } from '../../adapter.js';

/** Random choices from one seed (mulberry32). */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A short string with some non-ASCII characters. */
  string(maxLength = 24): string {
    const alphabet = 'abcxyzABC 019_-éü✓日本\u00a0"\\\n';
    let text = '';
    for (let i = this.int(0, maxLength); i > 0; i--) text += this.pick([...alphabet]);
    return text;
  }

  /** A JSON value of bounded depth. */
  value(depth = 2): JsonValue {
    switch (this.int(0, depth > 0 ? 6 : 4)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1.5, 2 ** 31, -(2 ** 40), 1e-7, this.int(-1000, 1000)]);
      case 3:
      case 4:
        return this.string();
      case 5:
        return Array.from({ length: this.int(0, 3) }, () => this.value(depth - 1));
      default:
        return this.document(depth - 1);
    }
  }

  /** A JSON object of bounded depth; sometimes a large one. */
  document(depth = 2): JsonObject {
    const document: JsonObject = {};
    for (let i = this.int(0, 4); i > 0; i--) document[this.string(8)] = this.value(depth);
    if (depth === 2 && this.chance(0.05)) document.large = 'L'.repeat(this.int(5_000, 20_000));
    return document;
  }
}
