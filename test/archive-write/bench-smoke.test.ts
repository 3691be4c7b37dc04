import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

/** A tiny run of bench/zip-writer.ts (compiled to dist/ by the global setup): it must run and print its table. */
describe('bench/zip-writer --quick', () => {
  it('prints a Markdown table with a row per level and the ratios', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/bench/zip-writer.js', '--quick', '--levels', '0,9'], { cwd: root });
    const lines = stdout.split('\n');
    const header = lines.find((line) => line.startsWith('| level |'));
    expect(header).toBeDefined();
    expect(header).toContain('writeZip / raw zlib (defaults)');
    const rows = lines.filter((line) => /^\| \d \|/.test(line));
    expect(rows.map((row) => row.split('|')[1]!.trim())).toEqual(['0', '9']);
    for (const row of rows) expect(row).toMatch(/\d+\.\d\dx/);
  });

  it('refuses an unknown argument', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const run = promisify(execFile)(process.execPath, ['dist/bench/zip-writer.js', '--fast'], { cwd: root });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/unknown argument --fast/) });
  });
});
