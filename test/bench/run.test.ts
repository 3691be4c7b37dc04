import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * A smoke run of `npm run bench` (bench/run.ts, compiled to dist/ by the global setup) on a tiny
 * database: every section must run and report. Its figures mean nothing and are not asserted
 * (timing targets are measured by the benchmark itself, never by tests).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = (args: string[]) => promisify(execFile)(process.execPath, ['dist/bench/run.js', ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 });

describe('bench/run --quick', () => {
  it('measures every section, prints the tables and the targets, and writes the JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    try {
      const json = join(dir, 'bench.json');
      const { stdout } = await run(['--quick', '--json', json]);
      for (const heading of ['### Full backup throughput', '### Restore of the level-9 archive', '### Peak resident memory', '### Backup against EXPORT DATABASE', '### Writer stall', '### Incremental backup', '## Targets']) {
        expect(stdout, heading).toContain(heading);
      }
      const levelRows = stdout.split('\n').filter((line) => /^\| [0-9] \| /.test(line));
      expect(levelRows.map((row) => row.split('|')[1]!.trim())).toEqual(['9']);
      for (const row of levelRows) expect(row).toMatch(/\d+\.\d\dx/);
      const report = JSON.parse(await readFile(json, 'utf8')) as {
        sizes: { levels: { level: number; mibPerSecond: Record<string, number> }[]; restore: { seconds: number }; incremental: { files: { label: string; pages: number }[] } }[];
        targets: { what: string; met: boolean | null }[];
      };
      const [size] = report.sizes;
      expect(size!.levels.map((level) => level.level)).toEqual([9]);
      expect(size!.levels.every((level) => level.mibPerSecond.backup! > 0)).toBe(true);
      expect(size!.restore.seconds).toBeGreaterThan(0);
      expect(size!.incremental.files.map((file) => file.label)).toEqual(['full', '1%', '10%']);
      expect(size!.incremental.files[1]!.pages).toBeGreaterThan(0);
      expect(report.targets.length).toBeGreaterThanOrEqual(6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // About 15 child processes: seconds on an idle machine, a minute when the cores are shared.
  }, 240_000);

  it('refuses an unknown argument with its usage', async () => {
    await expect(run(['--fast'])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/unknown argument --fast; usage: run\.js/) });
  });
});
