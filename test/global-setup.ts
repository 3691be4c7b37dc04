import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Tests that spawn child processes (crash trials, the stdio server, the CLI) run the compiled
 * JavaScript in `dist/`, because starting Node on plain JS is ten times faster than through a
 * TypeScript loader. Compiling here (incrementally) keeps `dist/` in step with the sources.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
