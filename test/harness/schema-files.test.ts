/**
 * The JSON Schemas are published as files in spec/ for implementers in other languages; they must
 * equal the ones the harness uses. Regenerate with UPDATE_SCHEMAS=1 npx vitest run test/harness/schema-files.test.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORT_SCHEMA } from '../../conformance/report/json-schema.js';
import { EXPECTATIONS_SCHEMA } from '../../conformance/runner/expectations.js';
import { PROTOCOL_SCHEMA } from '../../conformance/protocol/schemas.js';
import { HARNESS_ERROR_CODES } from '../../conformance/errors.js';
import { ERROR_CODES } from '../../src/errors.js';
import { ROOT } from './helpers.js';

const files: Array<[string, unknown]> = [
  ['spec/protocol.schema.json', PROTOCOL_SCHEMA],
  ['spec/report.schema.json', REPORT_SCHEMA],
  ['spec/expectations.schema.json', EXPECTATIONS_SCHEMA],
];

describe('published schema files', () => {
  for (const [file, schema] of files) {
    it(`${file} equals the schema the harness uses`, async () => {
      const text = `${JSON.stringify(schema, null, 2)}\n`;
      if (process.env['UPDATE_SCHEMAS'] === '1') await writeFile(join(ROOT, file), text);
      expect(await readFile(join(ROOT, file), 'utf8'), `run UPDATE_SCHEMAS=1 npx vitest run test/harness/schema-files.test.ts`).toBe(text);
    });
  }
});

describe('harness error codes', () => {
  it('are all in src/errors.ts ERROR_CODES with the same meaning', () => {
    for (const [code, meaning] of Object.entries(HARNESS_ERROR_CODES)) {
      expect(ERROR_CODES[code as keyof typeof ERROR_CODES], code).toBe(meaning);
    }
  });
});
