/**
 * The restore property scenarios' random data (conformance/support/random.ts underneath): every
 * choice derives from the scenario's seed, so a failure replays with the same seed.
 *
 * @packageDocumentation
 */
import type { JsonObject, JsonValue } from '../../adapter.js';
import { Random as BaseRandom } from '../../support/random.js';

/** The restore area's random data: short strings and JSON documents, from one seed. */
export class Random extends BaseRandom {
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
