/**
 * A small ZIP inspector for scenarios: it reads an archive's structure byte by byte (end of
 * central directory, central directory, local headers, data descriptors, as PKWARE's APPNOTE
 * describes them), decompresses every entry, and lists every way the archive departs from a plain,
 * standard, single-disk ZIP that any conforming reader accepts. yauzl (a conforming reader) then
 * reads the archive too, as a second opinion.
 *
 * Scenarios use it to look inside the archives an implementation writes (methods, sizes, CRC-32,
 * the comment, the manifest) without depending on that implementation. It holds whole archives in
 * memory: scenarios keep theirs small.
 *
 * @packageDocumentation
 */
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';

/** One entry of an inspected archive. */
export interface ZipEntryInspection {
  /** The entry name as stored (decoded as UTF-8). */
  readonly name: string;
  /** The compression method of the central directory: 0 STORED, 8 DEFLATE, anything else as found. */
  readonly method: number;
  /** The general purpose bit flag of the central directory. */
  readonly flags: number;
  /** The CRC-32 of the central directory. */
  readonly crc32: number;
  /** The compressed size of the central directory (ZIP64 resolved). */
  readonly compressedSize: number;
  /** The uncompressed size of the central directory (ZIP64 resolved). */
  readonly size: number;
  /** True for a directory entry (name ending in `/`). */
  readonly isDirectory: boolean;
  /** The uncompressed bytes, or undefined when they could not be decompressed. */
  readonly data: Buffer | undefined;
}

/** What {@link inspectZip} found. */
export interface ZipInspection {
  /** The archive comment, decoded as UTF-8 (or `undefined` when no end record was found). */
  readonly comment: string | undefined;
  /** Every entry of the central directory, in order. */
  readonly entries: readonly ZipEntryInspection[];
  /** The archive's size in bytes. */
  readonly size: number;
  /** Every departure from a standard ZIP found, one sentence each; empty for a clean archive. */
  readonly problems: readonly string[];
}

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const DESCRIPTOR = 0x08074b50;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;

interface RawEntry {
  name: string;
  rawName: Buffer;
  versionMadeBy: number;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  externalAttributes: number;
  localHeaderOffset: number;
  zip64: boolean;
}

function findEndRecord(bytes: Buffer): number {
  const earliest = Math.max(0, bytes.length - 22 - MAX16);
  for (let at = bytes.length - 22; at >= earliest; at--) {
    if (bytes.readUInt32LE(at) === EOCD && at + 22 + bytes.readUInt16LE(at + 20) === bytes.length) return at;
  }
  for (let at = bytes.length - 22; at >= earliest; at--) if (bytes.readUInt32LE(at) === EOCD) return at;
  return -1;
}

/** Reads the ZIP64 extended information extra field (id 1) of a central directory record. */
function applyZip64(extra: Buffer, entry: RawEntry, problems: string[]): void {
  for (let at = 0; at + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    const body = extra.subarray(at + 4, at + 4 + length);
    if (id === 0x0001) {
      entry.zip64 = true;
      let offset = 0;
      const next = (): number | undefined => {
        if (offset + 8 > body.length) return undefined;
        const value = Number(body.readBigUInt64LE(offset));
        offset += 8;
        return value;
      };
      if (entry.size === MAX32) entry.size = next() ?? entry.size;
      if (entry.compressedSize === MAX32) entry.compressedSize = next() ?? entry.compressedSize;
      if (entry.localHeaderOffset === MAX32) entry.localHeaderOffset = next() ?? entry.localHeaderOffset;
      if (entry.size < MAX32 && entry.compressedSize < MAX32 && entry.localHeaderOffset < MAX32) {
        problems.push(`${JSON.stringify(entry.name)} carries a ZIP64 extra field although no size or offset needs it`);
      }
    }
    at += 4 + length;
  }
}

function checkName(name: string, rawName: Buffer, problems: string[]): void {
  const quoted = JSON.stringify(name);
  if (name.length === 0) problems.push('an entry has an empty name');
  if (!Buffer.from(name, 'utf8').equals(rawName)) problems.push(`${quoted} is not valid UTF-8`);
  if (name.startsWith('/')) problems.push(`${quoted} is absolute`);
  if (/^[A-Za-z]:/.test(name)) problems.push(`${quoted} starts with a drive letter`);
  if (name.includes('\\')) problems.push(`${quoted} contains a backslash`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) problems.push(`${quoted} contains a control character`);
  if (name.split('/').some((segment) => segment === '..')) problems.push(`${quoted} contains a ".." segment`);
}

function isRegularOrDirectory(entry: RawEntry): boolean {
  if (entry.versionMadeBy >>> 8 !== 3) return true;
  const type = (entry.externalAttributes >>> 16) & 0o170000;
  return type === 0 || type === 0o100000 || (type === 0o040000 && entry.name.endsWith('/'));
}

function readCentralDirectory(bytes: Buffer, offset: number, size: number, count: number, problems: string[]): RawEntry[] {
  const entries: RawEntry[] = [];
  let at = offset;
  for (let index = 0; index < count; index++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL) {
      problems.push(`central directory record ${index} is missing at offset ${at}`);
      break;
    }
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const rawName = bytes.subarray(at + 46, at + 46 + nameLength);
    const entry: RawEntry = {
      name: rawName.toString('utf8'),
      rawName,
      versionMadeBy: bytes.readUInt16LE(at + 4),
      flags: bytes.readUInt16LE(at + 8),
      method: bytes.readUInt16LE(at + 10),
      crc32: bytes.readUInt32LE(at + 16),
      compressedSize: bytes.readUInt32LE(at + 20),
      size: bytes.readUInt32LE(at + 24),
      externalAttributes: bytes.readUInt32LE(at + 38),
      localHeaderOffset: bytes.readUInt32LE(at + 42),
      zip64: false,
    };
    if (bytes.readUInt16LE(at + 34) !== 0) problems.push(`${JSON.stringify(entry.name)} starts on another disk`);
    applyZip64(bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), entry, problems);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  if (at !== offset + size) problems.push(`the central directory is ${at - offset} bytes long, the end record says ${size}`);
  return entries;
}

function checkLocalHeader(bytes: Buffer, entry: RawEntry, problems: string[]): { dataStart: number; dataEnd: number } | undefined {
  const quoted = JSON.stringify(entry.name);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL) {
    problems.push(`${quoted}: no local file header at offset ${at}`);
    return undefined;
  }
  const flags = bytes.readUInt16LE(at + 6);
  const method = bytes.readUInt16LE(at + 8);
  const nameLength = bytes.readUInt16LE(at + 26);
  const extraLength = bytes.readUInt16LE(at + 28);
  const name = bytes.subarray(at + 30, at + 30 + nameLength);
  if (!name.equals(entry.rawName)) problems.push(`${quoted}: the local header names it ${JSON.stringify(name.toString('utf8'))}`);
  if (method !== entry.method) problems.push(`${quoted}: method ${method} in the local header, ${entry.method} in the central directory`);
  if ((flags & 0x0808) !== (entry.flags & 0x0808)) problems.push(`${quoted}: the local header's flags differ from the central directory's`);
  const dataStart = at + 30 + nameLength + extraLength;
  const dataEnd = dataStart + entry.compressedSize;
  if (dataEnd > bytes.length) {
    problems.push(`${quoted}: its data runs past the end of the archive`);
    return undefined;
  }
  const local = { crc32: bytes.readUInt32LE(at + 14), compressedSize: bytes.readUInt32LE(at + 18), size: bytes.readUInt32LE(at + 22) };
  if ((flags & 0x0008) === 0) {
    if (local.crc32 !== entry.crc32 || (local.compressedSize !== MAX32 && local.compressedSize !== entry.compressedSize) || (local.size !== MAX32 && local.size !== entry.size)) {
      problems.push(`${quoted}: the local header's CRC-32 or sizes differ from the central directory's`);
    }
    return { dataStart, dataEnd };
  }
  let descriptor = dataEnd;
  if (descriptor + 4 <= bytes.length && bytes.readUInt32LE(descriptor) === DESCRIPTOR) descriptor += 4;
  const wide = entry.zip64 || local.compressedSize === MAX32;
  const width = wide ? 8 : 4;
  if (descriptor + 4 + 2 * width > bytes.length) {
    problems.push(`${quoted}: its data descriptor runs past the end of the archive`);
    return { dataStart, dataEnd };
  }
  const read = (offset: number): number => (wide ? Number(bytes.readBigUInt64LE(offset)) : bytes.readUInt32LE(offset));
  const described = { crc32: bytes.readUInt32LE(descriptor), compressedSize: read(descriptor + 4), size: read(descriptor + 4 + width) };
  if (described.crc32 !== entry.crc32 || described.compressedSize !== entry.compressedSize || described.size !== entry.size) {
    problems.push(`${quoted}: the data descriptor's CRC-32 or sizes differ from the central directory's`);
  }
  return { dataStart, dataEnd: descriptor + 4 + 2 * width };
}

function decompress(bytes: Buffer, entry: RawEntry, dataStart: number, problems: string[]): Buffer | undefined {
  const quoted = JSON.stringify(entry.name);
  const stored = bytes.subarray(dataStart, dataStart + entry.compressedSize);
  let data: Buffer;
  if (entry.method === 0) {
    data = Buffer.from(stored);
  } else if (entry.method === 8) {
    try {
      data = inflateRawSync(stored);
    } catch (error) {
      problems.push(`${quoted}: its DEFLATE data is invalid (${(error as Error).message})`);
      return undefined;
    }
  } else {
    return undefined;
  }
  if (data.length !== entry.size) problems.push(`${quoted}: ${data.length} bytes of data, ${entry.size} declared`);
  if (crc32(data) !== entry.crc32) problems.push(`${quoted}: its data does not match its CRC-32`);
  return data;
}

/**
 * Reads `bytes` as a ZIP archive and lists what departs from a standard, single-disk archive that
 * every conforming reader accepts: the end record not at the very end, more than one disk, a
 * central directory that does not add up, a method other than STORED or DEFLATE, encryption, an
 * entry name that is empty, absolute, holds a drive letter, a backslash, a control character or a
 * `..` segment, or is not UTF-8, two names equal after case folding or NFC normalisation, an entry
 * that is not a regular file or directory, a local header or data descriptor that disagrees with
 * the central directory, data that does not inflate to its size and CRC-32, overlapping entries,
 * and ZIP64 records that nothing needs. Never throws for a malformed archive.
 */
export function inspectZip(bytes: Uint8Array): ZipInspection {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const problems: string[] = [];
  const end = buffer.length >= 22 ? findEndRecord(buffer) : -1;
  if (end < 0) return { comment: undefined, entries: [], size: buffer.length, problems: ['no end of central directory record'] };
  const commentLength = buffer.readUInt16LE(end + 20);
  const comment = buffer.subarray(end + 22, end + 22 + commentLength).toString('utf8');
  if (end + 22 + commentLength !== buffer.length) problems.push(`${buffer.length - end - 22 - commentLength} bytes follow the end of central directory record`);
  if (buffer.readUInt16LE(end + 4) !== 0 || buffer.readUInt16LE(end + 6) !== 0) problems.push('the archive spans several disks');
  let count = buffer.readUInt16LE(end + 10);
  if (buffer.readUInt16LE(end + 8) !== count) problems.push('the end record counts different entries on this disk and in total');
  let cdSize = buffer.readUInt32LE(end + 12);
  let cdOffset = buffer.readUInt32LE(end + 16);
  let cdEnd = end;
  const locator = end - 20;
  if (locator >= 0 && buffer.readUInt32LE(locator) === ZIP64_LOCATOR) {
    const record = Number(buffer.readBigUInt64LE(locator + 8));
    if (record + 56 <= locator && buffer.readUInt32LE(record) === ZIP64_EOCD) {
      if (count !== MAX16 && cdSize !== MAX32 && cdOffset !== MAX32) problems.push('the archive has ZIP64 end records although no count, size or offset needs them');
      count = Number(buffer.readBigUInt64LE(record + 32));
      cdSize = Number(buffer.readBigUInt64LE(record + 40));
      cdOffset = Number(buffer.readBigUInt64LE(record + 48));
      cdEnd = record;
    } else {
      problems.push('the ZIP64 end of central directory locator points nowhere');
    }
  }
  if (cdOffset + cdSize !== cdEnd) problems.push(`the central directory ends at ${cdOffset + cdSize}, not where the end records begin (${cdEnd})`);

  const raw = readCentralDirectory(buffer, cdOffset, cdSize, count, problems);
  const seen = new Map<string, string>();
  const ranges: { name: string; start: number; end: number }[] = [];
  const entries: ZipEntryInspection[] = raw.map((entry) => {
    const quoted = JSON.stringify(entry.name);
    checkName(entry.name, entry.rawName, problems);
    const folded = entry.name.normalize('NFC').toLowerCase();
    const earlier = seen.get(folded);
    if (earlier !== undefined) problems.push(`${quoted} duplicates ${JSON.stringify(earlier)}`);
    seen.set(folded, entry.name);
    if (entry.method !== 0 && entry.method !== 8) problems.push(`${quoted} uses compression method ${entry.method}`);
    if ((entry.flags & 0x0041) !== 0) problems.push(`${quoted} is encrypted`);
    if (!isRegularOrDirectory(entry)) problems.push(`${quoted} is not a regular file or directory (mode ${((entry.externalAttributes >>> 16) & 0o177777).toString(8)})`);
    const located = checkLocalHeader(buffer, entry, problems);
    if (located !== undefined) ranges.push({ name: entry.name, start: entry.localHeaderOffset, end: located.dataEnd });
    const data = located === undefined ? undefined : decompress(buffer, entry, located.dataStart, problems);
    return {
      name: entry.name,
      method: entry.method,
      flags: entry.flags,
      crc32: entry.crc32,
      compressedSize: entry.compressedSize,
      size: entry.size,
      isDirectory: entry.name.endsWith('/'),
      data,
    };
  });
  ranges.sort((a, b) => a.start - b.start);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]!.start < ranges[i - 1]!.end) problems.push(`${JSON.stringify(ranges[i]!.name)} overlaps ${JSON.stringify(ranges[i - 1]!.name)}`);
  }
  if (ranges.length > 0 && ranges.at(-1)!.end > cdOffset) problems.push('entry data runs into the central directory');
  return { comment, entries, size: buffer.length, problems };
}

/**
 * Reads every entry of `bytes` with yauzl (entry sizes validated, file names checked strictly)
 * and lists where it disagrees with `inspection` or refuses the archive. Empty when yauzl reads
 * exactly the entries and bytes the inspection found.
 */
export async function crossCheckWithYauzl(bytes: Uint8Array, inspection: ZipInspection): Promise<string[]> {
  const problems: string[] = [];
  let zipfile: yauzl.ZipFile;
  try {
    zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.fromBuffer(Buffer.from(bytes), { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
    );
  } catch (error) {
    return [`yauzl refuses the archive: ${(error as Error).message}`];
  }
  const read: { name: string; data: Buffer }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zipfile.on('error', reject);
      zipfile.on('end', () => resolve());
      zipfile.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          read.push({ name: entry.fileName, data: Buffer.alloc(0) });
          zipfile.readEntry();
          return;
        }
        zipfile.openReadStream(entry, (error, stream) => {
          if (error) return reject(error);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            read.push({ name: entry.fileName, data: Buffer.concat(chunks) });
            zipfile.readEntry();
          });
        });
      });
      zipfile.readEntry();
    });
  } catch (error) {
    problems.push(`yauzl fails reading the archive: ${(error as Error).message}`);
  } finally {
    zipfile.close();
  }
  if (read.map((entry) => entry.name).join('\n') !== inspection.entries.map((entry) => entry.name).join('\n')) {
    problems.push('yauzl lists other entries than the central directory');
  }
  for (const [index, entry] of read.entries()) {
    const inspected = inspection.entries[index];
    if (inspected?.data !== undefined && !inspected.isDirectory && !inspected.data.equals(entry.data)) problems.push(`yauzl reads other bytes for ${JSON.stringify(entry.name)}`);
  }
  return problems;
}
