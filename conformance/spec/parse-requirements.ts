/**
 * Parses one requirement file (`spec/<area>.md`) into {@link Requirement}s, following the format
 * of `spec/README.md`: a `### AREA-NNN title` heading, the field lines `- Level:`, `- Source:`,
 * optional `- Features:` and `- Codes:`, then normative text and optional `Notes:`. A block ends at
 * the next level-1, -2 or -3 heading.
 *
 * @packageDocumentation
 */
import { FEATURES, type Feature } from '../adapter.js';
import { AREA_PREFIXES, REQUIREMENT_LEVELS, type Requirement, type RequirementLevel, type SpecProblem } from './requirement.js';

const HEADING = /^### ([A-Z][A-Z0-9]*)-(\d{3}) (.+)$/;
/** A heading that is meant to be a requirement (starts like an id) even when malformed. */
const ID_LIKE_HEADING = /^###\s+[A-Z][A-Z0-9]*-\d/;
const ANY_HEADING = /^#{1,3}\s/;
const FENCE = /^\s*(```|~~~)/;
const FIELD = /^- ([A-Z][A-Za-z]*): ?(.*)$/;
const CONTINUATION = /^\s{2,}\S/;
const CODE = /^ERR_[A-Z0-9_]+$/;
const KNOWN_FIELDS = ['Level', 'Source', 'Features', 'Codes'] as const;
type FieldName = (typeof KNOWN_FIELDS)[number];

/** The result of parsing one file: its well-formed requirements and the problems found. */
export interface ParsedRequirementFile {
  readonly requirements: Requirement[];
  readonly problems: SpecProblem[];
}

/** Where a text comes from. */
export interface RequirementFileOrigin {
  /** The file name to put in requirements and problems. */
  readonly file: string;
  /** The area (the file name without `.md`). */
  readonly area: string;
}

interface Block {
  readonly prefix: string;
  readonly id: string;
  readonly title: string;
  readonly line: number;
  readonly body: string[];
}

/**
 * Parses the text of a requirement file. Malformed blocks are reported in `problems` and left
 * out of `requirements`; headings inside fenced code blocks are ignored.
 */
export function parseRequirementFile(text: string, origin: RequirementFileOrigin): ParsedRequirementFile {
  const requirements: Requirement[] = [];
  const problems: SpecProblem[] = [];
  const problem = (line: number, message: string, id?: string): void => {
    problems.push(id === undefined ? { file: origin.file, line, message } : { file: origin.file, line, id, message });
  };

  const blocks: Block[] = [];
  let current: Block | undefined;
  let inFence = false;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (FENCE.test(line)) inFence = !inFence;
    if (!inFence && ANY_HEADING.test(line)) {
      current = undefined;
      const match = HEADING.exec(line);
      if (match !== null) {
        const [, prefix = '', digits = '', title = ''] = match;
        current = { prefix, id: `${prefix}-${digits}`, title: title.trim(), line: lineNumber, body: [] };
        blocks.push(current);
      } else if (ID_LIKE_HEADING.test(line)) {
        problem(lineNumber, `expected "### AREA-NNN title" (three digits, one space, a title), received "${line}"`);
      }
      return;
    }
    current?.body.push(line);
  });

  const expectedPrefix = AREA_PREFIXES[origin.area] ?? blocks[0]?.prefix;
  for (const block of blocks) {
    if (block.prefix !== expectedPrefix) {
      problem(block.line, `expected prefix ${expectedPrefix ?? '?'} in ${origin.area}.md, received ${block.id}`, block.id);
      continue;
    }
    const parsed = parseBlock(block, origin);
    if ('problem' in parsed) problem(parsed.line, parsed.problem, block.id);
    else requirements.push(parsed);
  }
  return { requirements, problems };
}

function parseBlock(block: Block, origin: RequirementFileOrigin): Requirement | { problem: string; line: number } {
  const fields = new Map<FieldName, string>();
  const at = (offset: number): number => block.line + 1 + offset;
  let index = 0;
  while (index < block.body.length && block.body[index]?.trim() === '') index++;
  let lastField: FieldName | undefined;
  for (; index < block.body.length; index++) {
    const line = block.body[index] ?? '';
    if (lastField !== undefined && CONTINUATION.test(line)) {
      fields.set(lastField, `${fields.get(lastField) ?? ''} ${line.trim()}`.trim());
      continue;
    }
    const match = FIELD.exec(line);
    if (match === null) break;
    const [, name = '', value = ''] = match;
    if (!(KNOWN_FIELDS as readonly string[]).includes(name)) {
      return { problem: `unknown field "${name}": expected one of ${KNOWN_FIELDS.join(', ')}`, line: at(index) };
    }
    const field = name as FieldName;
    if (fields.has(field)) return { problem: `"- ${field}:" given twice`, line: at(index) };
    fields.set(field, value.trim());
    lastField = field;
  }

  const level = fields.get('Level');
  if (level === undefined) return { problem: 'missing "- Level:" line', line: block.line };
  if (!(REQUIREMENT_LEVELS as readonly string[]).includes(level)) {
    return { problem: `expected MUST, SHOULD or MAY, received "${level}"`, line: block.line };
  }
  const source = fields.get('Source');
  if (source === undefined || source === '') return { problem: 'missing "- Source:" line', line: block.line };

  const features = splitList(fields.get('Features'));
  const unknownFeature = features.find((name) => !(FEATURES as readonly string[]).includes(name));
  if (unknownFeature !== undefined) {
    return { problem: `unknown feature "${unknownFeature}": expected one of ${FEATURES.join(', ')}`, line: block.line };
  }
  const codes = splitList(fields.get('Codes'));
  const badCode = codes.find((code) => !CODE.test(code));
  if (badCode !== undefined) return { problem: `malformed code "${badCode}": expected ERR_UPPER_SNAKE`, line: block.line };

  const { text, notes } = splitNotes(block.body.slice(index));
  if (text === '') return { problem: 'no normative text after the field lines', line: block.line };

  const requirement: Requirement = {
    id: block.id,
    area: origin.area,
    title: block.title,
    level: level as RequirementLevel,
    source,
    features: features as Feature[],
    codes,
    file: origin.file,
    line: block.line,
    text,
  };
  return notes === undefined ? requirement : { ...requirement, notes };
}

function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Splits the body into normative text and the `Notes:` paragraphs (which run to the block's end). */
function splitNotes(lines: readonly string[]): { text: string; notes?: string } {
  const notesStart = lines.findIndex((line, i) => /^Notes:/.test(line) && (i === 0 || lines[i - 1]?.trim() === ''));
  const textLines = notesStart === -1 ? lines : lines.slice(0, notesStart);
  const text = textLines.join('\n').trim();
  if (notesStart === -1) return { text };
  const notes = lines.slice(notesStart).join('\n').replace(/^Notes:\s*/, '').trim();
  return { text, notes };
}
