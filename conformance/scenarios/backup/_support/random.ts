/**
 * Seeded randomness for the backup property scenarios: every choice derives from the scenario's
 * seed, so that a failure replays from the seed it prints.
 *
 * @packageDocumentation
 */
import type { JsonObject, JsonValue } from '../../../adapter.js';

/** A small, fast, seeded generator (mulberry32). */
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

  /** A string of `length` characters mixing ASCII, accents, CJK, emoji, quotes and control characters. */
  string(length: number): string {
    const pieces = ['a', 'b', 'z', ' ', '0', '9', '"', '\\', '\n', '\t', '\u0001', 'é', 'ß', '漢', '字', '🙂', '/', '{', '}', '%'];
    let out = '';
    while (out.length < length) out += this.chance(0.7) ? String.fromCharCode(this.int(97, 122)) : this.pick(pieces);
    return out;
  }

  /** A random JSON value of at most `depth` levels of nesting. */
  json(depth: number): JsonValue {
    const kind = this.int(0, depth > 0 ? 7 : 5);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.int(-1_000_000, 1_000_000);
      case 3:
        return this.pick([0.5, -1.25, 1e21, 3.141592653589793, 2 ** 53 - 1, -0.000001]);
      case 4:
      case 5:
        return this.string(this.int(0, 40));
      case 6:
        return Array.from({ length: this.int(0, 5) }, () => this.json(depth - 1));
      default:
        return this.object(depth - 1, this.int(0, 5));
    }
  }

  /** A random JSON object with `keys` members. */
  object(depth: number, keys: number): JsonObject {
    const object: JsonObject = {};
    for (let i = 0; i < keys; i++) object[`${this.string(this.int(1, 8))}${i}`] = this.json(depth);
    return object;
  }
}
