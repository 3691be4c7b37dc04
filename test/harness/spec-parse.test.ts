import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRequirementFile } from '../../conformance/spec/parse-requirements.js';
import { loadSpec } from '../../conformance/spec/load-spec.js';
import { findPackageRoot } from '../../conformance/spec/locate.js';
import { parseWithdrawnIds } from '../../conformance/spec/withdrawn.js';

const good = `# Backup

Intro text.

### BACKUP-001 Backup writes a ZIP archive

- Level: MUST
- Source: manual: "Executes a complete backup."
- Features: snapshot-backup, verify
- Codes: ERR_INVALID_OUTPUT, ERR_IO

The archive MUST be a ZIP file.

A second paragraph.

Notes: OrientDB does it too.

### BACKUP-002 Level is optional
- Level: MAY
- Source: decision: because
  it is long

Implementations MAY do it.

## Notes on sources

### Some sub heading that is not a requirement

Text.
`;

describe('parseRequirementFile', () => {
  it('reads every field of a well-formed block', () => {
    const { requirements, problems } = parseRequirementFile(good, { file: '/spec/backup.md', area: 'backup' });
    expect(problems).toEqual([]);
    expect(requirements).toHaveLength(2);
    expect(requirements[0]).toEqual({
      id: 'BACKUP-001',
      area: 'backup',
      title: 'Backup writes a ZIP archive',
      level: 'MUST',
      source: 'manual: "Executes a complete backup."',
      features: ['snapshot-backup', 'verify'],
      codes: ['ERR_INVALID_OUTPUT', 'ERR_IO'],
      file: '/spec/backup.md',
      line: 5,
      text: 'The archive MUST be a ZIP file.\n\nA second paragraph.',
      notes: 'OrientDB does it too.',
    });
  });

  it('joins an indented continuation of a field line and leaves features and codes empty when absent', () => {
    const [, second] = parseRequirementFile(good, { file: 'b.md', area: 'backup' }).requirements;
    expect(second).toMatchObject({ id: 'BACKUP-002', level: 'MAY', source: 'decision: because it is long', features: [], codes: [] });
    expect(second?.notes).toBeUndefined();
    expect(second?.line).toBe(18);
  });

  it('ignores headings inside fenced code blocks', () => {
    const text = '```\n### BACKUP-009 Not real\n- Level: MUST\n```\n';
    expect(parseRequirementFile(text, { file: 'b.md', area: 'backup' })).toEqual({ requirements: [], problems: [] });
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['missing level', '### BACKUP-001 T\n\n- Source: x\n\nText.\n', /missing "- Level:"/],
    ['missing source', '### BACKUP-001 T\n\n- Level: MUST\n\nText.\n', /missing "- Source:"/],
    ['bad level', '### BACKUP-001 T\n\n- Level: must\n- Source: x\n\nText.\n', /expected MUST, SHOULD or MAY, received "must"/],
    ['unknown feature', '### BACKUP-001 T\n\n- Level: MUST\n- Source: x\n- Features: teleport\n\nText.\n', /unknown feature "teleport"/],
    ['bad code', '### BACKUP-001 T\n\n- Level: MUST\n- Source: x\n- Codes: ERR_OK, oops\n\nText.\n', /malformed code "oops"/],
    ['unknown field', '### BACKUP-001 T\n\n- Level: MUST\n- Source: x\n- Severity: high\n\nText.\n', /unknown field "Severity"/],
    ['repeated field', '### BACKUP-001 T\n\n- Level: MUST\n- Level: MAY\n- Source: x\n\nText.\n', /"- Level:" given twice/],
    ['no text', '### BACKUP-001 T\n\n- Level: MUST\n- Source: x\n\n## Notes on sources\n', /no normative text/],
    ['malformed heading', '### BACKUP-1 Short id\n\n- Level: MUST\n- Source: x\n\nText.\n', /expected "### AREA-NNN title"/],
    ['heading without title', '### BACKUP-001\n\n- Level: MUST\n- Source: x\n\nText.\n', /expected "### AREA-NNN title"/],
    ['wrong prefix', '### RESTORE-001 T\n\n- Level: MUST\n- Source: x\n\nText.\n', /expected prefix BACKUP/],
  ];
  for (const [name, text, message] of malformed) {
    it(`reports a malformed block: ${name}`, () => {
      const { requirements, problems } = parseRequirementFile(text, { file: 'backup.md', area: 'backup' });
      expect(requirements).toEqual([]);
      expect(problems).toHaveLength(1);
      expect(problems[0]?.message).toMatch(message);
      expect(problems[0]?.line).toBeGreaterThan(0);
      expect(problems[0]?.file).toBe('backup.md');
    });
  }

  it('keeps one prefix per file for areas it does not know', () => {
    const text = '### TOY-001 A\n- Level: MUST\n- Source: x\n\nT.\n\n### OTHER-002 B\n- Level: MUST\n- Source: x\n\nT.\n';
    const { requirements, problems } = parseRequirementFile(text, { file: 'toy.md', area: 'toy' });
    expect(requirements.map((r) => r.id)).toEqual(['TOY-001']);
    expect(problems[0]).toMatchObject({ id: 'OTHER-002', line: 7 });
  });

  it('accepts CRLF line endings', () => {
    const { requirements } = parseRequirementFile(good.replace(/\n/g, '\r\n'), { file: 'b.md', area: 'backup' });
    expect(requirements.map((r) => r.id)).toEqual(['BACKUP-001', 'BACKUP-002']);
    expect(requirements[0]?.text).not.toContain('\r');
  });
});

describe('parseWithdrawnIds', () => {
  it('reads the first id of each line of the "Withdrawn ids" section only', () => {
    const readme = '# Spec\n\nSee BACKUP-001.\n\n## Withdrawn ids\n\n- BACKUP-007 (merged into BACKUP-008)\n- INCR-003\n\n## Next\n\nRESTORE-001\n';
    expect(parseWithdrawnIds(readme)).toEqual(['BACKUP-007', 'INCR-003']);
  });
  it('is empty without the section', () => {
    expect(parseWithdrawnIds('# Spec\n')).toEqual([]);
  });
});

describe('loadSpec', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spec-'));
    await writeFile(join(dir, 'backup.md'), good);
    await writeFile(join(dir, 'storage.md'), '### STORAGE-001 Create\n- Level: SHOULD\n- Source: x\n\nT.\n');
    await writeFile(join(dir, 'README.md'), '### BACKUP-999 Not parsed here\n\n## Withdrawn ids\n\nBACKUP-003\n');
    await writeFile(join(dir, 'errors.md'), '### BACKUP-998 Not a requirement file\n');
    await mkdir(join(dir, 'sub'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the area files in area order, skips the non-requirement files and reads the withdrawn ids', async () => {
    const spec = await loadSpec({ dir });
    expect(spec.dir).toBe(dir);
    expect(spec.files.map((f) => f.slice(dir.length + 1))).toEqual(['storage.md', 'backup.md']);
    expect(spec.requirements.map((r) => r.id)).toEqual(['STORAGE-001', 'BACKUP-001', 'BACKUP-002']);
    expect(spec.withdrawn).toEqual(['BACKUP-003']);
    expect(spec.problems).toEqual([]);
  });

  it('refuses a missing directory with ERR_SPEC_NOT_FOUND', async () => {
    await expect(loadSpec({ dir: join(dir, 'nope') })).rejects.toMatchObject({ code: 'ERR_SPEC_NOT_FOUND' });
  });

  it('finds the package root (and so spec/) from a module URL', () => {
    const root = findPackageRoot(import.meta.url);
    expect(root).toBe(fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, ''));
    expect(() => findPackageRoot('file:///')).toThrow(expect.objectContaining({ code: 'ERR_SPEC_NOT_FOUND' }));
  });
});
