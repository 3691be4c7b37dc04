/**
 * The JSON Schema (draft-07) of the JSON report. `spec/report.schema.json` holds the same schema
 * for readers in other languages (a test keeps the two equal).
 *
 * @packageDocumentation
 */
import { FEATURES } from '../adapter.js';
import type { JsonSchema } from '../json-schema.js';

const status = { enum: ['pass', 'fail', 'skip', 'error'] };
const expectation = {
  type: 'object',
  required: ['status', 'reason', 'met'],
  additionalProperties: false,
  properties: {
    status: { enum: ['fail', 'error'] },
    reason: { type: 'string' },
    met: { type: 'boolean', description: 'False for an unexpected pass (or another unexpected status).' },
  },
};

/** The schema of the report {@link toJsonReport} produces. */
export const REPORT_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'orientdb-backup-conformance report',
  type: 'object',
  required: ['reportVersion', 'runInfo', 'results', 'requirements', 'verdict'],
  additionalProperties: false,
  properties: {
    reportVersion: { const: 1 },
    runInfo: {
      type: 'object',
      required: ['implementation', 'suiteVersion', 'node', 'seed', 'runs', 'startedAt', 'durationMs'],
      additionalProperties: false,
      properties: {
        implementation: {
          type: 'object',
          required: ['name', 'version', 'supports'],
          additionalProperties: false,
          properties: {
            name: { type: 'string' },
            version: { type: 'string' },
            language: { type: 'string' },
            details: { type: 'string' },
            supports: { type: 'array', items: { enum: [...FEATURES] } },
            source: { type: 'string' },
          },
        },
        suiteVersion: { type: 'string' },
        node: { type: 'string' },
        seed: { type: 'integer', minimum: 0, maximum: 4294967295 },
        runs: { type: 'integer', minimum: 1 },
        grep: { type: 'string' },
        startedAt: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' },
        durationMs: { type: 'number', minimum: 0 },
      },
    },
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['scenario', 'title', 'requirements', 'status', 'durationMs'],
        additionalProperties: false,
        properties: {
          scenario: { type: 'string' },
          title: { type: 'string' },
          requirements: { type: 'array', items: { type: 'string' }, minItems: 1 },
          status,
          message: { type: 'string' },
          durationMs: { type: 'number', minimum: 0 },
          log: { type: 'array', items: { type: 'string' } },
          expectation,
        },
      },
    },
    requirements: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'level', 'status', 'passed', 'total'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[A-Z][A-Z0-9]*-\\d{3}$' },
          area: { type: 'string' },
          title: { type: 'string' },
          level: { enum: ['MUST', 'SHOULD', 'MAY', 'UNKNOWN'] },
          status,
          passed: { type: 'integer', minimum: 0 },
          total: { type: 'integer', minimum: 0 },
          scenarios: { type: 'array', items: { type: 'string' } },
          reason: { type: 'string' },
          expectation,
        },
      },
    },
    verdict: {
      type: 'object',
      required: ['exitCode', 'summary', 'failing', 'erroring'],
      additionalProperties: false,
      properties: {
        exitCode: { enum: [0, 1, 2] },
        summary: { type: 'string' },
        failing: { type: 'array', items: { type: 'string' } },
        erroring: { type: 'array', items: { type: 'string' } },
      },
    },
  },
};
