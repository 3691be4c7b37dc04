/**
 * Random mutations of valid files (archives, chain files): bit flips, byte writes, truncation,
 * insertion, deletion, a region copied over another, and writes aimed at ZIP record signatures,
 * where the structure that a reader trusts lives.
 */
import fc from 'fast-check';

/** One change to a file's bytes; offsets are taken modulo the length at the time. */
export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'copy'; readonly from: number; readonly to: number; readonly length: number }
  | { readonly kind: 'record'; readonly which: number; readonly offset: number; readonly value: number };

/** The ZIP signatures ("PK" and two bytes): local header, central record, end records, data descriptor. */
const SIGNATURES = [0x04034b50, 0x02014b50, 0x06054b50, 0x06064b50, 0x07064b50, 0x08074b50];

/** The offsets at which a ZIP record starts. */
function recordOffsets(bytes: Buffer): number[] {
  const found: number[] = [];
  for (let at = 0; at + 4 <= bytes.length; at++) {
    if (bytes[at] === 0x50 && bytes[at + 1] === 0x4b && SIGNATURES.includes(bytes.readUInt32LE(at))) found.push(at);
  }
  return found;
}

/** An arbitrary list of one to `max` mutations. */
export function mutations(max = 4): fc.Arbitrary<Mutation[]> {
  const at = fc.nat();
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), at, value: fc.integer({ min: 0, max: 255 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 64 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('copy' as const), from: at, to: at, length: fc.integer({ min: 1, max: 64 }) }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('record' as const),
        which: fc.nat(),
        offset: fc.integer({ min: 4, max: 45 }),
        value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0xff, 0x7f, 0x80)),
      }),
    },
  );
  return fc.array(mutation, { minLength: 1, maxLength: max });
}

/** Applies `list` to a copy of `original`. */
export function mutate(original: Buffer, list: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(original);
  for (const change of list) {
    const length = bytes.length;
    if (length === 0) break;
    switch (change.kind) {
      case 'flip':
        bytes[change.at % length]! ^= 1 << change.bit;
        break;
      case 'set':
        bytes[change.at % length] = change.value;
        break;
      case 'truncate':
        bytes = bytes.subarray(0, change.at % length);
        break;
      case 'insert': {
        const at = change.at % (length + 1);
        bytes = Buffer.concat([bytes.subarray(0, at), change.bytes, bytes.subarray(at)]);
        break;
      }
      case 'delete': {
        const at = change.at % length;
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(Math.min(length, at + change.length))]);
        break;
      }
      case 'copy': {
        const from = change.from % length;
        const to = change.to % length;
        const size = Math.min(change.length, length - from, length - to);
        bytes = Buffer.from(bytes);
        bytes.copy(bytes, to, from, from + size);
        break;
      }
      case 'record': {
        const offsets = recordOffsets(bytes);
        if (offsets.length === 0) break;
        const at = offsets[change.which % offsets.length]! + change.offset;
        if (at < length) bytes[at] = change.value;
        break;
      }
    }
  }
  return bytes;
}

/** A short description of a mutation list, for failure messages. */
export function describeMutations(list: readonly Mutation[]): string {
  return list
    .map((change) => JSON.stringify(change, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value)))
    .join(', ');
}
