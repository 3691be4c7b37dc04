/**
 * spec/manual-map.md maps every sentence of the manual page that states a behaviour to at least one
 * requirement. Always checked: every row of the behaviour table names ids, every id named is
 * defined, rows are numbered 1..n, quotes are unique. When the manual page is at hand (the env var
 * MANUAL_PAGE, or ../shared/seeds/Console-Command-Backup.md beside the repository, the project's
 * workspace layout), also: every quote (and every `manual: "..."` source line) is in the page, and
 * every sentence of the page is covered by a row of one of the two tables.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SPEC_DIR = join(ROOT, 'spec');
const AREA_FILES = ['storage', 'backup', 'restore', 'verify', 'incremental', 'console'].map((area) => `${area}.md`);
const REQUIREMENT_ID = /\b(?:STORAGE|BACKUP|RESTORE|VERIFY|INCR|CONSOLE)-\d{3}\b/g;

const MANUAL_PATH = process.env['MANUAL_PAGE'] ?? resolve(ROOT, '..', 'shared', 'seeds', 'Console-Command-Backup.md');
const manual = existsSync(MANUAL_PATH) ? readFileSync(MANUAL_PATH, 'utf8') : undefined;
const NO_MANUAL = `the manual page is not at ${MANUAL_PATH} (set MANUAL_PAGE to its path)`;

interface MapRow {
  readonly table: 'behaviour' | 'none';
  readonly number: number;
  /** The whole sentence cell, context prefix included. */
  readonly cell: string;
  /** The quoted part of the cell, between its first and last double quote. */
  readonly quote: string;
  readonly last: string;
}

/** The rows of the two tables, told apart by the level-2 heading above each. */
function parseManualMap(text: string): MapRow[] {
  const rows: MapRow[] = [];
  let table: MapRow['table'] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) {
      table = /state a behaviour/.test(line) ? 'behaviour' : /state no behaviour/.test(line) ? 'none' : undefined;
      continue;
    }
    const match = /^\| (\d+) \| (.*) \| (.*) \|$/.exec(line);
    if (match === null || table === undefined) continue;
    const cell = match[2] ?? '';
    const first = cell.indexOf('"');
    const last = cell.lastIndexOf('"');
    rows.push({
      table,
      number: Number(match[1]),
      cell,
      quote: first !== -1 && last > first ? cell.slice(first + 1, last) : '',
      last: match[3] ?? '',
    });
  }
  return rows;
}

/**
 * Reduces Markdown to comparable text: the example's `<pre>`/`<code>` tags go, links become their
 * text, bold and code markers go, and runs of white space become one space.
 */
function normalize(text: string): string {
  return text
    .replace(/<\/?(?:pre|code)\b[^>]*>/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*/g, '')
    .replace(/`/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The page cut into the units a map row must cover: each line of a code block or of the example,
 * and each sentence of the prose (list markers, headings and quote markers dropped). Lines that are
 * only braces and semicolons are not units.
 */
function manualUnits(page: string): string[] {
  const units: string[] = [];
  let inFence = false;
  for (const raw of page.split(/\r?\n/)) {
    if (/^\s*```/.test(raw)) {
      inFence = !inFence;
      continue;
    }
    const line = inFence ? raw : raw.replace(/^\s*>\s?/, '').replace(/^#+\s+/, '').replace(/^\s*-\s+/, '');
    const pieces = inFence ? [normalize(line)] : normalize(line).split(/(?<=\.)\s+/);
    for (const piece of pieces) if (!/^[\s{}();]*$/.test(piece)) units.push(piece);
  }
  return units;
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

const rows = parseManualMap(readFileSync(join(SPEC_DIR, 'manual-map.md'), 'utf8'));
const behaviour = rows.filter((row) => row.table === 'behaviour');
const none = rows.filter((row) => row.table === 'none');

describe('spec/manual-map.md', () => {
  it('has both tables', () => {
    expect(behaviour.length).toBeGreaterThan(0);
    expect(none.length).toBeGreaterThan(0);
  });

  it('numbers the rows of each table 1..n', () => {
    expect(behaviour.map((row) => row.number)).toEqual(behaviour.map((_, i) => i + 1));
    expect(none.map((row) => row.number)).toEqual(none.map((_, i) => i + 1));
  });

  it('quotes a sentence in every row', () => {
    expect(rows.filter((row) => row.quote.trim() === '').map((row) => `${row.table} #${row.number}`)).toEqual([]);
  });

  it('has no quote twice', () => {
    const seen = new Map<string, number>();
    for (const row of rows) seen.set(row.cell, (seen.get(row.cell) ?? 0) + 1);
    expect([...seen].filter(([, count]) => count > 1).map(([cell]) => cell)).toEqual([]);
  });

  it('maps every behavioural sentence to at least one requirement', () => {
    expect(behaviour.filter((row) => (row.last.match(REQUIREMENT_ID) ?? []).length === 0).map((row) => row.number)).toEqual([]);
  });

  it('names only defined requirements', () => {
    const ids = definedIds();
    const dangling = behaviour.flatMap((row) => (row.last.match(REQUIREMENT_ID) ?? []).filter((id) => !ids.has(id)).map((id) => `#${row.number}: ${id}`));
    expect(dangling).toEqual([]);
  });

  it('gives a reason for every sentence that states no behaviour', () => {
    expect(none.filter((row) => row.last.trim().length < 5).map((row) => row.number)).toEqual([]);
  });

  describe(manual === undefined ? `against the manual page (skipped: ${NO_MANUAL})` : 'against the manual page', () => {
    it.skipIf(manual === undefined)('quotes only sentences of the page', () => {
      const page = normalize(manual ?? '');
      expect(rows.filter((row) => !page.includes(normalize(row.quote))).map((row) => row.cell)).toEqual([]);
    });

    it.skipIf(manual === undefined)('covers every sentence of the page', () => {
      const quotes = rows.map((row) => normalize(row.quote));
      const uncovered = manualUnits(manual ?? '').filter((unit) => !quotes.some((quote) => unit.includes(quote) || quote.includes(unit)));
      expect(uncovered).toEqual([]);
    });

    it.skipIf(manual === undefined)('has every "manual:" source line quote in the page', () => {
      const page = normalize(manual ?? '');
      const wrong: string[] = [];
      for (const file of AREA_FILES) {
        for (const match of readFileSync(join(SPEC_DIR, file), 'utf8').matchAll(/^- Source: manual: "(.*)"$/gm)) {
          if (!page.includes(normalize(match[1] ?? ''))) wrong.push(`${file}: ${match[1] ?? ''}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  });
});

describe('the manual-map helpers', () => {
  it('cut a page into sentences and code lines', () => {
    const page = [
      '# Title `X`',
      '',
      'One sentence. Two [linked](a.md) sentence.',
      '- **`opt`** Option text.  Default is `9`.',
      '```java',
      'call(a, b);',
      '}',
      '```',
      '> - [Link](b.md)',
    ].join('\n');
    expect(manualUnits(page)).toEqual(['Title X', 'One sentence.', 'Two linked sentence.', 'opt Option text.', 'Default is 9.', 'call(a, b);', 'Link']);
  });

  it('read the quote between the first and the last double quote of a cell', () => {
    const map = '## Sentences that state a behaviour\n\n| 1 | [ctx] "`f("x");`" | BACKUP-001 |\n\n## Sentences that state no behaviour\n\n| 1 | "Title" | a title |\n';
    expect(parseManualMap(map).map((row) => [row.table, row.quote, row.last])).toEqual([
      ['behaviour', '`f("x");`', 'BACKUP-001'],
      ['none', 'Title', 'a title'],
    ]);
  });
});
