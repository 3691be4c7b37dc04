import yauzl from 'yauzl';
import { archiveError, toArchiveError } from './archive-error.js';
import { type ByteSource } from './byte-source.js';
import {
  type CentralEntry,
  FLAG_DATA_DESCRIPTOR,
  FLAG_ENCRYPTED,
  FLAG_MASKED_HEADERS,
  FLAG_STRONG_ENCRYPTION,
  FLAG_UTF8,
  ZIP64_EXTRA_ID,
} from './central-directory.js';
import type { EndRecord } from './end-record.js';

/** Fixed part of a local file header (APPNOTE 4.3.7). */
const LOCAL_HEADER_SIZE = 30;
/** Optional signature of a data descriptor (APPNOTE 4.3.9.3). */
const DESCRIPTOR_SIGNATURE = 0x08074b50;
/** Flag bits that must be equal in both headers: they change how the entry is read or named. */
const COMPARED_FLAGS = FLAG_ENCRYPTED | FLAG_DATA_DESCRIPTOR | FLAG_STRONG_ENCRYPTION | FLAG_UTF8 | FLAG_MASKED_HEADERS;

/** Where an entry's bytes lie, once its local header agreed with the central directory. */
export interface EntryLayout {
  /** Offset of the first byte of the (compressed) data. */
  readonly dataOffset: number;
  /** Offset just past the data and its data descriptor, if any. */
  readonly end: number;
}

function readLocalHeader(zipfile: yauzl.ZipFile, entry: yauzl.Entry): Promise<yauzl.LocalFileHeader> {
  return new Promise((resolve, reject) => {
    zipfile.readLocalFileHeader(entry, { minimal: false }, (error, header) => (error ? reject(error) : resolve(header)));
  });
}

interface Span {
  readonly entry: CentralEntry;
  readonly header: yauzl.LocalFileHeader;
  readonly start: number;
  readonly dataEnd: number;
}

/**
 * Reads every local header (through yauzl) and checks the archive's layout before any data
 * is read: each entry's [local header, data end) range must stay clear of every other entry and
 * of the central directory (Fifield's overlapping-entry bombs, two records sharing one local
 * header); each local header must agree with its central record on name, method, flags and,
 * when they are not deferred to a data descriptor, CRC-32 and sizes; a data descriptor must
 * agree too and fit before the next entry. Returns the layouts in central directory order.
 */
export async function checkLocalHeaders(
  zipfile: yauzl.ZipFile,
  source: ByteSource,
  entries: readonly CentralEntry[],
  end: EndRecord,
): Promise<EntryLayout[]> {
  const archive = source.label;
  const ordered = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  const spans: Span[] = [];
  for (const entry of ordered) {
    const context = { archive, entry: entry.name, offset: entry.localHeaderOffset };
    if (entry.localHeaderOffset + LOCAL_HEADER_SIZE > end.centralDirectoryOffset) {
      throw archiveError('ERR_ARCHIVE_OVERLAPPING_ENTRIES', `the local header at ${entry.localHeaderOffset} overlaps the central directory at ${end.centralDirectoryOffset}`, context);
    }
    let header: yauzl.LocalFileHeader;
    try {
      header = await readLocalHeader(zipfile, entry.yauzlEntry);
    } catch (error) {
      throw toArchiveError(error, context);
    }
    spans.push({ entry, header, start: entry.localHeaderOffset, dataEnd: header.fileDataStart + entry.compressedSize });
  }

  for (let i = 0; i < spans.length; i += 1) {
    const span = spans[i]!;
    const next = spans[i + 1];
    const limit = next?.start ?? end.centralDirectoryOffset;
    if (span.dataEnd > limit) {
      const what = next === undefined ? 'the central directory' : `entry ${JSON.stringify(next.entry.name)} at ${next.start}`;
      throw archiveError('ERR_ARCHIVE_OVERLAPPING_ENTRIES', `the entry's bytes ${span.start}..${span.dataEnd} overlap ${what}`, {
        archive,
        entry: span.entry.name,
        offset: span.start,
      }, { other: next?.entry.name ?? null });
    }
  }

  const layouts = new Map<CentralEntry, EntryLayout>();
  for (let i = 0; i < spans.length; i += 1) {
    const span = spans[i]!;
    const limit = spans[i + 1]?.start ?? end.centralDirectoryOffset;
    compareHeaders(span, archive);
    const descriptorEnd = (span.entry.flags & FLAG_DATA_DESCRIPTOR) !== 0 ? await checkDataDescriptor(span, source, limit) : span.dataEnd;
    layouts.set(span.entry, { dataOffset: span.header.fileDataStart, end: descriptorEnd });
  }
  return entries.map((entry) => layouts.get(entry)!);
}

/** The local header's sizes, taken from its ZIP64 extra field where they are 0xFFFFFFFF. */
function localSizes(span: Span, context: { archive: string; entry: string; offset: number }): { compressed: number; uncompressed: number; zip64: boolean } {
  const { header } = span;
  let extraFields: yauzl.ExtraField[];
  try {
    extraFields = yauzl.parseExtraFields(header.extraField);
  } catch (error) {
    throw toArchiveError(error, context);
  }
  const zip64 = extraFields.find((field) => field.id === ZIP64_EXTRA_ID);
  let { compressedSize: compressed, uncompressedSize: uncompressed } = header;
  if (uncompressed === 0xffffffff || compressed === 0xffffffff) {
    if (zip64 === undefined) {
      throw archiveError('ERR_ARCHIVE_ZIP64_INVALID', 'a local header size is 0xFFFFFFFF but the header has no ZIP64 extended information field', context);
    }
    const data = zip64.data;
    // APPNOTE 4.5.3: in a local header the field holds both sizes; be lenient about writers
    // that store only the one that overflowed.
    const both = data.length >= 16;
    let index = 0;
    const take = (what: string) => {
      if (index + 8 > data.length) throw archiveError('ERR_ARCHIVE_ZIP64_INVALID', `the local ZIP64 extra field lacks the ${what}`, context);
      const value = data.readBigUInt64LE(index);
      index += 8;
      return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
    };
    if (both) {
      uncompressed = take('uncompressed size');
      compressed = take('compressed size');
    } else {
      if (uncompressed === 0xffffffff) uncompressed = take('uncompressed size');
      if (compressed === 0xffffffff) compressed = take('compressed size');
    }
  }
  return { compressed, uncompressed, zip64: zip64 !== undefined };
}

function show(value: unknown): string {
  return typeof value === 'number' ? `${value} = 0x${value.toString(16)}` : String(value);
}

function compareHeaders(span: Span, archive: string): void {
  const { entry, header } = span;
  const context = { archive, entry: entry.name, offset: entry.localHeaderOffset };
  const mismatch = (field: string, local: unknown, central: unknown) =>
    archiveError('ERR_ARCHIVE_HEADER_MISMATCH', `the local header's ${field} (${show(local)}) differs from the central directory's (${show(central)})`, context, {
      field,
      local: typeof local === 'number' ? local : String(local),
      central: typeof central === 'number' ? central : String(central),
    });
  if (!header.fileName.equals(entry.yauzlEntry.fileNameRaw)) throw mismatch('name', header.fileName.toString('latin1'), entry.yauzlEntry.fileNameRaw.toString('latin1'));
  let localName: string;
  try {
    localName = yauzl.getFileNameLowLevel(header.generalPurposeBitFlag, header.fileName, yauzl.parseExtraFields(header.extraField), true);
  } catch (error) {
    throw toArchiveError(error, context);
  }
  if (localName !== entry.name) throw mismatch('decoded name', localName, entry.name);
  if (header.compressionMethod !== entry.method) throw mismatch('compression method', header.compressionMethod, entry.method);
  if ((header.generalPurposeBitFlag & COMPARED_FLAGS) !== (entry.flags & COMPARED_FLAGS)) {
    throw mismatch('general purpose flags', `0x${header.generalPurposeBitFlag.toString(16)}`, `0x${entry.flags.toString(16)}`);
  }
  const sizes = localSizes(span, context);
  const deferred = (entry.flags & FLAG_DATA_DESCRIPTOR) !== 0;
  // With a data descriptor the local fields may be zero (APPNOTE 4.4.4 bit 3) or already right.
  const agrees = (local: number, central: number) => local === central || (deferred && local === 0);
  if (!agrees(header.crc32, entry.crc32)) throw mismatch('CRC-32', header.crc32, entry.crc32);
  if (!agrees(sizes.compressed, entry.compressedSize)) throw mismatch('compressed size', sizes.compressed, entry.compressedSize);
  if (!agrees(sizes.uncompressed, entry.uncompressedSize)) throw mismatch('uncompressed size', sizes.uncompressed, entry.uncompressedSize);
}

/**
 * Checks the data descriptor that follows the data when bit 3 is set: with or without its
 * signature, with 4- or 8-byte sizes (ZIP64), it must repeat the central CRC-32 and sizes and
 * end before `limit` (the next entry or the central directory). Returns where it ends.
 */
async function checkDataDescriptor(span: Span, source: ByteSource, limit: number): Promise<number> {
  const { entry } = span;
  const available = await source.read(span.dataEnd, Math.min(24, limit - span.dataEnd));
  const fits = (length: number) => length <= available.length;
  const forms = [
    { signature: true, wide: false, length: 16 },
    { signature: true, wide: true, length: 24 },
    { signature: false, wide: false, length: 12 },
    { signature: false, wide: true, length: 20 },
  ];
  for (const form of forms) {
    if (!fits(form.length)) continue;
    let at = 0;
    if (form.signature) {
      if (available.readUInt32LE(0) !== DESCRIPTOR_SIGNATURE) continue;
      at = 4;
    }
    const crc = available.readUInt32LE(at);
    const compressed = form.wide ? Number(available.readBigUInt64LE(at + 4)) : available.readUInt32LE(at + 4);
    const uncompressed = form.wide ? Number(available.readBigUInt64LE(at + 12)) : available.readUInt32LE(at + 8);
    if (crc === entry.crc32 && compressed === entry.compressedSize && uncompressed === entry.uncompressedSize) return span.dataEnd + form.length;
  }
  throw archiveError('ERR_ARCHIVE_HEADER_MISMATCH', 'the data descriptor is missing or disagrees with the central directory', {
    archive: source.label,
    entry: entry.name,
    offset: span.dataEnd,
  }, { field: 'data descriptor' });
}
