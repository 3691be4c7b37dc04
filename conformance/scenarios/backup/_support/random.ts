/**
 * The backup property scenarios' random data (conformance/support/random.ts underneath): every
 * choice derives from the scenario's seed, so that a failure replays from the seed it prints.
 *
 * @packageDocumentation
 */
import type { JsonObject, JsonValue } from '../../../adapter.js';
import { Random as BaseRandom } from '../../../support/random.js';

/** The backup area's random data: strings and JSON documents of every kind, from one seed. */
export class Random extends BaseRandom {
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
