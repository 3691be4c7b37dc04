/**
 * The negative controls of the verify area (spec/verify.md), declared apart from their test
 * (test/negative-controls/verify.test.ts) so that the coverage check
 * (test/negative-controls/coverage.test.ts) can enumerate them without running them. See the
 * test file for how they are run.
 *
 * @packageDocumentation
 */
import { stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { sep } from 'node:path';
import type { Implementation, VerifyReport } from '../../../conformance/adapter.js';
import { negativeControl, type NegativeControl } from '../../../conformance/self-test/negative-control.js';
import { wrapFactory } from '../../../conformance/self-test/wrap.js';

function invalid(code: string, lines: readonly string[]): VerifyReport {
  return { valid: false, code, lines: [...lines, `verdict: invalid (${code})`] };
}

/** A control replacing `verify` by `verify(inner, path)`. */
function verifyControl(name: string, description: string, breaks: string[], verify: (inner: Implementation, path: string) => Promise<VerifyReport>): NegativeControl {
  return negativeControl({
    name,
    description,
    breaks,
    wrap: (factory) => wrapFactory(factory, { implementation: (inner) => ({ verify: (path) => verify(inner, path) }) }),
  });
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (found) => found.isDirectory(),
    () => false,
  );
}

/** The negative controls of the verify area. */
export const verifyControls: readonly NegativeControl[] = [
  verifyControl(
    'valid-backups-reported-invalid',
    'reports every valid archive and chain invalid',
    // Every scenario that verifies something valid: a fresh backup (VERIFY-001, -002, -005), the
    // comparison with a restore that succeeds (VERIFY-003), a chain (VERIFY-007).
    ['VERIFY-001', 'VERIFY-002', 'VERIFY-003', 'VERIFY-005', 'VERIFY-007'],
    async (inner, path) => {
      const report = await inner.verify(path);
      return report.valid ? invalid('ERR_ARCHIVE_MALFORMED', report.lines.slice(0, -1)) : report;
    },
  ),
  verifyControl(
    'verdict-only',
    'prints the verdict without a line per file',
    // VERIFY-008 (SHOULD) reads the lines of the files before a damaged one.
    ['VERIFY-002', 'VERIFY-008'],
    async (inner, path) => {
      const report = await inner.verify(path);
      return { ...report, lines: report.lines.slice(-1) };
    },
  ),
  verifyControl('unlisted-files-pass', 'does not check that every file of an archive is in its manifest', ['VERIFY-003'], async (inner, path) => {
    const report = await inner.verify(path);
    return report.code === 'ERR_MANIFEST_UNLISTED_FILE' ? { valid: true, lines: [...report.lines.slice(0, -1), 'verdict: valid'] } : report;
  }),
  verifyControl('leaves-a-marker', 'writes a marker file beside every archive it verified', ['VERIFY-004'], async (inner, path) => {
    const report = await inner.verify(path);
    // Only inside the scenarios' work directories: never beside the package's committed fixtures.
    const inWorkDirectory = path.startsWith(tmpdir() + sep);
    if (inWorkDirectory && !(await isDirectory(path)) && report.code !== 'ERR_ARCHIVE_NOT_FOUND') await writeFile(`${path}.verified`, report.valid ? 'valid\n' : `${report.code ?? ''}\n`);
    return report;
  }),
  negativeControl({
    name: 'needs-a-database',
    description: 'refuses to verify before the instance has created a database',
    // VERIFY-006 verifies missing paths on an instance that has created nothing either.
    breaks: ['VERIFY-005', 'VERIFY-006'],
    wrap: (factory) =>
      wrapFactory(factory, {
        implementation: (inner) => {
          let created = false;
          return {
            createDatabase: async (...args) => {
              created = true;
              return inner.createDatabase(...args);
            },
            verify: async (path) => (created ? inner.verify(path) : invalid('ERR_DATABASE_NOT_FOUND', [])),
          };
        },
      }),
  }),
  verifyControl(
    'missing-path-as-io-error',
    'reports a missing path as ERR_IO',
    // VERIFY-002 expects the verdict line of a missing path alone, with its code.
    ['VERIFY-002', 'VERIFY-006'],
    async (inner, path) => {
      const report = await inner.verify(path);
      return report.code === 'ERR_ARCHIVE_NOT_FOUND' ? invalid('ERR_IO', []) : report;
    },
  ),
  verifyControl(
    'chains-always-valid',
    'reports every directory valid without reading it',
    // VERIFY-008 (SHOULD) finds no "ok" line for the files before a damaged one.
    ['VERIFY-007', 'VERIFY-008'],
    async (inner, path) => ((await isDirectory(path)) ? { valid: true, lines: ['verdict: valid'] } : inner.verify(path)),
  ),
];
