/**
 * spec/errors.md and src/errors.ts stay in step: the table documents exactly the keys of
 * ERROR_CODES, every code a requirement asserts (its "- Codes:" line) exists, and the table's
 * "used by" column lists every requirement that asserts the code and names only defined ids.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';

const SPEC_DIR = fileURLToPath(new URL('../../spec/', import.meta.url));
const AREA_FILES = ['storage', 'backup', 'restore', 'verify', 'incremental', 'console'].map((area) => `${area}.md`);
const REQUIREMENT_ID = /\b(?:STORAGE|BACKUP|RESTORE|VERIFY|INCR|CONSOLE)-\d{3}\b/g;

interface TableRow {
  readonly code: string;
  readonly meaning: string;
  readonly usedBy: string;
  readonly line: number;
}

/** The rows of every `| code | meaning | used by |` table in errors.md. */
function parseErrorTable(text: string): TableRow[] {
  const rows: TableRow[] = [];
  text.split('\n').forEach((line, index) => {
    const match = /^\| `(ERR_[A-Z0-9_]+)` \| (.*?) \| (.*) \|$/.exec(line);
    if (match !== null) rows.push({ code: match[1] ?? '', meaning: match[2] ?? '', usedBy: match[3] ?? '', line: index + 1 });
  });
  return rows;
}

/** Requirement id -> the codes on its "- Codes:" line, for every area file. */
function codesByRequirement(): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const file of AREA_FILES) {
    let current: string | undefined;
    for (const line of readFileSync(join(SPEC_DIR, file), 'utf8').split('\n')) {
      const heading = /^### ([A-Z][A-Z0-9]*-\d{3}) /.exec(line);
      if (heading !== null) current = heading[1];
      else if (/^#{1,3} /.test(line)) current = undefined;
      const codes = /^- Codes: (.+)$/.exec(line);
      if (codes !== null && current !== undefined) {
        result.set(current, (codes[1] ?? '').split(',').map((code) => code.trim()));
      }
    }
  }
  return result;
}

function definedIds(): Set<string> {
  const ids = new Set<string>();
  for (const file of AREA_FILES) {
    for (const match of readFileSync(join(SPEC_DIR, file), 'utf8').matchAll(/^### ([A-Z][A-Z0-9]*-\d{3}) /gm)) {
      ids.add(match[1] ?? '');
    }
  }
  return ids;
}

const rows = parseErrorTable(readFileSync(join(SPEC_DIR, 'errors.md'), 'utf8'));
const known = Object.keys(ERROR_CODES);
const asserted = codesByRequirement();

describe('spec/errors.md', () => {
  it('has a table row for every code of ERROR_CODES and for no other code', () => {
    const documented = rows.map((row) => row.code);
    expect({
      missingFromErrorsMd: known.filter((code) => !documented.includes(code)),
      unknownInErrorsMd: documented.filter((code) => !known.includes(code)),
    }).toEqual({ missingFromErrorsMd: [], unknownInErrorsMd: [] });
  });

  it('documents each code once, with a meaning and a "used by" entry', () => {
    const seen = new Set<string>();
    const problems: string[] = [];
    for (const row of rows) {
      if (seen.has(row.code)) problems.push(`${row.code} twice (line ${row.line})`);
      seen.add(row.code);
      if (row.meaning.trim() === '') problems.push(`${row.code} has no meaning`);
      if (row.usedBy.trim() === '') problems.push(`${row.code} has no "used by"`);
    }
    expect(problems).toEqual([]);
  });

  it('knows every code a requirement asserts', () => {
    const unknown = [...asserted].flatMap(([id, codes]) =>
      codes.filter((code) => !known.includes(code)).map((code) => `${id}: ${code}`),
    );
    expect(unknown).toEqual([]);
  });

  it('lists, for each code, every requirement that asserts it', () => {
    const byCode = new Map(rows.map((row) => [row.code, new Set(row.usedBy.match(REQUIREMENT_ID) ?? [])]));
    const missing = [...asserted].flatMap(([id, codes]) =>
      codes.filter((code) => byCode.get(code)?.has(id) !== true).map((code) => `${code} does not list ${id}`),
    );
    expect(missing).toEqual([]);
  });

  it('names only defined requirements in "used by"', () => {
    const ids = definedIds();
    const dangling = rows.flatMap((row) => (row.usedBy.match(REQUIREMENT_ID) ?? []).filter((id) => !ids.has(id)).map((id) => `${row.code}: ${id}`));
    expect(dangling).toEqual([]);
  });
});

describe('the errors.md table parser', () => {
  it('reads code, meaning and used-by cells and ignores other lines', () => {
    const text = [
      '| code | meaning | used by |',
      '| --- | --- | --- |',
      '| `ERR_A` | Something \\| with a pipe. | `BACKUP-001`, `RESTORE-002` |',
      '| ERR_B | not code-formatted | nothing |',
      'prose mentioning `ERR_C`',
    ].join('\n');
    expect(parseErrorTable(text)).toEqual([
      { code: 'ERR_A', meaning: 'Something \\| with a pipe.', usedBy: '`BACKUP-001`, `RESTORE-002`', line: 3 },
    ]);
  });
});
