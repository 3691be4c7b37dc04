/**
 * Every requirement block of every area file follows the format of spec/README.md: the heading,
 * the field lines in order, normative text in the requirement's own level, ids unique, prefixed
 * by their area and increasing through each file, and each file ending with "## Notes on sources".
 * The parser is deliberately separate from the harness's (conformance/spec/), so that a mistake in
 * one is caught by the other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FEATURES } from '../../conformance/adapter.js';

const SPEC_DIR = fileURLToPath(new URL('../../spec/', import.meta.url));

/** Area file name (without .md) -> id prefix. */
const AREAS: Readonly<Record<string, string>> = {
  storage: 'STORAGE',
  backup: 'BACKUP',
  restore: 'RESTORE',
  verify: 'VERIFY',
  incremental: 'INCR',
  console: 'CONSOLE',
};
const OTHER_FILES = ['README.md', 'errors.md', 'adapter.md', 'protocol.md', 'manual-map.md'];
/** The files this test checks for dangling references (adapter.md and protocol.md have other owners). */
const CROSS_REFERENCED_FILES = ['README.md', 'errors.md', 'manual-map.md', ...Object.keys(AREAS).map((a) => `${a}.md`)];

const HEADING = /^### ([A-Z][A-Z0-9]*)-(\d{3}) (.+)$/;
const ANY_HEADING = /^#{1,3} /;
const LEVEL = /^- Level: (MUST|SHOULD|MAY)$/;
const SOURCE = /^- Source: (.+)$/;
const FEATURES_LINE = /^- Features: (.+)$/;
const CODES_LINE = /^- Codes: (.+)$/;
const ID_REFERENCE = /\b(?:STORAGE|BACKUP|RESTORE|VERIFY|INCR|CONSOLE)-\d{3}\b/g;

interface Block {
  readonly id: string;
  readonly prefix: string;
  readonly number: number;
  readonly line: number;
  readonly level?: string;
  readonly problems: string[];
}

interface ParsedFile {
  readonly blocks: Block[];
  readonly problems: string[];
}

/** Parses one area file into requirement blocks, collecting every format problem found. */
function parseAreaFile(text: string, expectedPrefix: string): ParsedFile {
  const lines = text.split('\n');
  const starts: number[] = [];
  const ends: number[] = [];
  const problems: string[] = [];
  let inFence = false;
  let open = false;
  lines.forEach((line, index) => {
    if (/^\s*```/.test(line)) inFence = !inFence;
    if (inFence || !ANY_HEADING.test(line)) return;
    if (open) {
      ends.push(index);
      open = false;
    }
    if (line.startsWith('### ')) {
      if (!HEADING.test(line)) problems.push(`line ${index + 1}: a level-3 heading that is not "### AREA-NNN title": ${line}`);
      else {
        starts.push(index);
        open = true;
      }
    }
  });
  if (open) ends.push(lines.length);

  const blocks = starts.map((start, i) => parseBlock(lines.slice(start, ends[i]), start + 1, expectedPrefix));

  const level2 = lines.filter((line) => /^## /.test(line));
  if (level2.at(-1) !== '## Notes on sources') problems.push('the last level-2 heading is not "## Notes on sources"');
  const notesAt = lines.lastIndexOf('## Notes on sources');
  if (notesAt !== -1 && lines.slice(notesAt + 1).join('').trim() === '') problems.push('"## Notes on sources" is empty');
  if (notesAt !== -1 && lines.slice(notesAt + 1).some((line) => line.startsWith('### '))) {
    problems.push('a requirement follows "## Notes on sources"');
  }
  return { blocks, problems };
}

/** Checks one block: heading, field lines in order, normative text, notes. */
function parseBlock(body: string[], lineNumber: number, expectedPrefix: string): Block {
  const match = HEADING.exec(body[0] ?? '');
  const prefix = match?.[1] ?? '';
  const number = Number(match?.[2] ?? 'NaN');
  const id = `${prefix}-${match?.[2] ?? '???'}`;
  const problems: string[] = [];
  const fail = (message: string): void => {
    problems.push(`${id} (line ${lineNumber}): ${message}`);
  };

  if (prefix !== expectedPrefix) fail(`prefix ${prefix} in a file of ${expectedPrefix}`);
  if ((match?.[3] ?? '').trim() !== match?.[3]) fail('title has leading or trailing spaces');
  if (body[1] !== '') fail('no blank line after the heading');

  let at = 2;
  const level = LEVEL.exec(body[at] ?? '')?.[1];
  if (level === undefined) fail(`expected "- Level: MUST|SHOULD|MAY", received "${body[at] ?? ''}"`);
  else at++;

  const source = SOURCE.exec(body[at] ?? '')?.[1];
  if (source === undefined) fail(`expected "- Source: ...", received "${body[at] ?? ''}"`);
  else {
    at++;
    if (!/^(?:manual: ".+"|OrientDB: \S.*|decision: \S.*)$/.test(source)) {
      fail(`source must be manual: "<quote>", OrientDB: <behaviour> or decision: <reason>; received "${source}"`);
    }
  }

  const features = FEATURES_LINE.exec(body[at] ?? '')?.[1];
  if (features !== undefined) {
    at++;
    const names = features.split(',').map((name) => name.trim());
    for (const name of names) {
      if (!(FEATURES as readonly string[]).includes(name)) fail(`unknown feature "${name}"`);
    }
    if (new Set(names).size !== names.length) fail('a feature is listed twice');
  }

  const codes = CODES_LINE.exec(body[at] ?? '')?.[1];
  if (codes !== undefined) {
    at++;
    const list = codes.split(',').map((code) => code.trim());
    for (const code of list) if (!/^ERR_[A-Z0-9_]+$/.test(code)) fail(`malformed code "${code}"`);
    if (new Set(list).size !== list.length) fail('a code is listed twice');
  }

  if (/^- [A-Z][a-z]+:/.test(body[at] ?? '')) fail(`field line out of order or unknown: "${body[at] ?? ''}"`);
  if (body[at] !== '') fail('no blank line after the field lines');

  const rest = body.slice(at);
  const notesIndex = rest.findIndex((line, i) => line.startsWith('Notes:') && rest[i - 1] === '');
  const text = (notesIndex === -1 ? rest : rest.slice(0, notesIndex)).join('\n').trim();
  if (text === '') fail('no normative text');
  if (level !== undefined && !new RegExp(`\\b${level}\\b`).test(text)) fail(`the normative text does not use its level, ${level}`);
  if (rest.some((line, i) => line.startsWith('Notes:') && i !== notesIndex)) fail('a second "Notes:" paragraph');
  if (notesIndex !== -1 && rest.slice(notesIndex).join('\n').replace(/^Notes:\s*/, '').trim() === '') fail('empty notes');

  return { id, prefix, number, line: lineNumber, ...(level === undefined ? {} : { level }), problems };
}

/** The ids listed under "## Withdrawn ids" in README.md: the first id of each line, so a line may explain itself. */
function withdrawnIds(readme: string): string[] {
  const ids: string[] = [];
  let inSection = false;
  for (const line of readme.split('\n')) {
    if (/^#{1,6} /.test(line)) {
      inSection = /^#{1,6} Withdrawn ids\s*$/.test(line);
      continue;
    }
    const first = inSection ? /\b[A-Z][A-Z0-9]*-\d{3}\b/.exec(line) : null;
    if (first !== null) ids.push(first[0]);
  }
  return ids;
}

function read(name: string): string {
  return readFileSync(join(SPEC_DIR, name), 'utf8');
}

const areaFiles = Object.entries(AREAS).map(([area, prefix]) => ({
  area,
  prefix,
  parsed: parseAreaFile(read(`${area}.md`), prefix),
}));
const allBlocks = areaFiles.flatMap((file) => file.parsed.blocks.map((block) => ({ ...block, area: file.area })));
const defined = new Set(allBlocks.map((block) => block.id));
const withdrawn = withdrawnIds(read('README.md'));

describe('spec/ requirement files', () => {
  it('has exactly the known files', () => {
    const names = readdirSync(SPEC_DIR).filter((name) => name.endsWith('.md'));
    const known = [...OTHER_FILES, ...Object.keys(AREAS).map((area) => `${area}.md`)];
    expect(names.filter((name) => !known.includes(name))).toEqual([]);
    for (const area of Object.keys(AREAS)) expect(names).toContain(`${area}.md`);
  });

  for (const { area, prefix, parsed } of areaFiles) {
    describe(`${area}.md`, () => {
      it('holds requirements', () => {
        expect(parsed.blocks.length).toBeGreaterThan(0);
      });

      it('has only well-formed requirement blocks and ends with "## Notes on sources"', () => {
        expect([...parsed.problems, ...parsed.blocks.flatMap((block) => block.problems)]).toEqual([]);
      });

      it(`numbers its ${prefix}- ids from 001, strictly increasing, with gaps only for withdrawn ids`, () => {
        const problems: string[] = [];
        let expected = 1;
        for (const block of parsed.blocks) {
          if (block.number <= expected - 1) problems.push(`${block.id} does not increase`);
          while (expected < block.number) {
            const skipped = `${prefix}-${String(expected).padStart(3, '0')}`;
            if (!withdrawn.includes(skipped)) problems.push(`${skipped} is missing and not withdrawn`);
            expected++;
          }
          expected = block.number + 1;
        }
        expect(problems).toEqual([]);
      });
    });
  }

  it('defines every id once across all files', () => {
    const seen = new Map<string, number>();
    for (const block of allBlocks) seen.set(block.id, (seen.get(block.id) ?? 0) + 1);
    expect([...seen].filter(([, count]) => count > 1).map(([id]) => id)).toEqual([]);
  });

  it('never defines a withdrawn id', () => {
    expect(withdrawn.filter((id) => defined.has(id))).toEqual([]);
  });

  it('has no requirement headings in the files that hold no requirements', () => {
    for (const name of OTHER_FILES) {
      let text: string;
      try {
        text = read(name);
      } catch {
        continue; // adapter.md and protocol.md are written by the harness; absence is its business
      }
      const outsideFences = text.replace(/^\s*```[\s\S]*?^\s*```/gm, '');
      expect(outsideFences.split('\n').filter((line) => HEADING.test(line)), name).toEqual([]);
    }
  });

  it('refers only to defined ids', () => {
    const dangling: string[] = [];
    for (const name of CROSS_REFERENCED_FILES) {
      for (const match of read(name).matchAll(ID_REFERENCE)) {
        if (!defined.has(match[0]) && !withdrawn.includes(match[0])) dangling.push(`${name}: ${match[0]}`);
      }
    }
    expect([...new Set(dangling)]).toEqual([]);
  });
});

describe('the format checker itself', () => {
  const good = [
    '# Area',
    '',
    '### BACKUP-001 A good one',
    '',
    '- Level: MUST',
    '- Source: decision: because',
    '- Features: verify',
    '- Codes: ERR_X',
    '',
    'It MUST work.',
    '',
    'Notes: fine.',
    '',
    '## Notes on sources',
    '',
    '- none',
  ].join('\n');

  it('accepts a well-formed file', () => {
    const parsed = parseAreaFile(good, 'BACKUP');
    expect(parsed.problems).toEqual([]);
    expect(parsed.blocks.map((block) => [block.id, block.level, block.problems])).toEqual([['BACKUP-001', 'MUST', []]]);
  });

  it.each([
    ['a missing level line', good.replace('- Level: MUST\n', ''), /expected "- Level/],
    ['an unknown level', good.replace('- Level: MUST', '- Level: MUSTN'), /expected "- Level/],
    ['a missing source line', good.replace('- Source: decision: because\n', ''), /expected "- Source/],
    ['a source of no known form', good.replace('decision: because', 'because I said so'), /source must be/],
    ['an unknown feature', good.replace('- Features: verify', '- Features: teleport'), /unknown feature/],
    ['fields out of order', good.replace('- Features: verify\n- Codes: ERR_X', '- Codes: ERR_X\n- Features: verify'), /out of order/],
    ['a malformed code', good.replace('ERR_X', 'err-x'), /malformed code/],
    ['text in another level', good.replace('It MUST work.', 'It SHOULD work.'), /does not use its level/],
    ['no normative text', good.replace('It MUST work.\n\n', ''), /no normative text/],
    ['a wrong prefix', good.replace('BACKUP-001', 'RESTORE-001'), /prefix RESTORE/],
    ['a malformed heading', good.replace('### BACKUP-001 A good one', '### BACKUP-1 A good one'), /not "### AREA-NNN title"/],
    ['no notes on sources', good.replace('## Notes on sources', '## Other'), /Notes on sources/],
  ])('rejects %s', (_what, text, expected) => {
    const parsed = parseAreaFile(text, 'BACKUP');
    const problems = [...parsed.problems, ...parsed.blocks.flatMap((block) => block.problems)];
    expect(problems.join('\n')).toMatch(expected);
  });

  it('reads withdrawn ids from their section only', () => {
    const readme = '# Spec\n\nSee BACKUP-001.\n\n## Withdrawn ids\n\n- BACKUP-002 (merged into BACKUP-003)\n- RESTORE-004\n\n## Later\n\nBACKUP-009\n';
    expect(withdrawnIds(readme)).toEqual(['BACKUP-002', 'RESTORE-004']);
  });
});
